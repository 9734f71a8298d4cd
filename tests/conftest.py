"""Fixtures shared by the whole suite.

The database is TEST_DATABASE_URL when set (make test-postgres starts a throwaway PostgreSQL and sets it),
else a SQLite file in a temporary folder. The schema is built once per run with the real migrations, and
every test starts with empty tables.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.groups import invitations
from app.lib.database import use_autocommit_reads

ROOT = Path(__file__).resolve().parent.parent
COURSES_DIR = ROOT / "courses"
_CSRF_INPUT_RE = re.compile(r'<input[^>]*name="([\w-]*csrf_token)"[^>]*>')
_VALUE_RE = re.compile(r'value="([^"]+)"')


def csrf_tokens(html: str) -> dict[str, str]:
    """The CSRF fields of every form on a page, as a browser would send them."""
    return {m.group(1): _VALUE_RE.search(m.group(0)).group(1) for m in _CSRF_INPUT_RE.finditer(html)}


def without_csrf_tokens(html: str) -> str:
    """A page less its CSRF tokens, to compare two renderings: a token carries the second it was signed in."""
    return _CSRF_INPUT_RE.sub("", html)


def database_url(tmp_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.db'}"


def test_config(url: str, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "COURSES_DIR": str(COURSES_DIR),
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "",
        "BASE_URL": "http://plenary.test",
        "SERVER_NAME": None,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    return database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def _schema(db_url: str) -> Iterator[None]:
    """Build the schema once per run, from the migrations (which are themselves under test).

    The tests' own database session must see what requests commit and must not hold SQLite's write lock
    between them (see app.lib.database).
    """
    use_autocommit_reads()
    app = create_app(test_config(db_url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        db.session.remove()
        db.engine.dispose()
    yield


def empty_all_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


class FormClient(FlaskClient):
    """A test client that submits forms the way a browser does: with the page's CSRF token.

    Each request runs in its own application context, as in production: otherwise `g` (and the logged-in
    user Flask-Login caches there) and the database session would leak from the test into every request.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def submit(self, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
        page_response = self.get(page or url)
        tokens = csrf_tokens(page_response.get_data(as_text=True))
        assert tokens, f"no CSRF token on {page or url} (status {page_response.status_code})"
        return self.post(url, data={**tokens, **(data or {})}, **kwargs)


@pytest.fixture
def app(_schema, db_url) -> Iterator[Flask]:
    app = create_app(test_config(db_url))
    app.test_client_class = FormClient
    with app.app_context():
        yield app
        db.session.rollback()
        empty_all_tables()
        release_connections()


def release_connections() -> None:
    """Close every connection the current app's engine holds, at the end of an app fixture. An engine left to the
    garbage collector closes nothing: PostgreSQL's driver then warns about each of its connections in whichever
    later test the collector runs in. A session or result a test dropped is collected first, so the pool has its
    connection back to close."""
    db.session.remove()
    gc.collect()
    db.engine.dispose()


@pytest.fixture
def client(app) -> FormClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    def __init__(self, client: FormClient):
        self.client = client

    def login(self, email: str, password: str = "correct horse battery"):
        return self.client.submit("/login", {"email": email, "password": password})

    def logout(self):
        return self.client.submit("/logout", page="/")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


# Factories: callables with sensible defaults, so a test states only what matters to it.


@pytest.fixture
def make_user(app):
    from app.accounts.service import create_user

    counter = iter(range(1, 10_000))

    def make(
        email: str | None = None,
        name: str | None = None,
        password: str = "correct horse battery",
        timezone: str = "UTC",
        is_admin: bool = False,
        **fields,
    ):
        n = next(counter)
        user = create_user(
            db.session,
            email=email or f"person{n}@example.org",
            name=name or f"Person {n}",
            password=password,
            timezone=timezone,
            is_admin=is_admin,
        )
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.commit()
        return user

    return make


@pytest.fixture
def synced_courses(app):
    """The real course library, synced into the test database."""
    from app.courses.loader import load_library
    from app.courses.service import sync_library

    library = load_library(COURSES_DIR)
    assert library.ok, library.formatted_problems()
    sync_library(db.session, library)
    db.session.commit()
    return {c.slug: c for c in library.courses}


@pytest.fixture
def make_cohort(app, synced_courses):
    from datetime import datetime, timedelta

    from app.cohorts.models import CohortStatus
    from app.cohorts.scheduling import SessionPlan, schedule_cohort
    from app.courses.models import Course

    def make(
        course_slug: str = "power-and-participation",
        *,
        label: str = "Test cohort",
        tz: str = "Europe/London",
        first: datetime | None = None,
        capacity: int = 60,
        status: CohortStatus = CohortStatus.OPEN,
        trainers=(),
        min_group_size: int | None = None,
        deadline: datetime | None = None,
    ):
        course = db.session.scalar(sa.select(Course).where(Course.slug == course_slug))
        first = first or (datetime.now().replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=60))
        plans = [
            SessionPlan(first + timedelta(weeks=i), s.plenary_minutes, s.breakout_minutes)
            for i, s in enumerate(course.sessions)
        ]
        cohort = schedule_cohort(
            db.session,
            course=course,
            label=label,
            host_timezone=tz,
            sessions=plans,
            deadline_local=deadline or first - timedelta(days=14),
            capacity=capacity,
            min_group_size=min_group_size,
            status=status,
            trainers=list(trainers),
        )
        db.session.commit()
        return cohort

    return make


@contextmanager
def real_transactions():
    """Inside this block the test's own session uses real transactions again (see use_autocommit_reads)."""
    from app.lib import database

    db.session.commit()
    token = database._begin_statement.set("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        db.session.rollback()
        database._begin_statement.reset(token)


def outbox_messages():
    from app.notifications.models import OutboxMessage

    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def make_running_cohort(make_cohort, make_user):
    """A cohort whose groups are confirmed, so its rostered members are participants.

    `group_sizes` gives each group's size (the coordinator included; all with accounts unless `roster_only` adds
    people by name alone to each group). With `started_days_ago`, the cohort is moved back in time after
    registering (deadline and sessions shift together) and marked running.
    """
    from datetime import timedelta
    from types import SimpleNamespace

    from app.cohorts.models import CohortStatus
    from app.groups import service as groups
    from app.lib.time import now_utc
    from app.registration.models import RegistrationStatus
    from app.registration.participants import cohort_participants
    from app.registration.service import register_group

    counter = iter(range(1, 10_000))

    def make(
        group_sizes=(4, 4),
        *,
        course_slug: str = "organizing-fundamentals",
        trainer=None,
        organizations=None,
        countries=None,
        languages=None,
        zones=None,
        roster_only: int = 0,
        started_days_ago: int | None = None,
        capacity: int = 5000,
    ):
        trainer = trainer or make_user(name="Trainer", email=f"trainer{next(counter)}@example.org")
        cohort = make_cohort(course_slug, trainers=[trainer], capacity=capacity)
        made = []
        for index, size in enumerate(group_sizes):
            n = next(counter)
            zone = zones[index] if zones else "UTC"
            coordinator = make_user(name=f"Coordinator {n}", email=f"coordinator{n}@example.org", timezone=zone)
            organization = organizations[index] if organizations else f"Organization {n}"
            group = groups.create_group(
                db.session,
                coordinator,
                name=f"Group {n}",
                organization=organization,
                country=countries[index] if countries else None,
                languages=languages[index] if languages else None,
            )
            members = [coordinator]
            for _ in range(size - 1):
                member = make_user(timezone=zone)
                invitations.join_with_code(db.session, member, group.join_code)
                members.append(member)
            for k in range(roster_only):
                groups.add_roster_member(db.session, coordinator, group, f"Roster-only {n}.{k + 1}")
            db.session.flush()
            registration = register_group(db.session, coordinator, group, cohort, [m.id for m in group.active_members])
            assert registration.status == RegistrationStatus.CONFIRMED, registration.status
            made.append(
                SimpleNamespace(group=group, coordinator=coordinator, members=members, registration=registration)
            )
        if started_days_ago is not None:
            shift = now_utc() - timedelta(days=started_days_ago) - cohort.sessions[0].starts_at
            for cohort_session in cohort.sessions:
                cohort_session.starts_at += shift
            cohort.registration_deadline_at += shift
            cohort.status = CohortStatus.RUNNING
        db.session.commit()
        return SimpleNamespace(
            cohort=cohort, trainer=trainer, groups=made, participants=cohort_participants(db.session, cohort)
        )

    return make


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def counted_queries() -> Iterator[QueryCounter]:
    """Count the SQL statements run inside the block (tests assert counts, not times)."""
    counter = QueryCounter()

    def record(conn, cursor, statement, parameters, context, executemany):
        counter.statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield counter
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def count_queries():
    return counted_queries


@pytest.fixture
def place_in_rooms(app):
    """Put a running cohort's participants into rooms of `size` in roster order (the cohort's standing plan), made
    directly with the models (generation itself is tested in tests/breakouts); the last `leave_out` stay out."""
    from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember, RoomStrategy

    def make(world, size: int = 4, leave_out: int = 0):
        plan = BreakoutPlan(cohort_id=world.cohort.id, strategy=RoomStrategy.KEEP_GROUPS, target_size=size, seed=1)
        people = world.participants[: len(world.participants) - leave_out]
        for index, start in enumerate(range(0, len(people), size)):
            room = BreakoutRoom(position=index, name=f"Room {index + 1}")
            room.members = [
                RoomMember(membership_id=p.membership.id, position=k)
                for k, p in enumerate(people[start : start + size])
            ]
            plan.rooms.append(room)
        db.session.add(plan)
        db.session.commit()
        return plan

    return make
