"""A 6-digit code beside the sign-up link, for sign-ups started on an invitation or join page:
pending_signups.code_hash, browser_hash, wrong_codes; and finish_next (joining the group the sign-up came from)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_signups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_hash', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('browser_hash', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('wrong_codes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('finish_next', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_pending_signups_browser_hash'), ['browser_hash'], unique=False)


def downgrade():
    with op.batch_alter_table('pending_signups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_signups_browser_hash'))
        batch_op.drop_column('finish_next')
        batch_op.drop_column('wrong_codes')
        batch_op.drop_column('browser_hash')
        batch_op.drop_column('code_hash')
