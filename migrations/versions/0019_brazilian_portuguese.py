"""Profiles that chose Portuguese name the Brazilian Portuguese catalogue the site ships (pt_BR)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 10:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE users SET locale = 'pt_BR' WHERE locale = 'pt'")


def downgrade():
    op.execute("UPDATE users SET locale = 'pt' WHERE locale = 'pt_BR'")
