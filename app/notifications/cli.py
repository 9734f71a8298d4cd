import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.lib.email import transport_from_config
from app.notifications.service import deliver_due, pending_count

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
        report = deliver_due(db.session, transport, sender, limit=limit)
        db.session.remove()
        rounds += 1
        if report.sent or report.failed or not loop:
            click.echo(f"sent {report.sent}, failed {report.failed}, waiting {pending_count(db.session)}")
            db.session.remove()
        if not loop or (max_rounds and rounds >= max_rounds):
            break
        if not (report.sent or report.failed):
            time.sleep(interval)
