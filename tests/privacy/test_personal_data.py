"""People's own data: a JSON copy of everything held about them, and deleting their account."""

import json

import sqlalchemy as sa

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember, RoomStrategy
from app.extensions import db
from app.groups.models import GroupMembership
from app.learning.models import Commitment, ReadingProgress
from app.notes.models import BreakoutNote, NoteRevision
from app.registration.models import Completion

PASSWORD = "correct horse battery"


def login(client, email):
    assert client.submit("/login", {"email": email, "password": PASSWORD}).status_code == 302


def world_with_learning(make_running_cohort):
    """A participant who read, committed, wrote notes and completed a course."""
    world = make_running_cohort((3,), started_days_ago=3)
    member = world.groups[0].members[1]
    cohort, first_session = world.cohort, world.cohort.sessions[0]
    reading = first_session.course_session.readings[0]
    db.session.add(ReadingProgress(user_id=member.id, cohort_id=cohort.id, reading_id=reading.id, comment="Strong."))
    db.session.add(
        Commitment(user_id=member.id, cohort_id=cohort.id, cohort_session_id=first_session.id, text="Two 1:1s.")
    )
    db.session.add(Completion(user_id=member.id, course_id=cohort.course_id, cohort_id=cohort.id))
    plan = BreakoutPlan(cohort_id=cohort.id, strategy=RoomStrategy.KEEP_GROUPS, target_size=4, seed=1)
    room = BreakoutRoom(position=1, name="Room 1")
    room.members = [RoomMember(membership_id=p.membership.id, position=i) for i, p in enumerate(world.participants)]
    plan.rooms.append(room)
    db.session.add(plan)
    db.session.flush()
    note = BreakoutNote(room_id=room.id, cohort_session_id=first_session.id, body="We mapped the depot.", version=1)
    note.revisions.append(NoteRevision(number=1, body="We mapped the depot.", author_id=member.id))
    db.session.add(note)
    db.session.commit()
    return world, member


def test_download_holds_everything_about_the_person_and_nobody_else(client, make_running_cohort):
    world, member = world_with_learning(make_running_cohort)
    login(client, member.email)
    response = client.get("/account/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == member.email
    assert [g["group"] for g in data["groups"]] == [world.groups[0].group.name]
    assert data["reading_progress"][0]["comment"] == "Strong."
    assert data["commitments"][0]["text"] == "Two 1:1s."
    assert data["note_revisions_written"][0]["body"] == "We mapped the depot."
    assert len(data["completions"]) == 1 and data["sign_in_sessions"]
    others = {m.email for m in world.groups[0].members if m.id != member.id}
    assert not any(email in response.get_data(as_text=True) for email in others)
    assert (
        db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.actor_id == member.id))
        == "export.personal_data"
    )


def test_deleting_keeps_the_groups_notes_as_a_former_members_and_removes_the_rest(client, make_running_cohort):
    world, member = world_with_learning(make_running_cohort)
    member_id = member.id
    login(client, member.email)
    refused = client.submit(
        "/account/delete", {"password": PASSWORD, "confirmation": "someone@else.org"}, page="/account/data"
    )
    assert refused.status_code == 422 and "Type your email address to confirm." in refused.get_data(as_text=True)
    response = client.submit(
        "/account/delete", {"password": PASSWORD, "confirmation": member.email.upper()}, page="/account/data"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member_id) is None
    for model, column in (
        (ReadingProgress, ReadingProgress.user_id),
        (Commitment, Commitment.user_id),
        (Completion, Completion.user_id),
        (GroupMembership, GroupMembership.user_id),
    ):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(column == member_id)) == 0
    revision = db.session.scalar(sa.select(NoteRevision))
    assert revision.body == "We mapped the depot." and revision.author_id is None  # shown as "former member"
    assert client.get("/profile").status_code == 302


def test_the_only_coordinator_of_a_group_must_hand_over_first(client, make_running_cohort):
    world, _member = world_with_learning(make_running_cohort)
    coordinator = world.groups[0].coordinator
    login(client, coordinator.email)
    response = client.submit(
        "/account/delete", {"password": PASSWORD, "confirmation": coordinator.email}, page="/account/data"
    )
    assert response.status_code == 422 and "only coordinator" in response.get_data(as_text=True)
    assert db.session.get(User, coordinator.id) is not None


def test_a_group_of_one_goes_with_its_only_member(client, make_user):
    from app.groups import service as groups
    from app.groups.models import Group

    loner = make_user(email="loner@example.org")
    groups.create_group(db.session, loner, name="Just me", organization="Myself")
    db.session.commit()
    login(client, "loner@example.org")
    assert (
        client.submit(
            "/account/delete", {"password": PASSWORD, "confirmation": "loner@example.org"}, page="/account/data"
        ).status_code
        == 302
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)) == 0
