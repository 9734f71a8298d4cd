import click

from app.extensions import db
from app.registration.service import close_due_registrations


@click.command("close-registration")
def close_registration_command() -> None:
    """Apply every passed deadline: incomplete registrations lapse and their coordinators are emailed.
    Safe to run from cron as often as you like."""
    lapsed = close_due_registrations(db.session)
    db.session.commit()
    click.echo(f"{len(lapsed)} registration(s) lapsed.")
