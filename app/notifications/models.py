from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.lib.time import UTCDateTime, now_utc


class OutboxMessage(db.Model):
    """An email waiting to be delivered, written in the same transaction as the change that causes it.

    A message is never deleted: failures are kept in `last_error` and retried with back-off, up to
    OUTBOX_MAX_ATTEMPTS; a message that can never be sent (refused for good, or that cannot be built) or that used
    up its attempts gets `failed_at` and is not tried again (`flask outbox status` lists them).
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_due", "sent_at", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(255))
    body_text: so.Mapped[str] = so.mapped_column(sa.Text)
    body_html: so.Mapped[str | None] = so.mapped_column(sa.Text)
    kind: so.Mapped[str] = so.mapped_column(sa.String(64), default="general")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    claimed_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    failed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    @property
    def status(self) -> str:
        if self.sent_at:
            return "sent"
        if self.failed_at:
            return "failed"
        return "retrying" if self.attempts else "pending"
