import click
from flask.cli import AppGroup

from app.extensions import db
from app.signin.service import purge_expired

sign_in_cli = AppGroup("sign-in", help="Emailed sign-in links and codes.")


@sign_in_cli.command("purge")
def purge_command() -> None:
    """Delete emailed sign-in links and codes that expired or were used (run it daily, e.g. from cron)."""
    count = purge_expired(db.session)
    db.session.commit()
    click.echo(f"Deleted {count} expired or used sign-in requests.")
