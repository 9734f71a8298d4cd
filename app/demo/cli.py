import click
from flask.cli import AppGroup

from app.demo.data import DEMO_PASSWORD, load_demo
from app.extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying Plenary out.")


@demo_cli.command("load")
def load_command() -> None:
    """Create a small, believable world. Safe to run again: what exists is left alone."""
    report = load_demo(db.session)
    db.session.commit()
    for line in report.lines:
        click.echo(line)
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email in report.logins:
        click.echo(f"  {role:<24} {email}")
