from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_app_context
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.lib.time import UTCDateTime, now_utc


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively: stored and looked up in this one form."""
    return (email or "").strip().lower()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64), default="UTC")
    locale: so.Mapped[str] = so.mapped_column(sa.String(16), default="en")
    is_admin: so.Mapped[bool] = so.mapped_column(default=False)
    # Part of the login cookie: raising it signs the user out everywhere (password change or reset).
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # When Plenary last saw the person open a message sent to this address (sign-up or address-change confirmation,
    # an emailed sign-in link or code). Only then does "sign in by email" count as one of the account's ways in.
    email_confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Two-step sign-in (TOTP): the shared secret, set while setting up and kept once confirmed; the last time step
    # accepted, so a code cannot be replayed; hashes of the one-time recovery codes.
    totp_secret: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    totp_enabled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    totp_last_step: so.Mapped[int | None]
    recovery_code_hashes: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list, server_default="[]")

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserSession(db.Model):
    """One signed-in browser. The cookie holds a random token whose hash is stored here, so logging out, an idle
    or absolute timeout, or a password change ends that session on the server: a copied cookie stops working."""

    __tablename__ = "user_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    ended_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class PendingSignup(db.Model):
    """A sign-up waiting for its email to be confirmed. The account is created only from the emailed link, so the
    sign-up form answers the same whether or not the address already has an account."""

    __tablename__ = "pending_signups"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64))
    next_url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    # A sign-up started on an invitation or join page also emails a 6-digit code, typed in the browser that asked
    # (whose random key's hash is kept): for people who read their mail on another device. Empty when there is none.
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64), default="", server_default="")
    browser_hash: so.Mapped[str] = so.mapped_column(sa.String(64), default="", server_default="", index=True)
    wrong_codes: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # The person already asked, on the page of `next_url`, for what it offers (to join a group): the confirmation
    # may finish it at once (accounts.events.signed_up). A plain `next` (a link to /signup?next=...) only leads back.
    finish_next: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
