"""Whole-page caching of the public pages for visitors who are not signed in.

Minutes before a plenary, thousands of people open the same catalogue, cohort page, calendar and API document.
Those pages are the same for every visitor with the same language and time zone, so each worker keeps the bytes
it rendered and hands them out again, under three rules:

- **Versioned.** One counter in the database (`cache_versions`, row "public") goes up in the same transaction as
  any write that could change a public page: any change to a table not listed in `PRIVATE_TABLES`, whether made
  through the ORM or a bulk `insert`/`update`/`delete`, except an ORM change to `PRIVATE_COLUMNS` alone. A page
  is stored under the counter's value read *before* it was rendered, so it is never served once the counter has
  moved. A worker reads the counter at most every `PUBLIC_CACHE_RECHECK_SECONDS` (and at once after a commit of
  its own), so a change made through another worker or server reaches visitors within that second.
- **Bounded in time.** Entries also expire after `PUBLIC_CACHE_SECONDS`, for what changes with the clock alone (a
  registration deadline passing, "closes in 3 days").
- **Only for visitors, only when nothing is personal.** Never for a signed-in person, a session carrying a message
  to show, a response that sets a cookie, or anything but a 200 answer to GET/HEAD.
- **Per host.** Entries are keyed on the Host the request named, so a page asked for under a forged Host is never
  served to anyone else; with TRUSTED_HOSTS set (production), such a request is refused before the cache is read.

Each cached page carries an ETag, so a browser on a slow connection revalidates it with a 304 and no body.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, Response, current_app, g, has_app_context, request, session

from app.extensions import db
from app.lib import languages
from app.lib.lru import LockedLRU
from app.lib.time import is_valid_timezone

PUBLIC_SCOPE = "public"
MAX_ENTRY_BYTES = 512 * 1024

# Tables whose rows never appear on a public page: writing them leaves the cached pages valid. Any other table,
# including one added later, invalidates them.
PRIVATE_TABLES = frozenset(
    {
        "attendance",
        "audit_events",
        "breakout_note_revisions",
        "breakout_notes",
        "breakout_plans",
        "breakout_room_members",
        "breakout_room_roles",
        "breakout_rooms",
        "cache_versions",
        "calendar_feeds",
        "commitments",
        "completions",
        "emailed_tokens",
        "group_invitations",
        "group_memberships",
        "linked_identities",
        "outbox_messages",
        "pending_identity_links",
        "pending_signups",
        "pre_meetings",
        "prerequisite_evidence",
        "reading_progress",
        "registration_roster",
        "sent_reminders",
        "user_sessions",
    }
)


# Columns of public tables that no public page shows: an ORM change to these alone leaves the cached pages valid, so
# that signing in (which notes the time) does not throw away every worker's cache at a session's start. (A bulk
# update of the table still invalidates, whatever it sets.)
PRIVATE_COLUMNS = {
    "users": frozenset(
        {
            "email_confirmed_at",
            "last_login_at",
            "locale",
            "password_hash",
            "recovery_code_hashes",
            "session_version",
            "timezone",
            "totp_enabled_at",
            "totp_last_step",
            "totp_secret",
        }
    ),
}


class CacheVersion(db.Model):
    __tablename__ = "cache_versions"

    name: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    version: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)


def public_page(view: Callable) -> Callable:
    """Mark a view whose answer to a signed-out visitor may be cached (see the module's rules)."""
    view.public_page = True
    return view


# Which sessions wrote something a public page shows.

_CHANGED, _BUMPED = "public_pages_changed", "public_pages_bumped"


def _touches_public(table_name: str) -> bool:
    return table_name not in PRIVATE_TABLES


@sa.event.listens_for(so.Session, "do_orm_execute")
def _note_bulk_write(state: so.ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None and _touches_public(table.name):
            state.session.info[_CHANGED] = True


def _changes_public_columns(obj) -> bool:
    private = PRIVATE_COLUMNS.get(obj.__table__.name)
    if private is None:
        return True
    state = sa.inspect(obj)
    return any(attr.key not in private and attr.history.has_changes() for attr in state.attrs)


def _has_public_changes(session: so.Session) -> bool:
    if session.info.get(_CHANGED):
        return True
    return any(
        _touches_public(obj.__table__.name) for obj in (*session.new, *session.deleted) if hasattr(obj, "__table__")
    ) or any(
        _touches_public(obj.__table__.name) and _changes_public_columns(obj)
        for obj in session.dirty
        if hasattr(obj, "__table__")
    )


@sa.event.listens_for(so.Session, "after_flush")
def _note_flushed_write(session: so.Session, _context) -> None:
    if not session.info.get(_CHANGED) and _has_public_changes(session):
        session.info[_CHANGED] = True


@sa.event.listens_for(so.Session, "before_commit")
def _bump_before_commit(session: so.Session) -> None:
    if _has_public_changes(session):
        session.info.pop(_CHANGED, None)
        bump(session)
        session.info[_BUMPED] = True


@sa.event.listens_for(so.Session, "after_commit")
def _recheck_after_commit(session: so.Session) -> None:
    if session.info.pop(_BUMPED, False) and has_app_context():
        current_app.extensions["page_cache"].forget_version()  # this worker's next visitor reads the new counter


@sa.event.listens_for(so.Session, "after_soft_rollback")
def _forget_after_rollback(session: so.Session, _previous) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_BUMPED, None)


def bump(session: so.Session) -> None:
    """Move the public counter, in `session`'s transaction: every cached public page is out of date once it commits."""
    table = CacheVersion.__table__
    moved = session.execute(
        sa.update(table).where(table.c.name == PUBLIC_SCOPE).values(version=table.c.version + 1)
    ).rowcount
    if not moved:
        session.execute(sa.insert(table).values(name=PUBLIC_SCOPE, version=1))


# The cache itself: one per application, in each worker's memory.


@dataclass(frozen=True)
class _Entry:
    version: int
    expires_at: float
    body: bytes
    status: int
    headers: list[tuple[str, str]]


class PageCache:
    """The pages one worker rendered, and the counter's value it last read (the counter is per database, so per
    application)."""

    def __init__(self, max_entries: int, recheck_seconds: float):
        self.recheck_seconds = recheck_seconds
        self.entries: LockedLRU[_Entry] = LockedLRU(max_entries)
        self._version: int | None = None
        self._version_read_at = float("-inf")

    def current_version(self, session: so.Session) -> int:
        now = time.monotonic()
        if self._version is not None and now - self._version_read_at < self.recheck_seconds:
            return self._version
        version = session.scalar(sa.select(CacheVersion.version).where(CacheVersion.name == PUBLIC_SCOPE)) or 0
        self._version, self._version_read_at = version, now
        return version

    def forget_version(self) -> None:
        self._version_read_at = float("-inf")

    def get(self, key: tuple, version: int) -> _Entry | None:
        entry = self.entries.get(key)
        if entry is not None and (entry.version != version or entry.expires_at <= time.monotonic()):
            self.entries.discard(key, entry)
            return None
        return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        self.entries.put(key, entry)


def _cacheable_request() -> bool:
    if request.method not in ("GET", "HEAD") or not current_app.config["PUBLIC_PAGE_CACHE"]:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "public_page", False):
        return False
    # Signed-in people see their own name and links; a pending flash message must be shown once.
    return "_user_id" not in session and "_flashes" not in session


def _cache_key() -> tuple[str, str, str, str]:
    """What a signed-out visitor's page depends on: the host and address asked for, the language they picked or
    their browser asks for and the time zone it reported (an unknown zone counts as none, as it is shown: hostile
    cookies make no entries of their own).

    The host is part of the key although no page should depend on it (links are built on BASE_URL): if one ever
    did, a page asked for with a forged Host header is only ever handed back to requests naming that same host,
    never to a visitor of the real site."""
    language = languages.from_browser() or ""
    zone = unquote(request.cookies.get("tz", ""))
    return request.host.lower(), request.full_path, language, zone if is_valid_timezone(zone) else ""


def _conditional(response: Response) -> Response:
    if request.if_none_match or request.if_modified_since:
        return response.make_conditional(request)
    return response


def _serve_from_cache() -> Response | None:
    if not _cacheable_request():
        return None
    key = _cache_key()
    cache = current_app.extensions["page_cache"]
    version = cache.current_version(db.session)
    entry = cache.get(key, version)
    if entry is None:
        g.page_cache_slot = (key, version)
        return None
    return _conditional(Response(entry.body, status=entry.status, headers=entry.headers))


def _store_in_cache(response: Response) -> Response:
    slot = g.pop("page_cache_slot", None)
    if (
        slot is None
        or response.status_code != 200
        or response.direct_passthrough
        or "Set-Cookie" in response.headers
        or session.modified
    ):
        return response
    body = response.get_data()
    if len(body) > MAX_ENTRY_BYTES:
        return response
    response.add_etag()
    key, version = slot
    expires_at = time.monotonic() + current_app.config["PUBLIC_CACHE_SECONDS"]
    headers = [(name, value) for name, value in response.headers.items() if name.lower() != "content-length"]
    current_app.extensions["page_cache"].put(key, _Entry(version, expires_at, body, response.status_code, headers))
    return _conditional(response)


def init_app(app: Flask) -> None:
    app.extensions["page_cache"] = PageCache(
        app.config["PUBLIC_CACHE_ENTRIES"], app.config["PUBLIC_CACHE_RECHECK_SECONDS"]
    )
    app.before_request_funcs.setdefault(None, []).insert(0, _serve_from_cache)
    app.after_request(_store_in_cache)
