import click
from flask.cli import AppGroup

from app.extensions import db
from app.registration.deadline import close_due_registrations
from app.registration.pre_meetings import send_deadline_reminders, send_pre_meeting_reminders


@click.command("close-registration")
def close_registration_command() -> None:
    """Apply every passed deadline: incomplete registrations lapse and their coordinators are emailed.
    Safe to run from cron as often as you like."""
    lapsed = close_due_registrations(db.session)
    db.session.commit()
    click.echo(f"{len(lapsed)} registration(s) lapsed.")


reminders_cli = AppGroup("reminders", help="Reminders to coordinators.")


@reminders_cli.command("send")
def send_reminders_command() -> None:
    """Email the reminders that are due: registrations still incomplete 3 days before the deadline, and
    pre-meetings not logged 7 and 2 days before session 1. Never the same one twice."""
    sent = send_deadline_reminders(db.session) + send_pre_meeting_reminders(db.session)
    db.session.commit()
    click.echo(f"{sent} reminder(s) queued.")
