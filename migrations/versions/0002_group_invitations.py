"""Group invitations by email, join links, and no more 'invited' memberships

Invitations now live in their own table (a token hash that expires and works once); a membership is
either active or left. Existing groups get a fresh random join code.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 23:58:29
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "group_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["accepted_by_id"], ["users.id"], name=op.f("fk_group_invitations_accepted_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name=op.f("fk_group_invitations_group_id_groups"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invited_by_id"], ["users.id"], name=op.f("fk_group_invitations_invited_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_invitations")),
        sa.UniqueConstraint("group_id", "email", name=op.f("uq_group_invitations_group_id_email")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_group_invitations_token_hash")),
    )
    with op.batch_alter_table("group_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_invitations_group_id"), ["group_id"], unique=False)

    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("join_code", sa.String(length=64), nullable=True))
    groups = sa.table("groups", sa.column("id", sa.Integer), sa.column("join_code", sa.String))
    connection = op.get_bind()
    for (group_id,) in connection.execute(sa.select(groups.c.id)).all():
        connection.execute(groups.update().where(groups.c.id == group_id).values(join_code=secrets.token_urlsafe(24)))
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.alter_column("join_code", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_groups_join_code"), ["join_code"])

    # Pending 'invited' memberships had no way to be accepted; they become past memberships.
    op.execute("UPDATE group_memberships SET status = 'left' WHERE status = 'invited'")
    with op.batch_alter_table("group_memberships", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_group_memberships_membershipstatus"), type_="check")
        batch_op.create_check_constraint("membershipstatus", "status IN ('active', 'left')")


def downgrade():
    with op.batch_alter_table("group_memberships", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_group_memberships_membershipstatus"), type_="check")
        batch_op.create_check_constraint("membershipstatus", "status IN ('invited', 'active', 'left')")

    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_groups_join_code"), type_="unique")
        batch_op.drop_column("join_code")

    with op.batch_alter_table("group_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_invitations_group_id"))
    op.drop_table("group_invitations")
