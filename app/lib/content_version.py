"""The public content counter (`cache_versions` row "public", see page_cache) as signed-in pages read it.

What every participant of a cohort sees alike (its sessions, readings, course titles, video link) lives in tables
whose writes move the counter in the same transaction. A signed-in request reads the counter in the query that
loads the person (`column()`, no extra round trip) and keeps it for the rest of the request (`remember`); anything
cached by that value is then exactly as fresh as the database. After this request commits a write of its own the
value is forgotten, so what it renders next reads the counter again.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import has_request_context, request

from app.lib.page_cache import PUBLIC_SCOPE, CacheVersion

_KEY = "plenary.content_version"


@functools.cache
def column() -> sa.ColumnElement[int]:
    """The counter as a scalar subquery, to select beside other columns (0 before any write)."""
    return sa.func.coalesce(
        sa.select(CacheVersion.version).where(CacheVersion.name == PUBLIC_SCOPE).scalar_subquery(), 0
    ).label("content_version")


@functools.cache
def _query() -> sa.Select:
    return sa.select(column())


def remember(value: int) -> None:
    if has_request_context():
        request.environ[_KEY] = value


def forget() -> None:
    if has_request_context():
        request.environ.pop(_KEY, None)


def current(session: so.Session) -> int:
    """The counter as this request last read it, else read now (one small query)."""
    if has_request_context() and _KEY in request.environ:
        return request.environ[_KEY]
    value = session.scalar(_query()) or 0
    remember(value)
    return value


@sa.event.listens_for(so.Session, "after_commit")
def _forget_after_commit(_session: so.Session) -> None:
    forget()
