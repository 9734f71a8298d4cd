import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.lib.email import transport_from_config
from app.notifications.service import MAX_ATTEMPTS, deliver_due, outbox_status, pending_count

outbox_cli = AppGroup("outbox", help="Deliver queued emails.")


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, checking for new messages every --interval seconds.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between checks with --loop.")
@click.option("--limit", default=100, show_default=True, help="Most messages to take per round.")
@click.option("--max-rounds", default=0, hidden=True, help="Stop after this many rounds (tests).")
def send_command(loop: bool, interval: float, limit: int, max_rounds: int) -> None:
    """Send the emails that are due. Several workers may run at once; none sends a message twice."""
    transport = transport_from_config(current_app.config)
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    rounds = 0
    while True:
        report = deliver_due(
            db.session,
            transport,
            sender,
            limit=limit,
            max_attempts=current_app.config.get("OUTBOX_MAX_ATTEMPTS", MAX_ATTEMPTS),
        )
        db.session.remove()
        rounds += 1
        if report.sent or report.failed or not loop:
            click.echo(f"sent {report.sent}, failed {report.failed}, waiting {pending_count(db.session)}")
            db.session.remove()
        if not loop or (max_rounds and rounds >= max_rounds):
            break
        if not (report.sent or report.failed):
            time.sleep(interval)


@outbox_cli.command("status")
@click.option("--latest", default=10, show_default=True, help="How many of the latest failures to list.")
def status_command(latest: int) -> None:
    """Count the messages by state and list the latest ones given up, with their error (never their text)."""
    status = outbox_status(db.session, latest=latest)
    click.echo(", ".join(f"{name} {count}" for name, count in status.counts.items()))
    if not status.latest_failures:
        click.echo("no failed messages")
        return
    click.echo("latest failures:")
    for message in status.latest_failures:
        click.echo(
            f"  #{message.id} {message.failed_at:%Y-%m-%d %H:%M} UTC {message.kind} to {message.to_address}, "
            f"{message.attempts} attempt(s): {message.last_error}"
        )
