"""On PostgreSQL a page that only reads opens no transaction (no BEGIN and ROLLBACK round trips), and whatever a
request writes is still one transaction: undone as a whole, holding its locks, with its savepoints. Connections
that sat idle are pinged before use, so one the server closed meanwhile is replaced without the user noticing."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so
from psycopg.pq import TransactionStatus

from app.accounts.models import User
from app.cohorts.models import Cohort
from app.extensions import db
from app.lib import database
from app.notes.models import NoteRevision
from tests.notes.conftest import login, notes_url


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite transactions are begun up front (app.lib.database)")


class _StatementLog:
    """Each statement an engine sends, with whether a transaction was open when it went."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.entries: list[tuple[str, bool]] = []

    def _record(self, _conn, cursor, statement, _parameters, _context, _executemany) -> None:
        in_transaction = cursor.connection.info.transaction_status != TransactionStatus.IDLE
        self.entries.append((statement.split(None, 1)[0].upper(), in_transaction))

    def __enter__(self) -> _StatementLog:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)


def test_pages_that_only_read_run_outside_a_transaction(client, make_rooms):
    world = make_rooms((3, 3))
    login(client, world.people[0][0])
    client.get(notes_url(world))  # the room's first visit creates its notes
    with _StatementLog(db.engine) as log:
        home = client.get("/home")
        notes = client.get(notes_url(world))
    assert home.status_code == 200 and notes.status_code == 200
    assert log.entries and [e for e in log.entries if e[0] != "SELECT"] == []
    assert not any(in_transaction for _, in_transaction in log.entries), log.entries


def test_a_save_writes_inside_one_transaction_and_is_committed(client, make_rooms):
    world = make_rooms((3, 3))
    login(client, world.people[0][0])
    with _StatementLog(db.engine) as log:
        response = client.submit(notes_url(world), {"body": "Our first answer", "base_version": 0, "save": "1"})
    assert response.status_code == 302
    writes = [entry for entry in log.entries if entry[0] != "SELECT"]
    assert writes and all(in_transaction for _, in_transaction in writes), log.entries
    db.session.expire_all()
    assert [r.body for r in db.session.scalars(sa.select(NoteRevision))] == ["Our first answer"]


def test_a_rollback_undoes_every_write_the_session_flushed(app, make_user):
    make_user(email="kept@example.org", name="Kept")
    with so.Session(db.engine) as session:
        session.execute(sa.update(User).values(name="Renamed"))
        session.execute(sa.delete(User))
        session.rollback()
    db.session.expire_all()
    assert [u.name for u in db.session.scalars(sa.select(User))] == ["Kept"]


def test_a_locking_read_holds_its_lock_until_the_transaction_ends(app, make_cohort):
    cohort_id = make_cohort().id
    lock = sa.select(Cohort.id).where(Cohort.id == cohort_id).with_for_update(nowait=True)
    with so.Session(db.engine) as holder, so.Session(db.engine) as other:
        holder.execute(sa.select(Cohort.id).where(Cohort.id == cohort_id).with_for_update())
        with pytest.raises(sa.exc.OperationalError, match="could not obtain lock"):
            other.execute(lock)
        other.rollback()
        holder.commit()
        assert other.execute(lock).scalar_one() == cohort_id
        other.rollback()


def test_a_savepoint_first_in_a_session_works(app, make_user):
    user_id = make_user(name="Before").id
    with so.Session(db.engine) as session:
        with session.begin_nested():
            session.get(User, user_id).name = "After"
        session.commit()
    db.session.expire_all()
    assert db.session.get(User, user_id).name == "After"


def test_a_connection_the_server_closed_while_idle_is_replaced(client, make_rooms, monkeypatch):
    world = make_rooms((3, 3))
    login(client, world.people[0][0])
    db.session.remove()
    with db.engine.connect() as connection:
        backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    killer = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with killer.connect() as connection:
        assert connection.exec_driver_sql(f"SELECT pg_terminate_backend({backend})").scalar_one()
    killer.dispose()
    time.sleep(0.2)
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    response = client.get("/home")
    assert response.status_code == 200
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != backend
