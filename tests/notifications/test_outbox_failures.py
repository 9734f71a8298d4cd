"""The outbox gives up: a message that can never be sent is failed at once, one that keeps failing stops after
OUTBOX_MAX_ATTEMPTS, and an administrator sees both (`flask outbox status`). Tried against real SMTP servers: the
test sink, and servers that answer 5xx (refused for good) or 4xx (try again later)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from app.extensions import db
from app.groups import invitations
from app.groups import service as groups
from app.lib.email import LogTransport, SMTPTransport
from app.lib.time import now_utc
from app.notifications.models import OutboxMessage
from app.notifications.service import deliver_due, queue_email
from tests.conftest import outbox_messages
from tests.tools.smtp_sink import SERVER_HOSTNAME, SmtpSink, free_port

SENDER = "Plenary <no-reply@plenary.test>"


class RefusingHandler:
    """Answers every recipient with `reply` (e.g. "550 5.1.1 no such user" or "451 4.3.0 try again later")."""

    def __init__(self, reply: str):
        self.reply = reply
        self.tries = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd API)
        self.tries += 1
        return self.reply


@pytest.fixture
def refusing_server():
    started = []

    def start(reply: str) -> tuple[RefusingHandler, SMTPTransport]:
        handler = RefusingHandler(reply)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname=SERVER_HOSTNAME)
        controller.start()
        started.append(controller)
        return handler, SMTPTransport("127.0.0.1", port, timeout=5)

    yield start
    for controller in started:
        controller.stop()


def queue(to="someone@example.org", subject="Hello") -> OutboxMessage:
    message = queue_email(
        db.session,
        locale="en",
        to=to,
        subject=subject,
        template="accounts/email/reset_password",
        user={"name": "Sam"},
        hours=1,
        link="http://plenary.test/x",
    )
    db.session.commit()
    return message


def make_due_again(message: OutboxMessage | int) -> OutboxMessage:
    message_id = message if isinstance(message, int) else message.id
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    message.next_attempt_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    return message


def test_a_permanent_refusal_fails_the_message_at_once_and_it_is_never_tried_again(app, refusing_server):
    handler, transport = refusing_server("550 5.1.1 No such user here")
    message = queue()
    report = deliver_due(db.session, transport, SENDER)
    db.session.refresh(message)
    assert report.failed == 1
    assert message.status == "failed" and message.attempts == 1 and message.failed_at is not None
    assert "550" in message.last_error and "No such user" in message.last_error
    make_due_again(message)
    assert deliver_due(db.session, transport, SENDER).failed == 0
    assert handler.tries == 1


def test_a_temporary_refusal_is_retried_a_bounded_number_of_times_then_given_up(app, refusing_server):
    handler, transport = refusing_server("451 4.3.0 Try again later")
    message = queue()
    for attempt in range(1, 4):
        deliver_due(db.session, transport, SENDER, max_attempts=3)
        db.session.refresh(message)
        assert message.attempts == attempt
        assert message.status == ("failed" if attempt == 3 else "retrying")
        make_due_again(message)
    assert deliver_due(db.session, transport, SENDER, max_attempts=3).failed == 0
    assert handler.tries == 3
    assert "451" in message.last_error


@pytest.mark.parametrize("subject", ["Dock\u2028workers", "Dock\u2029workers", "Dock\r\nBcc: x@evil.test", "a\x85b"])
@pytest.mark.parametrize("transport_name", ["smtp", "log"])
def test_a_message_that_cannot_be_built_is_failed_at_once_on_every_transport(app, subject, transport_name):
    """A row written before subjects were made safe (or by anything that bypasses queue_email)."""
    db.session.add(OutboxMessage(to_address="a@example.org", subject=subject, body_text="x", kind="general"))
    db.session.commit()
    with SmtpSink() as sink:
        transport = SMTPTransport(sink.host, sink.port) if transport_name == "smtp" else LogTransport()
        report = deliver_due(db.session, transport, SENDER)
        assert sink.messages == []
    message = db.session.scalar(sa.select(OutboxMessage))
    assert report.failed == 1 and message.status == "failed" and message.attempts == 1
    assert "cannot be built" in message.last_error


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\n", "\r", "\x85", "\x0b", "\t", "\u202e"])
def test_an_invitation_about_a_group_named_with_a_line_separator_is_delivered(app, make_user, separator):
    coordinator = make_user(email="coord@example.org", name=f"Ana{separator}María")
    coordinator.name = f"Ana{separator}María"  # as stored before names were cleaned on the way in
    group = groups.create_group(db.session, coordinator, name=f"Dock{separator}workers", organization="Port Union")
    invitations.invite_members(db.session, coordinator, group, "rosa@example.org")
    db.session.commit()
    with SmtpSink() as sink:
        report = deliver_due(db.session, SMTPTransport(sink.host, sink.port), SENDER)
        received = sink.wait_for("rosa@example.org")
    assert report.sent == 1 and report.failed == 0
    subject = str(received["Subject"])
    assert "Dock workers" in subject or "Dockworkers" in subject
    assert not any(c in subject for c in "\r\n\u2028\u2029\x85\x0b")


def test_subjects_are_cut_to_their_column(app):
    message = queue(subject="x" * 400)
    assert len(message.subject) == 255


def test_outbox_status_counts_by_state_and_shows_the_latest_failures_without_their_text(app, runner, refusing_server):
    _handler, transport = refusing_server("550 5.7.1 Rejected for policy reasons")
    queue(to="refused@example.org", subject="Secret subject")
    deliver_due(db.session, transport, SENDER)
    queue(to="waiting@example.org")
    sent = queue(to="sent@example.org")
    sent.sent_at = now_utc()
    retrying = queue(to="retrying@example.org")
    retrying.attempts, retrying.next_attempt_at = 1, now_utc() + timedelta(hours=1)
    db.session.commit()

    result = runner.invoke(args=["outbox", "status"])
    assert result.exit_code == 0, result.output
    assert "sent 1, pending 1, retrying 1, failed 1" in result.output
    assert "refused@example.org" in result.output and "Rejected for policy reasons" in result.output
    body = outbox_messages()[0].body_text
    assert body.strip().splitlines()[0] not in result.output  # no message text


def test_outbox_send_command_gives_up_after_the_configured_number_of_attempts(app, runner, refusing_server):
    _handler, transport = refusing_server("421 4.7.0 Too busy")
    message_id = queue().id
    app.config.update(MAIL_SERVER=transport.host, MAIL_PORT=transport.port, OUTBOX_MAX_ATTEMPTS=2)
    for _ in range(2):
        result = runner.invoke(args=["outbox", "send"])
        assert result.exit_code == 0, result.output
        message = make_due_again(message_id)
    assert message.status == "failed"
    assert "waiting 0" in result.output


def test_administrators_see_failed_emails_on_the_audit_page_and_others_do_not(app, make_user, refusing_server):
    _handler, transport = refusing_server("550 5.1.1 Mailbox unavailable")
    queue(to="gone@example.org")
    deliver_due(db.session, transport, SENDER)
    make_user(email="admin@example.org", is_admin=True)
    make_user(email="member@example.org")
    admin, member = app.test_client(), app.test_client()
    admin.submit("/login", {"email": "admin@example.org", "password": "correct horse battery"})
    member.submit("/login", {"email": "member@example.org", "password": "correct horse battery"})
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "Given up: 1." in page and "gone@example.org" in page and "Mailbox unavailable" in page
    assert member.get("/admin/audit").status_code == 403
