from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.models import User
from app.extensions import db
from app.lib.time import UTCDateTime, now_utc


class EmailedToken(db.Model):
    """A link and a 6-digit code emailed to a person: to sign in ("sign_in") or to prove it is them before a
    sensitive change when they have no password ("confirm"). Only hashes are stored; it works once, for 15 minutes,
    and a few wrong codes burn it. The code is accepted only from the browser that asked (`browser_hash`)."""

    __tablename__ = "emailed_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: so.Mapped[str] = so.mapped_column(sa.String(16))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    browser_hash: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    next_url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    wrong_codes: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    user: so.Mapped[User] = so.relationship()
