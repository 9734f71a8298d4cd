"""Database set-up that differs between SQLite and PostgreSQL.

On both, reads run outside a transaction and a transaction begins just before the first statement that needs
one: a write, a locking read (FOR UPDATE/SHARE) or a savepoint. Everything a request writes is still one
transaction, committed or rolled back as a whole; a page that only reads saves the BEGIN and ROLLBACK.

On PostgreSQL, the production database, READ COMMITTED (its default) gives every statement of a transaction its
own snapshot anyway, so a page that only reads sees what it would have seen inside one. Connections that sat
unused in the pool for a while are pinged before they are lent out (a server restart or an idle timeout may have
closed them); busy connections are not, which saves a round trip per request when it matters, under load.

SQLite allows one writer at a time, and a transaction that reads first and writes later fails at once
("database is locked") if another connection wrote in between, instead of waiting. So on SQLite a transaction
begins with BEGIN IMMEDIATE: it takes the write lock and waits for it (busy_timeout), which serializes writing
transactions, as a single-file database does anyway. SQLite has no FOR UPDATE (SQLAlchemy leaves it out), so a
statement built with one begins the transaction there too: from a locking read on, the transaction is alone.
Reads outside a transaction run side by side (WAL), instead of queueing for the write lock.
"""

from __future__ import annotations

import re
import time
from contextvars import ContextVar

import sqlalchemy as sa

_begin_statement: ContextVar[str | None] = ContextVar("plenary_sqlite_begin", default="BEGIN IMMEDIATE")

PING_AFTER_IDLE_SECONDS = 10.0
_LOCKING_READ = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b")


def use_autocommit_reads() -> None:
    """For the SQLite test suite only: statements run without any transaction, so the test's own session never
    holds the write lock between requests (pysqlite's historical behaviour)."""
    _begin_statement.set(None)


def configure_engine(engine: sa.Engine) -> None:
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        _configure_postgresql(engine)


def _configure_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # transactions are begun by _begin_before_writing below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _begin_before_writing(_connection, cursor, statement, _parameters, context, _executemany):
        begin = _begin_statement.get()
        dbapi_connection = cursor.connection
        if begin is None or dbapi_connection.in_transaction:
            return
        if _must_begin(statement, context):
            dbapi_connection.execute(begin)


def _must_begin(statement: str, context) -> bool:
    """needs_transaction, and a statement built with FOR UPDATE/SHARE even where the dialect leaves that out of its
    SQL (SQLite)."""
    stream_results = bool(context is not None and context.execution_options.get("stream_results"))
    if needs_transaction(statement, stream_results):
        return True
    compiled = getattr(context, "compiled", None)
    return compiled is not None and getattr(compiled.statement, "_for_update_arg", None) is not None


def needs_transaction(statement: str, stream_results: bool = False) -> bool:
    """Whether a statement must run inside a transaction: anything but a plain SELECT (a write, DDL, a
    savepoint, a locking read), and a SELECT read through a server-side cursor."""
    if stream_results or statement.lstrip()[:6].upper() != "SELECT":
        return True
    return " FOR " in statement and _LOCKING_READ.search(statement) is not None


def _configure_postgresql(engine: sa.Engine) -> None:
    from psycopg.pq import TransactionStatus

    idle = TransactionStatus.IDLE

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.autocommit = True

    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        if record is not None:
            record.info["returned_at"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        if not dbapi_connection.autocommit:  # an isolation level set for one use was reset on its return
            dbapi_connection.autocommit = True
        returned_at = record.info.get("returned_at")
        if returned_at is not None and time.monotonic() - returned_at > PING_AFTER_IDLE_SECONDS:
            try:
                dbapi_connection.execute(";")
            except Exception as error:
                raise sa.exc.DisconnectionError(str(error)) from error

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _begin_before_writing(_connection, cursor, statement, _parameters, context, _executemany):
        dbapi_connection = cursor.connection
        if dbapi_connection.info.transaction_status != idle or not dbapi_connection.autocommit:
            return
        if _must_begin(statement, context):
            dbapi_connection.execute("BEGIN")


def read_rows(session, statement: sa.Executable, params: dict | None = None) -> sa.CursorResult:
    """The rows of a read-only statement of plain columns, run on the session's connection (in its transaction)
    without the ORM's execution layer: about half the cost per statement on a hot page. Nothing pending in the
    session is flushed first, so use it only to read what is already in the database."""
    return session.connection().execute(statement, params or {})
