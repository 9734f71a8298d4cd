from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.models import User
from app.extensions import db
from app.lib.time import UTCDateTime, now_utc


class LinkedIdentity(db.Model):
    """An account at an identity provider that signs a person in: the provider's (issuer, subject) pair names it
    for good (an email address can change hands; the subject cannot)."""

    __tablename__ = "linked_identities"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: so.Mapped[str] = so.mapped_column(sa.String(32))  # the configured name, e.g. "google"
    issuer: so.Mapped[str] = so.mapped_column(sa.String(255))
    subject: so.Mapped[str] = so.mapped_column(sa.String(255))
    email_at_link: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    user: so.Mapped[User] = so.relationship()


class PendingIdentityLink(db.Model):
    """A provider account waiting to be linked to the Plenary account with the same address: the link is made only
    from the emailed confirmation (single use: the row is deleted), proving the person also holds that mailbox."""

    __tablename__ = "pending_identity_links"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: so.Mapped[str] = so.mapped_column(sa.String(32))
    issuer: so.Mapped[str] = so.mapped_column(sa.String(255))
    subject: so.Mapped[str] = so.mapped_column(sa.String(255))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    next_url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)

    user: so.Mapped[User] = so.relationship()
