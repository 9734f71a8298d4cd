import click
from flask.cli import AppGroup

from app.accounts.service import create_user
from app.audit.service import record
from app.extensions import db
from app.lib.errors import DomainError

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--timezone", default="UTC", show_default=True, help="IANA zone, e.g. America/Bogota.")
@click.option("--admin", is_flag=True, help="Make this account an administrator.")
def create_command(email: str, name: str, password: str, timezone: str, admin: bool) -> None:
    """Create an account, for example the first administrator."""
    try:
        user = create_user(db.session, email=email, name=name, password=password, timezone=timezone, is_admin=admin)
    except DomainError as error:
        click.echo(f"Error: {error.message}", err=True)
        raise SystemExit(1) from None
    if admin:
        record(db.session, None, "user.admin_granted", f"user {user.id}", email=user.email, via="flask users create")
    db.session.commit()
    click.echo(f"Created {'administrator' if admin else 'user'} {user.email} (id {user.id}).")
