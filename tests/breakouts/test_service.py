"""Breakout rules: generation and replacement, notes kept, session overrides, edits, authorization and exports."""

from collections import Counter

import pytest
import sqlalchemy as sa

from app.breakouts import overview, service
from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember, RoomStrategy
from app.extensions import db
from app.groups import invitations
from app.groups.models import MembershipStatus
from app.lib.errors import DomainError, Forbidden, NotFound
from app.notes.models import BreakoutNote
from app.registration.models import RegistrationStatus
from app.registration.participants import cohort_participants
from app.registration.service import update_roster

MIX = RoomStrategy.MIX_ORGANIZATIONS
KEEP = RoomStrategy.KEEP_GROUPS


def generate(world, **options):
    options = {"strategy": MIX, "target_size": 4, "seed": 1, **options}
    plan = service.generate_rooms(db.session, world.trainer, world.cohort, **options)
    db.session.commit()
    return plan


def assignment(plan):
    return [sorted(m.membership_id for m in room.members) for room in plan.rooms]


def membership_ids(world):
    return sorted(p.membership.id for p in world.participants)


def test_generation_places_every_participant_once_in_even_rooms_named_in_order(make_running_cohort):
    world = make_running_cohort(group_sizes=(5, 4, 4))
    plan = generate(world)
    assert plan.cohort_session_id is None and plan.seed == 1 and plan.created_by_id == world.trainer.id
    assert [room.name for room in plan.rooms] == ["Room 1", "Room 2", "Room 3"]
    assert sorted(key for room in assignment(plan) for key in room) == membership_ids(world)
    assert sorted(len(room.members) for room in plan.rooms) == [4, 4, 5]
    assert service.current_plan(db.session, world.cohort) == plan


def test_keep_groups_through_the_service_gives_each_group_its_own_rooms(make_running_cohort):
    world = make_running_cohort(group_sizes=(6, 3))
    plan = generate(world, strategy=KEEP, target_size=4)
    group_of = {p.membership.id: p.group.id for p in world.participants}
    assert [len(room.members) for room in plan.rooms] == [3, 3, 3]
    assert all(len({group_of[m.membership_id] for m in room.members}) == 1 for room in plan.rooms)


def test_mixing_spreads_each_organization_over_the_rooms(make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4, 4, 4))
    plan = generate(world, target_size=4)
    group_of = {p.membership.id: p.group.id for p in world.participants}
    for room in plan.rooms:
        assert Counter(group_of[m.membership_id] for m in room.members).most_common(1)[0][1] == 1


def test_a_missing_seed_is_drawn_and_stored_and_reproduces_the_rooms(make_running_cohort):
    world = make_running_cohort(group_sizes=(5, 5, 5))
    first = generate(world, seed=None)
    assert isinstance(first.seed, int) and first.seed >= 0
    rooms = assignment(first)
    again = generate(world, seed=first.seed)
    assert assignment(again) == rooms


def test_regenerating_replaces_the_plan_and_deletes_its_rooms(make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4))
    old = generate(world, seed=1)
    new = generate(world, seed=2)
    db.session.expire_all()
    assert db.session.get(BreakoutPlan, old.id).replaced_at is not None
    assert service.current_plan(db.session, world.cohort).id == new.id
    assert db.session.scalars(sa.select(BreakoutRoom).where(BreakoutRoom.plan_id == old.id)).all() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoomMember)) == 8


def test_regenerating_keeps_the_old_rooms_that_hold_notes(make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4), started_days_ago=1)
    old = generate(world)
    noted = old.rooms[0]
    noted_members = sorted(m.membership_id for m in noted.members)
    db.session.add(BreakoutNote(room_id=noted.id, cohort_session_id=world.cohort.sessions[0].id, body="We agreed…"))
    db.session.commit()
    noted_id = noted.id
    generate(world, seed=9)
    db.session.expire_all()
    kept = db.session.get(BreakoutRoom, noted_id)
    assert kept is not None and sorted(m.membership_id for m in kept.members) == noted_members
    assert db.session.scalars(sa.select(BreakoutRoom.id).where(BreakoutRoom.plan_id == old.id)).all() == [noted_id]
    assert db.session.scalar(sa.select(BreakoutNote.body).where(BreakoutNote.room_id == noted_id)) == "We agreed…"


def test_a_session_override_applies_to_that_session_only_and_can_be_dropped(make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4))
    first, second = world.cohort.sessions[0], world.cohort.sessions[1]
    standing = generate(world, target_size=4)
    override = generate(world, target_size=2, cohort_session=second)
    assert override.cohort_session_id == second.id
    assert service.current_plan(db.session, world.cohort, second).id == override.id
    assert service.current_plan(db.session, world.cohort, first).id == standing.id
    assert len(service.rooms_in_force(db.session, world.cohort, second)) == 4
    # Regenerating the standing rooms leaves the override alone.
    standing = generate(world, seed=5)
    assert service.current_plan(db.session, world.cohort, second).id == override.id
    service.drop_override(db.session, world.trainer, world.cohort, second)
    db.session.commit()
    assert service.current_plan(db.session, world.cohort, second).id == standing.id
    with pytest.raises(DomainError, match="already uses the standing rooms"):
        service.drop_override(db.session, world.trainer, world.cohort, second)


def test_an_override_for_another_cohorts_session_is_refused(make_running_cohort):
    world = make_running_cohort(group_sizes=(4,))
    other = make_running_cohort(group_sizes=(4,))
    with pytest.raises(NotFound):
        service.generate_rooms(
            db.session,
            world.trainer,
            world.cohort,
            strategy=MIX,
            target_size=4,
            cohort_session=other.cohort.sessions[0],
        )


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"target_size": 1}, "target_size"),
        ({"target_size": 51}, "target_size"),
        ({"strategy": "alphabetical"}, "strategy"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**31}, "seed"),
    ],
)
def test_bad_generation_settings_are_refused_on_their_field(make_running_cohort, options, field):
    world = make_running_cohort(group_sizes=(4,))
    with pytest.raises(DomainError) as refused:
        service.generate_rooms(
            db.session, world.trainer, world.cohort, **{"strategy": MIX, "target_size": 4, **options}
        )
    assert refused.value.field == field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BreakoutPlan)) == 0


def test_a_cohort_without_participants_gets_a_clear_refusal(make_cohort, make_user):
    trainer = make_user()
    cohort = make_cohort(trainers=[trainer])
    with pytest.raises(DomainError, match="no participants yet"):
        service.generate_rooms(db.session, trainer, cohort, strategy=MIX, target_size=4)


def test_participants_coordinators_and_other_cohorts_trainers_are_forbidden(make_running_cohort, make_user):
    world = make_running_cohort(group_sizes=(4, 4))
    other = make_running_cohort(group_sizes=(4,))
    plan = generate(world)
    room = plan.rooms[0]
    someone = world.participants[0].membership.id
    for outsider in (world.groups[0].members[1], world.groups[0].coordinator, other.trainer, make_user()):
        with pytest.raises(Forbidden):
            service.generate_rooms(db.session, outsider, world.cohort, strategy=MIX, target_size=4)
        with pytest.raises(Forbidden):
            service.rename_room(db.session, outsider, room, "Ours")
        with pytest.raises(Forbidden):
            service.move_member(db.session, outsider, someone, plan.rooms[1])
        with pytest.raises(Forbidden):
            overview.breakout_csv_rows(db.session, outsider, world.cohort)
        with pytest.raises(Forbidden):
            overview.roster_csv_rows(db.session, outsider, world.cohort)
        with pytest.raises(Forbidden):
            service.drop_override(db.session, outsider, world.cohort, world.cohort.sessions[0])


def test_an_admin_may_generate(make_running_cohort, make_user):
    world = make_running_cohort(group_sizes=(4,))
    admin = make_user(is_admin=True)
    plan = service.generate_rooms(db.session, admin, world.cohort, strategy=MIX, target_size=2)
    assert len(plan.rooms) == 2


def test_get_room_finds_only_current_rooms_of_the_cohort(make_running_cohort):
    world = make_running_cohort(group_sizes=(4,))
    other = make_running_cohort(group_sizes=(4,))
    old = generate(world)
    old_room_id = old.rooms[0].id
    db.session.add(BreakoutNote(room_id=old_room_id, cohort_session_id=world.cohort.sessions[0].id, body="kept"))
    db.session.commit()
    current = generate(world, seed=3)
    foreign = generate(other)
    assert service.get_room(db.session, world.trainer, world.cohort, current.rooms[0].id).id == current.rooms[0].id
    with pytest.raises(NotFound):
        service.get_room(db.session, world.trainer, world.cohort, old_room_id)  # replaced, kept only for its notes
    with pytest.raises(NotFound):
        service.get_room(db.session, world.trainer, world.cohort, foreign.rooms[0].id)


def test_moving_a_member_within_the_plan(make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4))
    plan = generate(world)
    source, target = plan.rooms[0], plan.rooms[1]
    person = source.members[0].membership_id
    service.move_member(db.session, world.trainer, person, target)
    db.session.commit()
    db.session.expire_all()
    assert person not in [m.membership_id for m in db.session.get(BreakoutRoom, source.id).members]
    moved = db.session.get(BreakoutRoom, target.id).members
    assert moved[-1].membership_id == person and len(moved) == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoomMember)) == 8


def test_moving_someone_who_is_not_a_participant_is_refused(make_running_cohort):
    world = make_running_cohort(group_sizes=(4,))
    other = make_running_cohort(group_sizes=(4,))
    plan = generate(world)
    with pytest.raises(NotFound):
        service.move_member(db.session, world.trainer, other.participants[0].membership.id, plan.rooms[0])


def test_participants_confirmed_after_generation_are_listed_and_can_be_placed(make_running_cohort, add_late_joiner):
    world = make_running_cohort(group_sizes=(4, 4))
    plan = generate(world)
    late = add_late_joiner(world).user
    unplaced = overview.breakout_page(db.session, world.trainer, world.cohort).unplaced
    assert [p.name for p in unplaced] == ["Late Joiner"]
    service.move_member(db.session, world.trainer, unplaced[0].membership_id, plan.rooms[1])
    db.session.commit()
    assert overview.breakout_page(db.session, world.trainer, world.cohort).unplaced == []
    rows = overview.breakout_csv_rows(db.session, world.trainer, world.cohort)
    assert [plan.rooms[1].name, late.email] in rows


def test_renaming_a_room(make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4))
    plan = generate(world)
    service.rename_room(db.session, world.trainer, plan.rooms[0], "  The  river room ")
    db.session.commit()
    assert db.session.get(BreakoutRoom, plan.rooms[0].id).name == "The river room"


@pytest.mark.parametrize(
    ("name", "message"), [("   ", "Give the room a name"), ("x" * 121, "at most 120"), ("room 2", "already called")]
)
def test_bad_room_names_are_refused(make_running_cohort, name, message):
    world = make_running_cohort(group_sizes=(4, 4))
    plan = generate(world)
    with pytest.raises(DomainError, match=message) as refused:
        service.rename_room(db.session, world.trainer, plan.rooms[0], name)
    assert refused.value.field == "name"


def test_breakout_csv_has_the_exact_header_and_one_row_per_participant_with_an_email(make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 3), roster_only=1)
    plan = generate(world, target_size=3)
    rows = overview.breakout_csv_rows(db.session, world.trainer, world.cohort)
    assert rows[0] == ["Pre-assign Room Name", "Email Address"]
    with_email = [p for p in world.participants if p.email]
    assert len(world.participants) == 9 and len(with_email) == 7
    assert len(rows) == 1 + 7
    room_of = {m.membership.user.email: room.name for room in plan.rooms for m in room.members if m.membership.user}
    assert sorted(rows[1:]) == sorted([room_of[p.email], p.email] for p in with_email)
    page = overview.breakout_page(db.session, world.trainer, world.cohort)
    assert page.without_email == 2


def test_roster_csv_lists_everyone_by_room_with_the_unplaced_last(make_running_cohort):
    world = make_running_cohort(group_sizes=(4,), roster_only=1, zones=["America/Lima"])
    plan = generate(world, target_size=5)
    db.session.delete(plan.rooms[0].members[0])
    db.session.commit()
    rows = overview.roster_csv_rows(db.session, world.trainer, world.cohort)
    assert rows[0] == ["Room", "Name", "Email", "Group", "Organization", "Time zone"]
    assert len(rows) == 1 + 5
    assert [row[0] for row in rows[1:]] == ["Room 1"] * 4 + [""]
    group = world.groups[0].group
    by_name = {row[1]: row for row in rows[1:]}
    roster_only = by_name["Roster-only " + group.name.removeprefix("Group ") + ".1"]
    assert roster_only[2:] == ["", group.name, group.organization, ""]
    coordinator = by_name[world.groups[0].coordinator.name]
    assert coordinator[2:] == [world.groups[0].coordinator.email, group.name, group.organization, "America/Lima"]


def test_meeting_url_fills_the_template_and_is_none_without_one(app, make_running_cohort):
    world = make_running_cohort(group_sizes=(4,))
    plan = generate(world, target_size=4)
    room = plan.rooms[0]
    assert service.meeting_url(room) is None
    app.config["ROOM_MEETING_URL_TEMPLATE"] = (
        "https://meet.example.org/p-{cohort_id}-{room_slug}?n={room_number}&r={room_id}"
    )
    service.rename_room(db.session, world.trainer, room, "Salle d'Étude / Ñandú")
    expected = f"https://meet.example.org/p-{world.cohort.id}-salle-d-etude-nandu?n=1&r={room.id}"
    assert service.meeting_url(room) == expected
    room.name = "কক্ষ"
    assert service.meeting_url(room).startswith(f"https://meet.example.org/p-{world.cohort.id}-room-1?")


def test_demo_populate_forms_standing_mixed_rooms_once(make_running_cohort):
    from types import SimpleNamespace

    from app.breakouts.demo import DEMO_SEED, populate

    world = make_running_cohort(group_sizes=(5, 5, 5))
    report = SimpleNamespace(lines=[])
    populate(db.session, world.cohort, report)
    populate(db.session, world.cohort, report)
    db.session.commit()
    plans = db.session.scalars(sa.select(BreakoutPlan)).all()
    assert len(plans) == 1 and len(report.lines) == 1
    assert plans[0].strategy == MIX and plans[0].seed == DEMO_SEED and plans[0].cohort_session_id is None
    assert sorted(len(room.members) for room in plans[0].rooms) == [3, 4, 4, 4]


def test_people_without_an_account_are_seated_with_their_groups_coordinator(make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4, 4), roster_only=1)
    plan = generate(world, target_size=3)
    room_of = {m.membership_id: room.id for room in plan.rooms for m in room.members}
    for made in world.groups:
        coordinator = next(m for m in made.group.memberships if m.user_id == made.coordinator.id)
        roster_only = [m for m in made.group.memberships if m.user_id is None]
        assert roster_only and all(room_of[m.id] == room_of[coordinator.id] for m in roster_only)


def test_the_page_counts_the_same_participants_as_every_learning_page(make_running_cohort, make_user):
    """The page reads plain rows with its own queries: who takes part must agree with cohort_participants, for
    people who left their group, groups whose registration ended, latecomers and people without an account."""
    world = make_running_cohort(group_sizes=(4, 3, 3), roster_only=1)
    generate(world, target_size=3)
    leaver = world.groups[0].members[1]
    leaving = next(m for m in world.groups[0].group.memberships if m.user_id == leaver.id)
    leaving.status = MembershipStatus.LEFT
    world.groups[2].registration.status = RegistrationStatus.WITHDRAWN
    late = make_user(name="Late Joiner")
    invitations.join_with_code(db.session, late, world.groups[1].group.join_code)
    db.session.flush()
    group = world.groups[1]
    update_roster(db.session, group.coordinator, group.registration, [m.id for m in group.group.active_members])
    db.session.commit()

    page = overview.breakout_page(db.session, world.trainer, world.cohort)
    participants = {p.membership.id: p for p in cohort_participants(db.session, world.cohort)}
    lines = [line for room in page.rooms for line in room.members]
    placed = {line.membership_id for line in lines if line.taking_part}
    assert placed | {line.membership_id for line in page.unplaced} == set(participants)
    assert page.participant_count == len(participants) == 4 + 3 + 2 - 1 + 1
    assert [line.name for line in page.unplaced] == ["Late Joiner"]
    gone = {line.membership_id for line in lines if not line.taking_part}
    withdrawn = {m.id for m in world.groups[2].group.memberships}
    assert gone == withdrawn | {leaving.id}
    for line in lines + page.unplaced:
        if line.taking_part:
            participant = participants[line.membership_id]
            assert (line.name, line.email, line.group_name, line.organization) == (
                participant.name,
                participant.email,
                participant.group.name,
                participant.group.organization,
            )
            assert line.timezone == (participant.user.timezone if participant.user else None)
    # The exports leave out the people no longer taking part, and list the latecomer last.
    emails = {row[1] for row in overview.breakout_csv_rows(db.session, world.trainer, world.cohort)[1:]}
    assert leaver.email not in emails and late.email not in emails
    assert emails == {p.email for p in participants.values() if p.email and p.membership.id in placed}
    roster = overview.roster_csv_rows(db.session, world.trainer, world.cohort)
    assert len(roster) == 1 + len(participants) and roster[-1][:2] == ["", "Late Joiner"]


def test_placing_someone_who_is_not_a_participant_is_refused(make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4))
    plan = generate(world)
    leaving = world.participants[-1].membership
    db.session.execute(sa.delete(RoomMember).where(RoomMember.membership_id == leaving.id))
    leaving.status = MembershipStatus.LEFT
    db.session.commit()
    with pytest.raises(NotFound, match="not a participant"):
        service.move_member(db.session, world.trainer, leaving.id, plan.rooms[0])
    leaving.status = MembershipStatus.ACTIVE
    db.session.commit()
    service.move_member(db.session, world.trainer, leaving.id, plan.rooms[0])
    assert leaving.id in [m.membership_id for m in plan.rooms[0].members]


def _rooms_by_group(world, plan):
    group_of = {p.membership.id: p.group.id for p in world.participants}
    return [sorted({group_of[m.membership_id] for m in room.members}) for room in plan.rooms]


def test_a_group_named_language_counts_by_its_code_and_rooms_stay_within_a_language(make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4, 4, 4))
    for g, languages in zip(world.groups, ["es", "Spanish", "pt", "en"], strict=True):
        g.group.languages = languages
    db.session.commit()
    spanish, also_spanish, portuguese, english = (g.group.id for g in world.groups)

    rooms = _rooms_by_group(world, generate(world))

    assert sorted(rooms) == [[spanish, also_spanish], [spanish, also_spanish], [portuguese], [english]]


def test_a_group_that_names_no_language_is_balanced_by_each_persons_profile_language(make_running_cohort):
    world = make_running_cohort(group_sizes=(3, 3, 3, 3), roster_only=1)
    profile_languages = ["es", "pt_BR", "es", "pt_BR"]  # no group names a language; pt_BR counts as Portuguese
    for g, language in zip(world.groups, profile_languages, strict=True):
        for member in g.members:
            member.locale = language
    db.session.commit()
    spanish, portuguese, also_spanish, also_portuguese = (g.group.id for g in world.groups)

    rooms = _rooms_by_group(world, generate(world))

    # Without the profile language everybody would be "unknown", one bucket, and rooms would mix the two.
    # The person without an account (roster_only) speaks the language of the screen they share.
    assert sorted(rooms) == [[spanish, also_spanish]] * 2 + [[portuguese, also_portuguese]] * 2, rooms


def test_the_cohorts_working_languages_also_bound_profile_languages(make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4), languages=["es", None])
    for member in world.groups[1].members:
        member.locale = "en"
    world.cohort.languages = ["es", "en"]
    db.session.commit()
    spanish, english = (g.group.id for g in world.groups)
    assert sorted(_rooms_by_group(world, generate(world))) == [[spanish], [english]]
    world.cohort.languages = ["es"]  # English is not a language of the cohort: its readers are balanced as Spanish
    db.session.commit()
    assert all(sorted(groups) == [spanish, english] for groups in _rooms_by_group(world, generate(world)))


def test_the_cohorts_working_languages_feed_the_rooms(make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4, 4, 4))
    for g, languages in zip(world.groups, ["es", "es, en", "pt", None], strict=True):
        g.group.languages = languages
    for member in world.groups[3].members:
        member.locale = "fr"  # the fourth group names no language; its people read Plenary in French
    world.cohort.languages = ["es", "en"]  # run in Spanish, with English too
    db.session.commit()
    spanish, bilingual, portuguese, unknown = (g.group.id for g in world.groups)

    rooms = _rooms_by_group(world, generate(world))

    # Portuguese is not a language of this cohort, nor French, the fourth group's people's own: both groups are
    # balanced as Spanish speakers, its first working language, so no room is formed in a language the cohort
    # does not work in.
    assert len(rooms) == 4
    assert all(len(groups) > 1 for groups in rooms), rooms  # every room mixes organizations
    assert all(portuguese in groups for groups in rooms) and all(unknown in groups for groups in rooms)
    assert not any(set(groups) <= {portuguese} for groups in rooms)
    assert {spanish, bilingual, portuguese, unknown} == {g for groups in rooms for g in groups}
