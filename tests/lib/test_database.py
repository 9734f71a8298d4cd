"""Which statements open a transaction on PostgreSQL (app.lib.database.needs_transaction)."""

import pytest

from app.lib.database import needs_transaction


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
