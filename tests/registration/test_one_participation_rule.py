"""Who takes part in a cohort is decided in one place (app/registration/participants.py). Changing the rule there
changes every page, CSV and service that asks: here the rule is changed to leave one person out, and each consumer
is seen to follow — the trainer's board and both CSVs, the attendance checklist, room generation, room notes and
the person's own home page."""

import sqlalchemy as sa

from app.attendance import completion, records
from app.breakouts import service as breakouts
from app.extensions import db
from app.groups.models import GroupMembership, MembershipStatus
from app.learning import service as learning
from app.lib.errors import Forbidden
from app.lib.time import now_utc
from app.notes import service as notes
from app.registration import board, participants
from app.registration.models import RegistrationStatus


def _everywhere(world, person):
    """What each consumer of the rule says about `person`, and the group's roster size on the board."""
    trainer, cohort = world.trainer, world.cohort
    membership = next(p.membership for p in world.participants if p.user is not None and p.user.id == person.id)
    board_row = next(
        r for r in board.registration_board(db.session, trainer, cohort) if r.id == world.groups[0].registration.id
    )
    rooms = breakouts.generate_rooms(db.session, trainer, cohort, strategy="keep_groups", target_size=4, seed=3)
    placed = {m.membership_id for room in rooms.rooms for m in room.members}
    first_session = cohort.sessions[0]
    room = (
        next(room for room in rooms.rooms if membership.id in {m.membership_id for m in room.members})
        if (membership.id in placed)
        else rooms.rooms[0]
    )
    try:
        notes.open_note(db.session, person, cohort.id, first_session.id, room.id)
        reads_notes = True
    except Forbidden:
        reads_notes = False
    db.session.rollback()
    return {
        "on the board": board_row.checklist.members,
        "in the roster CSV": any(row[1] == person.email for row in board.roster_rows(db.session, trainer, cohort)),
        "in the attendance CSV": any(
            row[1] == person.email for row in completion.attendance_rows(db.session, trainer, cohort)[1:]
        ),
        "on the attendance checklist": membership.id in records.participant_ids(db.session, cohort),
        "placed in a room": membership.id in placed,
        "reads the room's notes": reads_notes,
        "sees the cohort at home": any(
            h.cohort.id == cohort.id for h in learning.participant_home(db.session, person, at=now_utc()).cohorts
        ),
    }


def test_changing_the_rule_in_one_place_changes_every_page_csv_and_service(make_running_cohort, monkeypatch):
    world = make_running_cohort((4, 3), started_days_ago=1)
    person = world.groups[0].members[1]
    before = _everywhere(world, person)
    assert before == {
        "on the board": 4,
        "in the roster CSV": True,
        "in the attendance CSV": True,
        "on the attendance checklist": True,
        "placed in a room": True,
        "reads the room's notes": True,
        "sees the cohort at home": True,
    }

    left_out = next(m.id for m in world.groups[0].group.memberships if m.user_id == person.id)
    monkeypatch.setattr(
        participants,
        "on_roster",
        lambda: sa.and_(GroupMembership.status == MembershipStatus.ACTIVE, GroupMembership.id != left_out),
    )

    assert _everywhere(world, person) == {
        "on the board": 3,
        "in the roster CSV": False,
        "in the attendance CSV": False,
        "on the attendance checklist": False,
        "placed in a room": False,
        "reads the room's notes": False,
        "sees the cohort at home": False,
    }
    # The rest of the cohort is untouched by the change.
    other = world.groups[1].members[1]
    assert _everywhere(world, other)["reads the room's notes"] is True
    assert world.groups[0].registration.status == RegistrationStatus.CONFIRMED
