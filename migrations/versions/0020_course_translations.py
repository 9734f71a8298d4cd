"""Course translations: the text of a course, its sessions and readings in other languages (X.<lang>.md files);
a cohort's working languages

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 11:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'content_translations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('course_session_id', sa.Integer(), nullable=True),
        sa.Column('reading_id', sa.Integer(), nullable=True),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('attribution', sa.Text(), nullable=True),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('toc_html', sa.Text(), nullable=False),
        sa.Column('items', sa.JSON(), server_default='[]', nullable=False),
        sa.Column('source_hash', sa.String(length=12), nullable=False),
        sa.Column('is_current', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_content_translations_course_id_courses'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['course_session_id'], ['course_sessions.id'], name=op.f('fk_content_translations_course_session_id_course_sessions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reading_id'], ['readings.id'], name=op.f('fk_content_translations_reading_id_readings'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_translations')),
    )
    op.create_index('ix_content_translations_course_language', 'content_translations', ['course_id', 'language'], unique=False)
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('languages', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('languages')
    op.drop_index('ix_content_translations_course_language', table_name='content_translations')
    op.drop_table('content_translations')
