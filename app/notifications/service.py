"""The email outbox: queue a message inside the caller's transaction, deliver it later, never drop it silently.

A message that cannot be delivered is retried with back-off a bounded number of times (OUTBOX_MAX_ATTEMPTS), or
given up at once when it never can be (PermanentFailure); either way it stays in the table, marked failed with its
error, for an administrator to see (`flask outbox status`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import render_template
from flask_babel import force_locale, get_locale
from flask_babel.speaklater import LazyString
from jinja2 import TemplateNotFound

from app.lib import languages
from app.lib.email import Email, PermanentFailure, Transport, build_or_refuse
from app.lib.text import one_line
from app.lib.time import now_utc
from app.notifications.models import OutboxMessage

log = logging.getLogger("plenary.outbox")

CLAIM_SECONDS = 300
MAX_BACKOFF = timedelta(hours=1)
MAX_ATTEMPTS = 8  # the default of OUTBOX_MAX_ATTEMPTS: 1+2+4+...+60 minutes, about four hours of trying
SUBJECT_MAX = 255  # OutboxMessage.subject


def queue_email(
    session: so.Session,
    *,
    to: str,
    locale: str | None,
    subject: str | LazyString,
    template: str,
    kind: str = "general",
    **context,
) -> OutboxMessage:
    """Write an email to the outbox in the caller's transaction; it is delivered only if that transaction commits.

    The email is written in `locale`, the recipient's language (their profile's; for someone with no account yet,
    the language of whoever caused the email, or of the request): subject, body and every date in it. Pass the
    subject as a lazy string (`lazy_gettext("…", name=…)`) so that it, too, is translated for the recipient rather
    than for the person whose request sends it.

    `template` names a pair `<template>.txt` (required) and `<template>.html` (optional) under templates/. The
    subject, often built with people's and groups' names, is put on one line (no line break can reach the header)
    and cut to its column's length.
    """
    with force_locale(languages.known(locale) or str(get_locale() or languages.DEFAULT_LANGUAGE)):
        subject = one_line(str(subject), SUBJECT_MAX)
        text = render_template(f"{template}.txt", **context)
        try:
            html = render_template(f"{template}.html", **context)
        except TemplateNotFound:
            html = None  # the HTML part is optional
    message = OutboxMessage(to_address=to, subject=subject, body_text=text, body_html=html, kind=kind)
    session.add(message)
    session.flush()
    return message


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try: 1, 2, 4, ... minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim_due(session: so.Session, limit: int, now: datetime) -> list[int]:
    """Take up to `limit` due messages for this worker and commit the claim.

    On PostgreSQL, FOR UPDATE SKIP LOCKED lets several workers pick disjoint rows without waiting; the
    conditional UPDATE then makes the claim itself atomic on every database, SQLite included.
    """
    due = (
        sa.select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    candidate_ids = list(session.scalars(due))
    claimed = []
    for message_id in candidate_ids:
        result = session.execute(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.sent_at.is_(None),
                sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    session.commit()
    return claimed


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def deliver_due(
    session: so.Session, transport: Transport, sender: str, *, limit: int = 100, max_attempts: int = MAX_ATTEMPTS
) -> DeliveryReport:
    """Send the messages that are due. Each outcome is committed at once; a failure keeps the message,
    its error and its attempt count, and schedules the next try, unless the message can never be sent
    (PermanentFailure) or this was its `max_attempts`-th try: then it is marked failed and left alone.
    Safe to run in several processes at once."""
    report = DeliveryReport()
    for message_id in _claim_due(session, limit, now_utc()):
        message = session.get(OutboxMessage, message_id)
        if message is None or message.sent_at is not None or message.failed_at is not None:
            continue
        message.attempts += 1
        try:
            email = Email(message.to_address, message.subject, message.body_text, message.body_html)
            build_or_refuse(email, sender)  # whatever the transport, a message that cannot be built is given up
            transport.send(email, sender)
        except Exception as exc:  # noqa: BLE001 - any transport failure is recorded, and retried if it may pass
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            report.failed += 1
            if isinstance(exc, PermanentFailure) or message.attempts >= max_attempts:
                message.failed_at = now_utc()
                log.error(
                    "Email %s to %s given up after %s attempt(s): %s",
                    message.id,
                    message.to_address,
                    message.attempts,
                    exc,
                )
            else:
                message.next_attempt_at = now_utc() + backoff(message.attempts)
                log.warning(
                    "Email %s to %s failed (attempt %s): %s", message.id, message.to_address, message.attempts, exc
                )
        else:
            message.sent_at = now_utc()
            message.last_error = None
            report.sent += 1
        message.claimed_until = None
        session.commit()
    return report


def pending_count(session: so.Session) -> int:
    """Messages still to be sent (failed ones are not waiting any more)."""
    return (
        session.scalar(
            sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
        )
        or 0
    )


@dataclass
class OutboxStatus:
    counts: dict[str, int]  # sent, pending, retrying, failed
    latest_failures: list[OutboxMessage]


def outbox_status(session: so.Session, *, latest: int = 10) -> OutboxStatus:
    """How many messages are in each state, and the latest ones given up (for an administrator: no bodies)."""
    state = sa.case(
        (OutboxMessage.sent_at.is_not(None), "sent"),
        (OutboxMessage.failed_at.is_not(None), "failed"),
        (OutboxMessage.attempts > 0, "retrying"),
        else_="pending",
    )
    counts = dict.fromkeys(("sent", "pending", "retrying", "failed"), 0)
    for name, count in session.execute(sa.select(state, sa.func.count()).group_by(state)):
        counts[name] = count
    failures = list(
        session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.failed_at.is_not(None))
            .order_by(OutboxMessage.failed_at.desc(), OutboxMessage.id.desc())
            .limit(latest)
        )
    )
    return OutboxStatus(counts, failures)
