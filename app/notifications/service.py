"""The email outbox: queue a message inside the caller's transaction, deliver it later, never drop it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import render_template
from jinja2 import TemplateNotFound

from app.lib.email import Email, Transport
from app.lib.time import now_utc
from app.notifications.models import OutboxMessage

log = logging.getLogger("plenary.outbox")

CLAIM_SECONDS = 300
MAX_BACKOFF = timedelta(hours=1)


def queue_email(
    session: so.Session, *, to: str, subject: str, template: str, kind: str = "general", **context
) -> OutboxMessage:
    """Write an email to the outbox in the caller's transaction; it is delivered only if that transaction commits.

    `template` names a pair `<template>.txt` (required) and `<template>.html` (optional) under templates/.
    """
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


def deliver_due(session: so.Session, transport: Transport, sender: str, *, limit: int = 100) -> DeliveryReport:
    """Send the messages that are due. Each outcome is committed at once; a failure keeps the message,
    its error and its attempt count, and schedules the next try. Safe to run in several processes at once."""
    report = DeliveryReport()
    for message_id in _claim_due(session, limit, now_utc()):
        message = session.get(OutboxMessage, message_id)
        if message is None or message.sent_at is not None:
            continue
        message.attempts += 1
        try:
            transport.send(Email(message.to_address, message.subject, message.body_text, message.body_html), sender)
        except Exception as exc:  # noqa: BLE001 - any transport failure is recorded and retried
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.next_attempt_at = now_utc() + backoff(message.attempts)
            report.failed += 1
            log.warning("Email %s to %s failed (attempt %s): %s", message.id, message.to_address, message.attempts, exc)
        else:
            message.sent_at = now_utc()
            message.last_error = None
            report.sent += 1
        message.claimed_until = None
        session.commit()
    return report


def pending_count(session: so.Session) -> int:
    return session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_(None))) or 0
