from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.lib.time import UTCDateTime, now_utc

if TYPE_CHECKING:  # the log sits below accounts in the house: every domain, accounts too, records to it
    from app.accounts.models import User


class AuditEvent(db.Model):
    """One sensitive action. Append-only: nothing in the application updates or deletes these rows, and the actor
    is kept as NULL (with the name they had, in `actor_name`) when their account is deleted."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_created_at", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    action: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    subject: so.Mapped[str] = so.mapped_column(sa.String(200), default="")  # e.g. "registration 12", "cohort 3"
    details: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    ip_address: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)

    actor: so.Mapped[User | None] = so.relationship("User")
