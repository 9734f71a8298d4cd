"""Cohort sessions: what people wrote or did in a session is never deleted with it

The foreign keys from attendance, breakout notes, room roles, per-session breakout plans and commitments to
cohort_sessions were ON DELETE CASCADE: deleting a session (as an edit of the cohort once did) silently deleted
that history. They become ON DELETE RESTRICT: the database refuses to delete a session anything refers to.

On SQLite the tables are rebuilt (batch mode), with foreign keys off (see migrations/env.py): otherwise the
DROP TABLE of the rebuild would run the old CASCADE and empty breakout_note_revisions.

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


def _relink(ondelete: str) -> None:
    for table in REFERRING:
        name = f'fk_{table}_cohort_session_id_cohort_sessions'
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_='foreignkey')
            batch_op.create_foreign_key(name, 'cohort_sessions', ['cohort_session_id'], ['id'], ondelete=ondelete)


def upgrade():
    _relink('RESTRICT')


def downgrade():
    _relink('CASCADE')
