"""Registrations: rosters, prerequisite evidence, completions, and seats taken per cohort

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 00:02:52.989828

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_completions_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_completions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_completions')),
    sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_completions_user_id_course_id'))
    )
    with op.batch_alter_table('completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_completions_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_completions_user_id'), ['user_id'], unique=False)

    op.create_table('registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'waitlisted', 'withdrawn', 'declined', 'lapsed', name='registrationstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('waitlisted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('seats >= 0', name=op.f('ck_registrations_seats_not_negative')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_registrations_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_registrations_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_registrations_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations')),
    sa.UniqueConstraint('cohort_id', 'group_id', name=op.f('uq_registrations_cohort_id_group_id'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registrations_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_group_id'), ['group_id'], unique=False)

    op.create_table('prerequisite_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('attestation', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'declined', name='evidencestatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_prerequisite_evidence_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_prerequisite_evidence_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prerequisite_evidence'))
    )
    with op.batch_alter_table('prerequisite_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prerequisite_evidence_registration_id'), ['registration_id'], unique=False)

    op.create_table('registration_roster',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['group_memberships.id'], name=op.f('fk_registration_roster_membership_id_group_memberships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_registration_roster_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_roster')),
    sa.UniqueConstraint('registration_id', 'membership_id', name=op.f('uq_registration_roster_registration_id_membership_id'))
    )
    with op.batch_alter_table('registration_roster', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_roster_membership_id'), ['membership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_roster_registration_id'), ['registration_id'], unique=False)

    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seats_taken', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('seats_taken_not_negative', 'seats_taken >= 0')



def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cohorts_seats_taken_not_negative'), type_='check')
        batch_op.drop_column('seats_taken')

    with op.batch_alter_table('registration_roster', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_roster_registration_id'))
        batch_op.drop_index(batch_op.f('ix_registration_roster_membership_id'))

    op.drop_table('registration_roster')
    with op.batch_alter_table('prerequisite_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prerequisite_evidence_registration_id'))

    op.drop_table('prerequisite_evidence')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registrations_group_id'))
        batch_op.drop_index(batch_op.f('ix_registrations_cohort_id'))

    op.drop_table('registrations')
    with op.batch_alter_table('completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_completions_user_id'))
        batch_op.drop_index(batch_op.f('ix_completions_course_id'))

    op.drop_table('completions')
