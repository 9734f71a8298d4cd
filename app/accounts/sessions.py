"""Signed-in sessions, held on the server.

Flask's session is a signed cookie: on its own, a copy of it keeps working after logout. So each login creates a
`UserSession` row and the cookie carries only a random token for it. A request is signed in only while that row
is open, used within the idle timeout and younger than the absolute timeout. Logging out ends the row; changing
or resetting a password ends every other row of that person.
"""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, session
from flask_login import login_user, logout_user

from app.accounts.models import User, UserSession
from app.lib import content_version
from app.lib.security import hash_token
from app.lib.time import now_utc
from app.lib.urls import is_possible_id

_SESSION_KEY = "sid"
# Writing "last seen" on every request would turn each page view into a write; a few minutes' precision is enough.
_TOUCH_AFTER = timedelta(minutes=5)


def start_session(db_session: so.Session, user: User) -> None:
    """Sign `user` in on this browser with a fresh session: whatever the cookie held before is dropped."""
    session.clear()
    token = secrets.token_urlsafe(32)
    db_session.add(UserSession(user_id=user.id, token_hash=hash_token(token)))
    db_session.flush()
    session[_SESSION_KEY] = token
    login_user(user)


def end_session(db_session: so.Session) -> None:
    """Log this browser out, on the server too."""
    token = session.get(_SESSION_KEY)
    if token:
        db_session.execute(
            sa.update(UserSession)
            .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
            .values(ended_at=now_utc())
        )
    logout_user()
    session.clear()


def end_other_sessions(db_session: so.Session, user: User) -> None:
    """End every session of `user` except this browser's (after a password change or reset)."""
    query = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    token = session.get(_SESSION_KEY)
    if token:
        query = query.where(UserSession.token_hash != hash_token(token))
    db_session.execute(query.values(ended_at=now_utc()))


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return timedelta(minutes=config["SESSION_IDLE_MINUTES"]), timedelta(hours=config["SESSION_MAX_HOURS"])


@functools.cache
def _signed_in_query() -> sa.Select:
    """The person, this browser's session row and the public content counter (content_version), built once."""
    return (
        sa.select(User, UserSession, content_version.column())
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == sa.bindparam("user_id"), UserSession.token_hash == sa.bindparam("token_hash"))
    )


def signed_in_user(db_session: so.Session, cookie_id: str) -> User | None:
    """Flask-Login's loader, in one query: the person named by the login cookie, provided this browser's session
    row is theirs and still open and the cookie's session version is current (a password reset moves it). Notes
    the visit (at most every few minutes). Reads the content counter on the way (content_version)."""
    user_id, _sep, version = (cookie_id or "").partition(":")
    token = session.get(_SESSION_KEY)
    if not (token and user_id.isdigit() and version.isdigit()) or not is_possible_id(int(user_id)):
        return None
    found = db_session.execute(_signed_in_query(), {"user_id": int(user_id), "token_hash": hash_token(token)}).first()
    if found is None:
        return None
    user, row, content = found
    content_version.remember(content)
    if user.session_version != int(version) or row.ended_at is not None:
        return None
    idle, absolute = _limits()
    now = now_utc()
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        row.ended_at = now
        db_session.commit()
        return None
    if now - row.last_seen_at > _TOUCH_AFTER:
        row.last_seen_at = now
        db_session.commit()
    return user
