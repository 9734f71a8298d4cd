"""Database set-up that differs between SQLite and PostgreSQL.

SQLite allows one writer at a time, and a transaction that reads first and writes later fails at once
("database is locked") if another connection wrote in between, instead of waiting. So on SQLite every
transaction starts with BEGIN IMMEDIATE: it takes the write lock up front and waits for it (busy_timeout).
That serializes transactions, which is what a single-file database does anyway; PostgreSQL, the production
database, is untouched.
"""

from __future__ import annotations

from contextvars import ContextVar

import sqlalchemy as sa

_begin_statement: ContextVar[str | None] = ContextVar("plenary_sqlite_begin", default="BEGIN IMMEDIATE")


def use_autocommit_reads() -> None:
    """For the test suite's own session only: statements run without an explicit transaction, so the test
    sees at once what the requests it makes have committed (pysqlite's historical behaviour)."""
    _begin_statement.set(None)


def configure_sqlite(engine: sa.Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # transactions are begun by _on_begin below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        statement = _begin_statement.get()
        if statement:
            connection.exec_driver_sql(statement)


def read_rows(session, statement: sa.Executable, params: dict | None = None) -> sa.CursorResult:
    """The rows of a read-only statement of plain columns, run on the session's connection (in its transaction)
    without the ORM's execution layer: about half the cost per statement on a hot page. Nothing pending in the
    session is flushed first, so use it only to read what is already in the database."""
    return session.connection().execute(statement, params or {})
