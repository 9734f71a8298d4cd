"""Course trainers (who may schedule cohorts) and a calendar sequence per cohort session

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 00:16:23.426365

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_trainers',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_trainers_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_trainers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'user_id', name=op.f('pk_course_trainers'))
    )
    with op.batch_alter_table('cohort_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('cohort_sessions', schema=None) as batch_op:
        batch_op.drop_column('sequence')

    op.drop_table('course_trainers')
