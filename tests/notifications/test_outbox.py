"""The outbox: emails are written with the change that causes them, delivered later, never dropped."""

import smtplib

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.lib.email import LogTransport, SMTPTransport
from app.lib.time import now_utc
from app.notifications.models import OutboxMessage
from app.notifications.service import backoff, deliver_due, queue_email
from tests.conftest import real_transactions
from tests.tools.smtp_sink import SmtpSink


def queue(to="someone@example.org", subject="Hello"):
    message = queue_email(
        db.session,
        locale="en",
        to=to,
        subject=subject,
        template="accounts/email/reset_password",
        user=type("U", (), {"name": "Sam"})(),
        hours=1,
        link="http://plenary.test/x",
    )
    db.session.commit()
    return message


class FailingTransport:
    def __init__(self):
        self.calls = 0

    def send(self, message, sender):
        self.calls += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_queued_email_is_delivered_over_smtp(app):
    queue(to="ana@example.org", subject="Reset your password")
    with SmtpSink() as sink:
        report = deliver_due(db.session, SMTPTransport(sink.host, sink.port), "Plenary <no-reply@plenary.test>")
        received = sink.wait_for("ana@example.org")
    assert report.sent == 1
    assert received["Subject"] == "Reset your password"
    assert "http://plenary.test/x" in sink.body_text(received)
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.sent_at is not None and message.status == "sent"


def test_a_sent_message_is_not_sent_again(app):
    queue()
    with SmtpSink() as sink:
        transport = SMTPTransport(sink.host, sink.port)
        deliver_due(db.session, transport, "p@plenary.test")
        second = deliver_due(db.session, transport, "p@plenary.test")
        assert second.sent == 0
        assert len(sink.messages) == 1


def test_failed_delivery_keeps_the_message_and_its_error_and_retries_later(app):
    queue()
    transport = FailingTransport()
    report = deliver_due(db.session, transport, "p@plenary.test")
    assert report.failed == 1
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.sent_at is None
    assert message.attempts == 1
    assert "Connection unexpectedly closed" in message.last_error
    assert message.next_attempt_at > now_utc()
    # Not due yet: the worker leaves it alone instead of hammering a broken server.
    assert deliver_due(db.session, transport, "p@plenary.test").failed == 0
    assert transport.calls == 1

    message.next_attempt_at = now_utc()
    db.session.commit()
    with SmtpSink() as sink:
        assert deliver_due(db.session, SMTPTransport(sink.host, sink.port), "p@plenary.test").sent == 1
    db.session.refresh(message)
    assert message.sent_at is not None and message.last_error is None and message.attempts == 2


def test_delivery_to_an_unreachable_server_is_recorded_not_raised(app):
    queue()
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    report = deliver_due(db.session, SMTPTransport("127.0.0.1", port, timeout=2), "p@plenary.test")
    assert report.failed == 1
    assert "Connection refused" in db.session.scalar(sa.select(OutboxMessage.last_error))


def test_backoff_grows_and_is_capped():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30).total_seconds() == 3600


def test_an_email_queued_in_a_rolled_back_transaction_is_never_sent(app):
    with real_transactions():
        queue_email(
            db.session,
            locale="en",
            to="ghost@example.org",
            subject="Never",
            template="accounts/email/reset_password",
            user={"name": "G"},
            hours=1,
            link="x",
        )
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_without_a_mail_server_messages_go_to_the_log(app, caplog):
    queue(to="logged@example.org", subject="Logged subject")
    with caplog.at_level("INFO", logger="plenary.mail"):
        report = deliver_due(db.session, LogTransport(), "p@plenary.test")
    assert report.sent == 1
    assert "logged@example.org" in caplog.text and "Logged subject" in caplog.text


def test_outbox_send_command_delivers_through_configured_smtp(app, runner):
    queue(to="cli@example.org")
    with SmtpSink() as sink:
        app.config.update(MAIL_SERVER=sink.host, MAIL_PORT=sink.port)
        result = runner.invoke(args=["outbox", "send"])
        sink.wait_for("cli@example.org")
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0, waiting 0" in result.output


@pytest.mark.parametrize("workers", [2])
def test_two_workers_claiming_at_once_never_take_the_same_message(app, workers):
    """Claims are atomic: a second worker's claim in the same instant finds nothing left to take."""
    from app.notifications.service import _claim_due

    for n in range(5):
        queue(to=f"p{n}@example.org")
    first = _claim_due(db.session, 3, now_utc())
    second = _claim_due(db.session, 10, now_utc())
    assert len(first) == 3 and len(second) == 2
    assert not set(first) & set(second)
