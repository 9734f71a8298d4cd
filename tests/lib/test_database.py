"""Which statements begin a transaction (app.lib.database), and what that means for SQLite's write lock."""

import sqlite3

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.models import User
from app.extensions import db
from app.lib.database import needs_transaction
from tests.conftest import real_transactions


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT users.id FROM users WHERE users.id = %(id)s",
        "  select 1",
        "SELECT notes.body AS for_display FROM notes",
    ],
)
def test_plain_reads_need_no_transaction(statement):
    assert not needs_transaction(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO users (email) VALUES (%(email)s)",
        "UPDATE users SET name=%(name)s",
        "DELETE FROM users",
        "SAVEPOINT sa_savepoint_1",
        "WITH moved AS (DELETE FROM a RETURNING *) SELECT * FROM moved",
        "SELECT cohorts.id FROM cohorts WHERE cohorts.id = %(id)s FOR UPDATE",
        "SELECT cohorts.id FROM cohorts FOR KEY SHARE",
        "SELECT cohorts.id FROM cohorts FOR NO KEY UPDATE",
        "SELECT outbox.id FROM outbox FOR UPDATE SKIP LOCKED",
        "SELECT cohorts.id FROM cohorts FOR SHARE",
        "CREATE TABLE t (id integer)",
    ],
)
def test_writes_locks_and_savepoints_need_one(statement):
    assert needs_transaction(statement)


def test_a_read_through_a_server_side_cursor_needs_one():
    assert needs_transaction("SELECT users.id FROM users", stream_results=True)


# On SQLite (the PostgreSQL side is tests/notes/test_transactions.py) --------------------------------------------


@pytest.fixture
def sqlite_engine(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's transactions")
    with real_transactions():
        yield db.engine


def _in_transaction(session: so.Session) -> bool:
    return session.connection().connection.dbapi_connection.in_transaction


def _another_writer_can_start(engine: sa.Engine) -> bool:
    other = sqlite3.connect(engine.url.database, timeout=0.05)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        return True
    except sqlite3.OperationalError:  # database is locked
        return False
    finally:
        other.close()


def test_sqlite_reads_hold_no_lock_and_a_write_takes_it_until_the_end(sqlite_engine, make_user):
    user_id = make_user(name="Before").id
    with so.Session(sqlite_engine) as session:
        assert session.get(User, user_id).name == "Before"
        assert not _in_transaction(session) and _another_writer_can_start(sqlite_engine)
        session.get(User, user_id).name = "After"
        session.flush()
        assert _in_transaction(session) and not _another_writer_can_start(sqlite_engine)
        session.rollback()
        assert _another_writer_can_start(sqlite_engine)
        assert session.get(User, user_id).name == "Before"


def test_sqlite_a_locking_read_takes_the_write_lock(sqlite_engine, make_user):
    """SQLite has no FOR UPDATE: the statement that asks for it begins the transaction, alone from then on."""
    user_id = make_user().id
    with so.Session(sqlite_engine) as session:
        session.execute(sa.select(User.id).where(User.id == user_id).with_for_update()).all()
        assert _in_transaction(session) and not _another_writer_can_start(sqlite_engine)
        session.commit()
        assert _another_writer_can_start(sqlite_engine)
        session.get(User, user_id, with_for_update=True)
        assert _in_transaction(session)
