"""Attendance rules: the checklist, report imports, coordinators' roster-only members, completion and its
effect on other courses' prerequisites."""

import pytest
import sqlalchemy as sa

from app.attendance import completion, imports, service
from app.attendance import records as attendance_records
from app.attendance.models import Attendance, AttendanceSource
from app.cohorts.models import CohortStatus
from app.extensions import db
from app.groups import invitations
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.time import now_utc
from app.registration.models import Completion, RegistrationStatus
from tests.conftest import outbox_messages


def records(cohort_session) -> dict[int, Attendance]:
    """The attendance rows of one session, by membership id."""
    return {
        a.membership_id: a
        for a in db.session.scalars(sa.select(Attendance).where(Attendance.cohort_session_id == cohort_session.id))
    }


def ids(participants) -> set[int]:
    return {p.membership.id for p in participants}


def record_all(world, present_by_session: dict[int, set[int]]) -> None:
    """The trainer ticks these memberships for each session index (everyone else absent)."""
    for index, present in present_by_session.items():
        service.record_checklist(db.session, world.trainer, world.cohort, world.cohort.sessions[index], present)
    db.session.commit()


def completion_emails():
    return [m for m in outbox_messages() if m.kind == "attendance_completed"]


def completions(course_id=None) -> list[Completion]:
    query = sa.select(Completion).order_by(Completion.user_id)
    if course_id is not None:
        query = query.where(Completion.course_id == course_id)
    return list(db.session.scalars(query))


# The checklist


def test_checklist_records_ticked_people_present_and_everyone_else_absent(make_running_cohort):
    world = make_running_cohort((3, 3), roster_only=1, started_days_ago=1)
    first = world.cohort.sessions[0]
    ticked = {world.participants[0].membership.id, world.participants[4].membership.id}

    changed = service.record_checklist(db.session, world.trainer, world.cohort, first, ticked)
    db.session.commit()

    saved = records(first)
    assert changed == len(world.participants) == 8
    assert set(saved) == ids(world.participants)
    assert {mid for mid, a in saved.items() if a.present} == ticked
    assert all(a.source == AttendanceSource.CHECKLIST and a.recorded_by_id == world.trainer.id for a in saved.values())
    assert all(a.recorded_at is not None for a in saved.values())


def test_saving_the_checklist_again_updates_the_same_rows(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    first = world.cohort.sessions[0]
    a, b, c = (p.membership.id for p in world.participants)
    record_all(world, {0: {a, b}})

    changed = service.record_checklist(db.session, world.trainer, world.cohort, first, {b, c})
    db.session.commit()

    saved = records(first)
    assert changed == 2  # a: present -> absent, c: absent -> present; b unchanged
    assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 3
    assert {mid for mid, row in saved.items() if row.present} == {b, c}


def test_checklist_keeps_who_recorded_an_unchanged_row(make_running_cohort):
    world = make_running_cohort((3,), roster_only=1, started_days_ago=1)
    first = world.cohort.sessions[0]
    group = world.groups[0]
    roster_only = next(p for p in world.participants if p.user is None).membership.id
    service.record_roster_only(db.session, group.coordinator, world.cohort, group.group, first, {roster_only})
    db.session.commit()

    service.record_checklist(db.session, world.trainer, world.cohort, first, {roster_only})
    db.session.commit()

    row = records(first)[roster_only]
    assert row.present and row.source == AttendanceSource.COORDINATOR
    assert row.recorded_by_id == group.coordinator.id


def test_checklist_ignores_ids_of_people_who_are_not_participants(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    other = make_running_cohort((3,), started_days_ago=1)
    first = world.cohort.sessions[0]

    service.record_checklist(db.session, world.trainer, world.cohort, first, {other.participants[0].membership.id})
    db.session.commit()

    assert set(records(first)) == ids(world.participants)


def test_checklist_is_refused_before_the_session_starts(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    later = world.cohort.sessions[1]
    assert later.starts_at > now_utc()

    with pytest.raises(DomainError, match="not started"):
        service.record_checklist(db.session, world.trainer, world.cohort, later, set())
    assert records(later) == {}


def test_only_the_cohorts_trainers_and_admins_record_the_checklist(make_running_cohort, make_user):
    world = make_running_cohort((3,), started_days_ago=1)
    first = world.cohort.sessions[0]
    for outsider in (world.groups[0].coordinator, world.groups[0].members[1], make_user(name="Other trainer")):
        with pytest.raises(Forbidden):
            service.record_checklist(db.session, outsider, world.cohort, first, set())
    admin = make_user(is_admin=True)
    service.record_checklist(db.session, admin, world.cohort, first, set())
    assert len(records(first)) == 3


def test_a_session_of_another_cohort_is_not_found(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    other = make_running_cohort((3,), started_days_ago=1)
    with pytest.raises(NotFound):
        service.record_checklist(db.session, world.trainer, world.cohort, other.cohort.sessions[0], set())


def test_checklist_page_groups_people_by_room_then_not_in_a_room(make_running_cohort, make_rooms):
    world = make_running_cohort((3, 3), roster_only=1, started_days_ago=1)
    make_rooms(world, size=3, leave_out=2)

    page = service.attendance_page(db.session, world.trainer, world.cohort)

    assert [s.title for s in page.sections] == ["Room 1", "Room 2", "Not in a room"]
    assert [len(s.rows) for s in page.sections] == [3, 3, 2]
    listed = [r.person.membership_id for s in page.sections for r in s.rows]
    assert sorted(listed) == sorted(ids(world.participants))
    assert page.cohort_session == world.cohort.sessions[0]  # the latest session that has started


def test_checklist_page_lists_each_group_before_rooms_exist(make_running_cohort):
    world = make_running_cohort((3, 4), roster_only=1)  # nothing has started yet: the first session is shown

    page = service.attendance_page(db.session, world.trainer, world.cohort)

    assert [s.title for s in page.sections] == [g.group.name for g in world.groups]
    assert [len(s.rows) for s in page.sections] == [4, 5]
    assert page.cohort_session == world.cohort.sessions[0] and not page.has_started


def test_attendance_for_counts_present_and_recorded_per_session(make_running_cohort):
    world = make_running_cohort((4,), started_days_ago=8)
    a, b, c, _d = (p.membership.id for p in world.participants)
    record_all(world, {0: {a, b, c}, 1: {a}})

    counts = attendance_records.attendance_for(db.session, world.cohort)

    assert [(s.present, s.recorded, s.participants) for s in counts] == [(3, 4, 4), (1, 4, 4), (0, 0, 4)]
    assert [s.has_started for s in counts] == [True, True, False]


# Importing a video tool's report


def zoom_report(*rows: str, preamble: bool = True, delimiter: str = ",") -> bytes:
    lines = []
    if preamble:
        lines += [
            "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants".replace(",", delimiter),
            "812 5550 1234,Organizing,,,host@video.example,120,4".replace(",", delimiter),
            "",
        ]
    lines.append(
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest".replace(",", delimiter)
    )
    lines += [row.replace(",", delimiter) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def test_import_marks_matched_people_present_and_reports_unmatched_rows(make_running_cohort):
    world = make_running_cohort((4,), roster_only=1, started_days_ago=1)
    first = world.cohort.sessions[0]
    people = [p for p in world.participants if p.user is not None]
    data = zoom_report(
        f"{people[0].name},  {people[0].email.upper()} ,,,60,No",
        f"{people[1].name},{people[1].email},,,50,No",
        f"{people[1].name},{people[1].email},,,10,No",  # joined twice
        "Someone Else,someone@elsewhere.example,,,40,No",
        "Phone caller,,,,30,Yes",
    )

    report = imports.import_attendance(db.session, world.trainer, world.cohort, first, data)
    db.session.commit()

    saved = records(first)
    assert {p.membership.id for p in report.matched} == {people[0].membership.id, people[1].membership.id}
    assert {mid for mid, a in saved.items() if a.present} == {people[0].membership.id, people[1].membership.id}
    assert all(a.source == AttendanceSource.IMPORT for a in saved.values())
    # Line 1 is the meeting summary: its host row is reported too, with the line numbers of the file.
    assert [(r.line, r.name, r.email) for r in report.unmatched] == [
        (2, "", "host@video.example"),
        (8, "Someone Else", "someone@elsewhere.example"),
        (9, "Phone caller", ""),
    ]
    assert ids(report.not_in_report) == {people[2].membership.id, people[3].membership.id}
    assert len(report.without_account) == 1
    # People not in the report are not marked absent unless the trainer asks.
    assert people[2].membership.id not in saved and report.marked_absent == 0


def test_import_marks_people_missing_from_the_report_absent_when_asked(make_running_cohort):
    world = make_running_cohort((3,), roster_only=1, started_days_ago=1)
    first = world.cohort.sessions[0]
    people = [p for p in world.participants if p.user is not None]
    roster_only = next(p for p in world.participants if p.user is None).membership.id
    group = world.groups[0]
    service.record_roster_only(db.session, group.coordinator, world.cohort, group.group, first, {roster_only})

    report = imports.import_attendance(
        db.session,
        world.trainer,
        world.cohort,
        first,
        zoom_report(f"X,{people[0].email},,,1,No"),
        mark_missing_absent=True,
    )
    db.session.commit()

    saved = records(first)
    assert report.marked_absent == 2
    assert saved[people[0].membership.id].present
    assert not saved[people[1].membership.id].present and not saved[people[2].membership.id].present
    assert saved[roster_only].present and saved[roster_only].source == AttendanceSource.COORDINATOR


@pytest.mark.parametrize(
    "header, delimiter",
    [
        ("Email Address", ","),
        ("E-mail", ";"),
        ("Attendee email", "\t"),
        ("EMAIL", ","),
    ],
)
def test_import_finds_the_email_column_by_its_heading(make_running_cohort, header, delimiter):
    world = make_running_cohort((3,), started_days_ago=1)
    person = world.participants[1]
    text = delimiter.join(["Full Name", header, "Minutes"]) + "\n" + delimiter.join([person.name, person.email, "90"])

    report = imports.import_attendance(db.session, world.trainer, world.cohort, world.cohort.sessions[0], text.encode())

    assert [p.membership.id for p in report.matched] == [person.membership.id]
    assert report.unmatched == []


def test_import_reads_first_and_last_name_columns_and_a_preamble(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    text = "Attendance report\nMeeting: Session 1\n\nFirst Name;Last Name;Email\nAda;Lovelace;ada@nowhere.example\n"

    report = imports.import_attendance(db.session, world.trainer, world.cohort, world.cohort.sessions[0], text.encode())

    assert [(r.line, r.name, r.email) for r in report.unmatched] == [(5, "Ada Lovelace", "ada@nowhere.example")]


def test_import_reads_a_utf16_export(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    person = world.participants[0]
    data = f"Name\tEmail\n{person.name}\t{person.email}\n".encode("utf-16")

    report = imports.import_attendance(db.session, world.trainer, world.cohort, world.cohort.sessions[0], data)

    assert [p.membership.id for p in report.matched] == [person.membership.id]


@pytest.mark.parametrize(
    "data, message, status",
    [
        (b"", "empty", 422),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8", "not a text", 422),
        (b"Name,Email\nJos\xe9,jose@example.org\n", "not a text", 422),
        (b"Name,Duration\nAda,40\n", "No email column", 422),
        (b"Name,Email\n" + b"x" * (2 * 1024 * 1024), "larger than 2 MB", 413),
        (b"Name,Email\n" + b"Guest,guest@example.org\n" * 20_000, "more than 20000 rows", 413),
        (b'Name,Email\n"' + b"x" * 200_000 + b'",guest@example.org\n', "not a text", 422),  # over csv's field limit
    ],
    ids=["empty", "binary", "not-utf8", "no-email-column", "too-large", "too-many-rows", "field-too-long"],
)
def test_import_refuses_files_it_cannot_read_and_records_nothing(make_running_cohort, data, message, status):
    world = make_running_cohort((3,), started_days_ago=1)
    first = world.cohort.sessions[0]
    # The rows before the problem match a participant: an all-or-nothing import must not record them either.
    if data.startswith(b"Name,Email\n"):
        data = data.replace(b"Name,Email\n", f"Name,Email\nX,{world.participants[0].email}\n".encode(), 1)

    with pytest.raises(imports.ImportRefused, match=message) as refused:
        imports.import_attendance(db.session, world.trainer, world.cohort, first, data)

    assert refused.value.status_code == status and refused.value.field == "file"
    db.session.rollback()
    assert records(first) == {}


def test_only_trainers_import(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    with pytest.raises(Forbidden):
        imports.import_attendance(
            db.session, world.groups[0].coordinator, world.cohort, world.cohort.sessions[0], zoom_report()
        )


# Coordinators and their roster-only members


def test_coordinator_records_their_roster_only_members(make_running_cohort):
    world = make_running_cohort((3, 3), roster_only=2, started_days_ago=1)
    first = world.cohort.sessions[0]
    group = world.groups[0]
    theirs = [p for p in world.participants if p.user is None and p.group.id == group.group.id]

    service.record_roster_only(
        db.session, group.coordinator, world.cohort, group.group, first, {theirs[0].membership.id}
    )
    db.session.commit()

    saved = records(first)
    assert set(saved) == ids(theirs)  # nobody with an account, nobody from the other group
    assert saved[theirs[0].membership.id].present and not saved[theirs[1].membership.id].present
    assert {a.source for a in saved.values()} == {AttendanceSource.COORDINATOR}
    assert {a.recorded_by_id for a in saved.values()} == {group.coordinator.id}


def test_coordinator_cannot_record_members_with_an_account(make_running_cohort):
    world = make_running_cohort((3,), roster_only=1, started_days_ago=1)
    group = world.groups[0]
    member = group.group.active_members[1]
    assert member.user_id is not None

    with pytest.raises(DomainError, match="without an account"):
        service.record_roster_only(
            db.session, group.coordinator, world.cohort, group.group, world.cohort.sessions[0], {member.id}
        )


def test_only_the_groups_own_coordinators_record_it(make_running_cohort):
    world = make_running_cohort((3, 3), roster_only=1, started_days_ago=1)
    group = world.groups[0]
    outsiders = [world.groups[1].coordinator, group.members[1], world.trainer]
    for outsider in outsiders:
        with pytest.raises(Forbidden):
            service.group_attendance_page(db.session, outsider, world.cohort, group.group)
        with pytest.raises(Forbidden):
            service.record_roster_only(db.session, outsider, world.cohort, group.group, world.cohort.sessions[0], set())


def test_coordinator_page_shows_the_others_recorded_attendance(make_running_cohort):
    world = make_running_cohort((3,), roster_only=1, started_days_ago=1)
    group = world.groups[0]
    record_all(world, {0: {world.participants[1].membership.id}})

    page = service.group_attendance_page(db.session, group.coordinator, world.cohort, group.group)

    assert [r.person.has_account for r in page.roster_only] == [False]
    assert [r.present for r in page.others] == [False, True, False]
    assert [r.record is not None for r in page.others] == [True, True, True]


# Completion


def test_completion_needs_every_session_when_the_course_says_all(finished_cohort):
    world = finished_cohort((3,))
    a, b, c = (p.membership.id for p in world.participants)
    record_all(world, {0: {a, b, c}, 1: {a, b, c}, 2: {a, b}})

    report = completion.complete_cohort(db.session, world.trainer, world.cohort)
    db.session.commit()

    assert ids(s.participant for s in report.completed) == {a, b}
    assert [(s.participant.membership.id, s.reason) for s in report.not_qualified] == [
        (c, "attended 2 of 3 required sessions")
    ]
    assert {c.user_id for c in completions()} == {world.participants[0].user.id, world.participants[1].user.id}
    assert all(c.cohort_id == world.cohort.id and c.course_id == world.cohort.course_id for c in completions())
    assert world.cohort.status == CohortStatus.COMPLETED


def test_completion_counts_the_courses_minimum_and_the_groups_pre_meeting(advanced_cohort):
    world = advanced_cohort((2, 2), pre_meetings=(True, False))
    logged = [p.membership.id for p in world.participants if p.group.id == world.groups[0].group.id]
    unlogged = [p.membership.id for p in world.participants if p.group.id == world.groups[1].group.id]
    # 2 of 3 sessions are required: logged[0] and unlogged[0] attend two, logged[1] only one.
    record_all(world, {0: {logged[0], logged[1], unlogged[0]}, 2: {logged[0], unlogged[0]}})

    report = completion.complete_cohort(db.session, world.trainer, world.cohort)

    assert [s.participant.membership.id for s in report.completed] == [logged[0]]
    reasons = {s.participant.membership.id: s.reason for s in report.not_qualified}
    assert reasons == {
        logged[1]: "attended 1 of 2 required sessions",
        unlogged[0]: "group's pre-meeting not logged",
        unlogged[1]: "attended 0 of 2 required sessions; group's pre-meeting not logged",
    }


def test_completing_again_creates_nothing_new(finished_cohort):
    world = finished_cohort((3,))
    everyone = ids(world.participants)
    record_all(world, {0: everyone, 1: everyone, 2: everyone})
    completion.complete_cohort(db.session, world.trainer, world.cohort)
    db.session.commit()
    made, sent = completions(), completion_emails()

    again = completion.complete_cohort(db.session, world.trainer, world.cohort)
    db.session.commit()

    assert again.completed == [] and len(again.already) == 3
    assert [c.id for c in completions()] == [c.id for c in made]
    assert len(completion_emails()) == len(sent) == 3


def test_completion_skips_people_who_already_hold_the_course(finished_cohort):
    world = finished_cohort((3,))
    earlier = Completion(user_id=world.participants[0].user.id, course_id=world.cohort.course_id)
    db.session.add(earlier)
    db.session.commit()
    everyone = ids(world.participants)
    record_all(world, {0: everyone, 1: everyone, 2: everyone})

    report = completion.complete_cohort(db.session, world.trainer, world.cohort)

    assert [s.participant.user.id for s in report.already] == [world.participants[0].user.id]
    assert [s.participant.user.id for s in report.completed] == [p.user.id for p in world.participants[1:]]
    assert len(completions()) == 3


def test_roster_only_people_who_qualify_get_no_completion(finished_cohort):
    world = finished_cohort((3,), roster_only=1)
    everyone = ids(world.participants)
    record_all(world, {0: everyone, 1: everyone, 2: everyone})

    report = completion.complete_cohort(db.session, world.trainer, world.cohort)

    assert [s.participant.user for s in report.without_account] == [None]
    assert len(completions()) == 3


def test_each_new_completion_is_emailed_a_link_to_the_certificate(finished_cohort):
    world = finished_cohort((3,))
    everyone = ids(world.participants)
    record_all(world, {0: everyone, 1: everyone, 2: everyone})

    completion.complete_cohort(db.session, world.trainer, world.cohort)
    db.session.commit()

    messages = completion_emails()
    assert sorted(m.to_address for m in messages) == sorted(p.email for p in world.participants)
    assert all(f"http://plenary.test/cohorts/{world.cohort.id}/certificate" in m.body_text for m in messages)
    assert all("3 of 3 sessions attended" in m.body_text for m in messages)


def test_completion_is_refused_before_the_last_session_starts(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=8)

    with pytest.raises(DomainError, match="last session starts"):
        completion.complete_cohort(db.session, world.trainer, world.cohort)
    assert world.cohort.status == CohortStatus.RUNNING and completions() == []


def test_a_cancelled_cohort_cannot_be_completed(finished_cohort):
    world = finished_cohort((3,))
    world.cohort.status = CohortStatus.CANCELLED
    db.session.commit()

    with pytest.raises(DomainError, match="cancelled"):
        completion.complete_cohort(db.session, world.trainer, world.cohort)


def test_only_trainers_complete_a_cohort(finished_cohort, make_user):
    world = finished_cohort((3,))
    for outsider in (world.groups[0].coordinator, make_user()):
        with pytest.raises(Forbidden):
            completion.complete_cohort(db.session, outsider, world.cohort)
    assert world.cohort.status == CohortStatus.RUNNING


def test_completion_status_says_how_many_sessions_were_attended(advanced_cohort):
    world = advanced_cohort((2,), pre_meetings=(True,))
    person = world.participants[0]
    record_all(world, {0: {person.membership.id}, 1: {person.membership.id}})

    status = completion.completion_status(db.session, world.cohort, person.membership)

    assert status.summary == "2 of 2 sessions attended"
    assert status.qualifies and status.reason == ""


# Completions unlock the advanced course


def test_completions_from_attendance_meet_the_advanced_courses_prerequisite(finished_cohort, make_cohort, make_user):
    from app.groups import service as groups
    from app.registration.prerequisites import prerequisites_of
    from app.registration.service import register_group

    core = finished_cohort((10,))
    everyone = ids(core.participants)
    record_all(core, {0: everyone, 1: everyone, 2: everyone})
    completion.complete_cohort(db.session, core.trainer, core.cohort)
    db.session.commit()

    advanced = make_cohort("power-and-participation", label="Advanced, open", trainers=[core.trainer])
    assert advanced.course.min_group_size == 10 and advanced.course.prerequisite_share == 0.5
    alumni = core.groups[0]
    registration = register_group(
        db.session, alumni.coordinator, alumni.group, advanced, [m.id for m in alumni.group.active_members]
    )
    db.session.commit()

    assert prerequisites_of(db.session, registration).state == "met"
    assert registration.status == RegistrationStatus.CONFIRMED

    coordinator = make_user(name="Newcomer coordinator")
    newcomers = groups.create_group(db.session, coordinator, name="Newcomers", organization="New Org")
    for _ in range(9):
        invitations.join_with_code(db.session, make_user(), newcomers.join_code)
    waiting = register_group(db.session, coordinator, newcomers, advanced, [m.id for m in newcomers.active_members])
    db.session.commit()

    assert prerequisites_of(db.session, waiting).state == "missing"
    assert waiting.status == RegistrationStatus.PENDING


def test_half_the_group_completing_is_enough_and_fewer_is_not(finished_cohort, make_cohort):
    from app.registration.prerequisites import prerequisites_of
    from app.registration.service import register_group

    core = finished_cohort((10,))
    people = [p.membership.id for p in core.participants]
    # Four attend everything: below half of ten, so the advanced course's prerequisite is not met.
    record_all(core, {0: set(people), 1: set(people), 2: set(people[:4])})
    completion.complete_cohort(db.session, core.trainer, core.cohort)
    db.session.commit()
    advanced = make_cohort("power-and-participation", label="Advanced", trainers=[core.trainer])
    group = core.groups[0]

    registration = register_group(
        db.session, group.coordinator, group.group, advanced, [m.id for m in group.group.active_members]
    )

    assert prerequisites_of(db.session, registration).completed == 4
    assert registration.status == RegistrationStatus.PENDING
