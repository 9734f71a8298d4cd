"""Join links expire (30 days after they are made); existing links get 30 days from this migration

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 08:36:51.046695

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

from app.lib.time import UTCDateTime, now_utc


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('join_code_expires_at', sa.DateTime(timezone=True), nullable=True))
    groups = sa.table('groups', sa.column('join_code_expires_at', UTCDateTime()))
    op.execute(groups.update().values(join_code_expires_at=now_utc() + timedelta(days=30)))
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.alter_column('join_code_expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('join_code_expires_at')
