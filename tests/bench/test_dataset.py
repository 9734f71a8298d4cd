"""The benchmark data set generator keeps its shape and invariants (bench/dataset.py), so it cannot rot."""

import sqlalchemy as sa

from app.breakouts.models import RoomMember
from app.cohorts.models import Cohort
from app.extensions import db
from app.groups.models import GroupMembership
from app.notes.models import BreakoutNote, NoteRevision
from app.registration.models import Registration, RegistrationStatus, RosterEntry
from bench.dataset import SCALES, generate, verify


def test_generated_data_set_is_consistent(app, synced_courses):
    scale = SCALES["tiny"]
    manifest = generate(db.session, scale)
    db.session.commit()

    assert verify(db.session) == []
    assert manifest.counts["users"] == scale.users
    assert db.session.scalar(sa.select(sa.func.count(Cohort.id))) == scale.cohorts
    for key in ("small", "medium", "big"):
        info = manifest.cohorts[key]
        assert info.participants == getattr(scale, key)
        confirmed_roster = db.session.scalar(
            sa.select(sa.func.count(RosterEntry.id))
            .join(Registration)
            .where(Registration.cohort_id == info.id, Registration.status == RegistrationStatus.CONFIRMED)
        )
        assert confirmed_roster == info.participants == db.session.get(Cohort, info.id).seats_taken
        in_room = db.session.scalar(
            sa.select(sa.func.count(RoomMember.id))
            .join(GroupMembership, RoomMember.membership_id == GroupMembership.id)
            .where(RoomMember.room_id == info.participant_room_id, GroupMembership.user_id == info.participant_user_id)
        )
        assert in_room == 1
        notes = db.session.scalars(
            sa.select(BreakoutNote).where(BreakoutNote.room_id == info.participant_room_id)
        ).all()
        assert len(notes) == len(info.session_ids)
        assert {n.version for n in notes} == {scale.revisions}
    assert db.session.scalar(sa.select(sa.func.count(NoteRevision.id))) == manifest.counts["breakout_note_revisions"]
