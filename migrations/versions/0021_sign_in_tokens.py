"""Signing in by emailed link or code, and emailed confirmation codes: emailed_tokens, users.email_confirmed_at

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 11:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('emailed_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('browser_hash', sa.String(length=64), nullable=False),
    sa.Column('next_url', sa.String(length=500), nullable=False),
    sa.Column('wrong_codes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_emailed_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emailed_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_emailed_tokens_token_hash'))
    )
    with op.batch_alter_table('emailed_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emailed_tokens_browser_hash'), ['browser_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_emailed_tokens_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_emailed_tokens_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('emailed_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emailed_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_emailed_tokens_expires_at'))
        batch_op.drop_index(batch_op.f('ix_emailed_tokens_browser_hash'))

    op.drop_table('emailed_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
