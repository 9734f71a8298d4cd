"""The private calendar feed's token: one per person, reset on demand (the old address stops working at once)."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts.models import User
from app.cohorts.models import CalendarFeed
from app.lib.errors import NotFound

# Private calendar feeds ------------------------------------------------------------------------------------------


def feed_token(session: so.Session, user: User) -> str | None:
    """The person's private calendar token, or None until they ask for one."""
    return session.scalar(sa.select(CalendarFeed.token).where(CalendarFeed.user_id == user.id))


def reset_feed_token(session: so.Session, user: User) -> str:
    """Give the person a new token (their first, or a replacement: the old feed URL stops working at once)."""
    feed = session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        session.add(feed)
    feed.token = secrets.token_urlsafe(32)
    session.flush()
    return feed.token


def user_for_feed_token(session: so.Session, token: str) -> User:
    """The owner of a feed token; NotFound for a token that is unknown or was reset."""
    user = session.scalar(sa.select(User).join(CalendarFeed).where(CalendarFeed.token == (token or "")))
    if user is None:
        raise NotFound(_("This calendar address is not valid any more. Copy the new one from Plenary."))
    return user
