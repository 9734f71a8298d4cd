"""Cohort sessions: what people wrote or did in a session is never deleted with it

The foreign keys from attendance, breakout notes, room roles, per-session breakout plans and commitments to
cohort_sessions were ON DELETE CASCADE: deleting a session (as an edit of the cohort once did) silently deleted
that history. They become ON DELETE RESTRICT: the database refuses to delete a session anything refers to.

On SQLite the tables are rebuilt (batch mode). Rebuilding drops the old table, and with foreign keys enforced a
DROP TABLE first deletes its rows and runs their ON DELETE actions (breakout_notes would take its revisions with
it), so foreign keys are switched off around the rebuild, outside the transaction (SQLite ignores the pragma
inside one), and the whole database is checked with PRAGMA foreign_key_check afterwards.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-02 16:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None

REFERRING = ('attendance', 'breakout_plans', 'breakout_notes', 'breakout_room_roles', 'commitments')


def _set_sqlite_foreign_keys(on: bool) -> None:
    with op.get_context().autocommit_block():
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _relink(ondelete: str) -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        _set_sqlite_foreign_keys(False)
    for table in REFERRING:
        name = f'fk_{table}_cohort_session_id_cohort_sessions'
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_='foreignkey')
            batch_op.create_foreign_key(name, 'cohort_sessions', ['cohort_session_id'], ['id'], ondelete=ondelete)
    if sqlite:
        problems = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').fetchall()
        if problems:
            raise RuntimeError(f'foreign keys broken by the rebuild: {problems[:5]}')
        _set_sqlite_foreign_keys(True)


def upgrade():
    _relink('RESTRICT')


def downgrade():
    _relink('CASCADE')
