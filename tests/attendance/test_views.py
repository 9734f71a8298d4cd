"""Attendance pages over HTTP: the trainer's checklist and import, coordinators' page, completion, certificates."""

import csv
import io
import re

import pytest
import sqlalchemy as sa

from app.attendance import completion, imports, service
from app.attendance.models import Attendance, AttendanceSource
from app.cohorts.models import CohortStatus
from app.extensions import db
from app.registration.models import Completion
from tests.attendance.checklist import read_checklist
from tests.attendance.conftest import login
from tests.conftest import csrf_tokens


def url(world, suffix="attendance", **query) -> str:
    address = f"/cohorts/{world.cohort.id}/{suffix}"
    if query:
        address += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return address


def rows_of(cohort_session) -> dict[int, Attendance]:
    db.session.expire_all()
    return {
        a.membership_id: a
        for a in db.session.scalars(sa.select(Attendance).where(Attendance.cohort_session_id == cohort_session.id))
    }


def text(response) -> str:
    return response.get_data(as_text=True)


def upload(client, world, data: bytes, filename="report.csv", **fields):
    if len(data) > 400_000:
        return upload_large(client, world, data, filename)
    return client.submit(
        url(world),
        data={"file": (io.BytesIO(data), filename), **fields},
        content_type="multipart/form-data",
    )


def upload_large(client, world, data: bytes, filename: str):
    """The same upload with the body built here: the test client spools large bodies to a temporary file that it
    never closes, which pytest reports as a leaked file."""
    tokens = csrf_tokens(text(client.get(url(world))))
    boundary = "----attendance-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in tokens.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(url(world), data=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}")


# Access


def test_anonymous_visitors_are_sent_to_log_in(client, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    for address in (url(world), url(world, "certificate"), url(world, f"groups/{world.groups[0].group.id}/attendance")):
        response = client.get(address)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_participants_and_coordinators_cannot_open_the_trainer_page(client, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    everyone = [p.membership.id for p in world.participants]
    for person in (world.groups[0].coordinator, world.groups[0].members[1]):
        login(client, person)
        assert client.get(url(world)).status_code == 403
        # With a valid CSRF token (from their home page), so only the permission check can refuse it.
        response = client.submit(url(world), {"present": everyone, "save_checklist": "1"}, page="/home")
        assert response.status_code == 403
    assert rows_of(world.cohort.sessions[0]) == {}


# The trainer's checklist


def test_trainer_sees_a_checklist_per_room_with_everyone_not_in_a_room_last(client, make_running_cohort, make_rooms):
    world = make_running_cohort((3, 3), roster_only=1, started_days_ago=1)
    make_rooms(world, size=4, leave_out=1)
    login(client, world.trainer)

    response = client.get(url(world))

    page = text(response)
    assert response.status_code == 200
    legends = re.findall(r"<legend>([^<]+?) <span", page)
    assert legends == ["Room 1", "Room 2", "Not in a room"]
    for participant in world.participants:
        assert f'value="{participant.membership.id}"' in page
    assert "0 present, 0 recorded, of 8 participants" in page
    assert 'name="complete"' not in page  # the last session is weeks away
    assert "The last session starts on" in page


def rooms_out_of_order(world, rooms: dict[str, list]) -> None:
    """A standing plan with these rooms (name -> participants in their room order): rooms and members are added in
    reverse, so their ids disagree with their positions and only the positions can give the order."""
    from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember, RoomStrategy

    plan = BreakoutPlan(cohort_id=world.cohort.id, strategy=RoomStrategy.KEEP_GROUPS, target_size=4, seed=1)
    for position, (name, people) in reversed(list(enumerate(rooms.items()))):
        room = BreakoutRoom(position=position, name=name)
        room.members = [
            RoomMember(membership_id=p.membership.id, position=k) for k, p in reversed(list(enumerate(people)))
        ]
        plan.rooms.append(room)
    db.session.add(plan)
    db.session.commit()


def test_the_checklist_shows_each_room_in_order_with_every_persons_tick_state_and_sessions(client, make_running_cohort):
    world = make_running_cohort((3, 3), roster_only=1, started_days_ago=8)
    p = world.participants  # per group: coordinator, two members, one roster-only member
    first, second = world.cohort.sessions[:2]
    rooms_out_of_order(world, {"Room A": [p[5], p[0]], "Room B": [p[1], p[4]], "Room C": []})
    service.record_checklist(db.session, world.trainer, world.cohort, first, {p[0].membership.id, p[1].membership.id})
    imports.import_attendance(db.session, world.trainer, world.cohort, first, f"Email\n{p[5].email}\n".encode())
    coordinator = world.groups[1].coordinator
    service.record_roster_only(
        db.session, coordinator, world.cohort, world.groups[1].group, first, {p[7].membership.id}
    )
    service.record_checklist(db.session, world.trainer, world.cohort, second, {p[0].membership.id})
    db.session.commit()
    login(client, world.trainer)

    page = text(client.get(url(world, session=first.id)))

    sections = read_checklist(page)
    assert [s.legend for s in sections] == [
        "Room A (2 people)", "Room B (2 people)", "Room C (0 people)", "Not in a room (4 people)",
    ]  # fmt: skip
    order = [[p[5], p[0]], [p[1], p[4]], [], [p[2], p[3], p[6], p[7]]]
    assert [[t.value for t in s.ticks] for s in sections] == [[str(x.membership.id) for x in o] for o in order]
    ticks = {t.value: t for s in sections for t in s.ticks}
    assert {v for v, t in ticks.items() if t.checked} == {str(x.membership.id) for x in (p[0], p[1], p[5], p[7])}
    for person in p:
        assert ticks[str(person.membership.id)].label.startswith(person.name)  # every checkbox has its label
    # State at this session and sessions attended of the cohort. How most were recorded is said once; rows name
    # only the other ways.
    assert "made by the trainer's checklist unless it names another way" in page
    expected = {
        0: ("present", None, "2"),
        1: ("present", None, "1"),
        2: ("absent", None, "0"),
        3: ("absent", None, "0"),
        4: ("absent", None, "0"),
        5: ("present", "report import", "1"),
        6: ("absent", None, "0"),
        7: ("present", "coordinator", "1"),
    }
    for index, (state, source, attended) in expected.items():
        row = ticks[str(p[index].membership.id)].row.lower().replace(p[index].name.lower(), "")
        assert state in row and row.split()[-1] == attended, (index, row)
        assert state in ticks[str(p[index].membership.id)].cell_classes, (index, "the state is coloured")
        assert ("present" if state == "absent" else "absent") not in row
        assert (source in row) if source else ("checklist" not in row and "import" not in row), (index, row)
    for person in (p[5], p[0], p[1], p[4]):  # rooms mix groups, so their rows name the group
        assert person.group.name.lower() in ticks[str(person.membership.id)].row.lower()
    for person in (p[3], p[7]):
        assert "no account" in ticks[str(person.membership.id)].row
    assert "4 present, 8 recorded, of 8 participants" in page


def test_saving_the_checklist_records_attendance_and_redirects(client, make_running_cohort):
    world = make_running_cohort((3,), roster_only=1, started_days_ago=1)
    first = world.cohort.sessions[0]
    ticked = [world.participants[0].membership.id, world.participants[3].membership.id]
    login(client, world.trainer)

    response = client.submit(url(world, session=first.id), {"present": ticked, "save_checklist": "1"})

    assert response.status_code == 302 and f"session={first.id}" in response.headers["Location"]
    saved = rows_of(first)
    assert {mid for mid, a in saved.items() if a.present} == set(ticked)
    assert len(saved) == 4 and {a.source for a in saved.values()} == {AttendanceSource.CHECKLIST}
    page = text(client.get(response.headers["Location"]))
    assert "2 present, 4 recorded, of 4 participants" in page
    assert page.count(" checked") == 2


def test_a_checklist_naming_someone_else_is_refused_with_the_ticks_kept(client, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    kept = world.participants[1].membership.id
    login(client, world.trainer)

    response = client.submit(url(world), {"present": [kept, 999999], "save_checklist": "1"})

    assert response.status_code == 422
    assert f'value="{kept}" checked' in text(response)
    assert '<p class="error-message">' in text(response)  # the refusal is said next to the checklist
    assert rows_of(world.cohort.sessions[0]) == {}


def test_a_session_that_has_not_started_is_shown_without_a_checklist(client, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    later = world.cohort.sessions[2]
    login(client, world.trainer)

    page = text(client.get(url(world, session=later.id)))
    assert "has not started yet" in page and 'name="present"' not in page

    response = client.submit(url(world, session=later.id), {"save_checklist": "1"}, page=url(world))
    assert response.status_code == 422 and "has not started yet" in text(response)
    assert rows_of(later) == {}


def test_a_session_of_another_cohort_is_not_found(client, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    other = make_running_cohort((3,), started_days_ago=1)
    login(client, world.trainer)
    assert client.get(url(world, session=other.cohort.sessions[0].id)).status_code == 404


# Importing a report


def test_uploading_a_report_marks_people_present_and_lists_unmatched_rows(client, make_running_cohort):
    world = make_running_cohort((3,), roster_only=1, started_days_ago=1)
    people = [p for p in world.participants if p.user is not None]
    report = (
        "\ufeffName (Original Name);User Email;Duration (Minutes)\n"
        f"{people[0].name};{people[0].email.upper()};90\n"
        "Visiting Guest;guest@elsewhere.example;40\n"
    ).encode()
    login(client, world.trainer)

    response = upload(client, world, report)

    page = text(response)
    assert response.status_code == 200
    assert "1 participant matched by email and marked present" in page
    assert "Visiting Guest" in page and "guest@elsewhere.example" in page
    assert "Participants not in the report (2)" in page
    assert people[1].name in page
    saved = rows_of(world.cohort.sessions[0])
    assert list(saved) == [people[0].membership.id] and saved[people[0].membership.id].source == AttendanceSource.IMPORT


def test_the_import_can_mark_the_missing_absent(client, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    login(client, world.trainer)

    response = upload(client, world, f"Email\n{world.participants[0].email}\n".encode(), mark_absent="y")

    assert response.status_code == 200
    saved = rows_of(world.cohort.sessions[0])
    assert [saved[p.membership.id].present for p in world.participants] == [True, False, False]


@pytest.mark.parametrize(
    "data, status, message",
    [
        (None, 422, "Choose the attendance report file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 422, "not a text (CSV) file"),
        (b"Name,Minutes\nAda,30\n", 422, "No email column found"),
        (b"Email\n" + b"a" * (2 * 1024 * 1024 + 10), 413, "larger than 2 MB"),
    ],
    ids=["no-file", "not-text", "no-email-column", "too-large"],
)
def test_an_unreadable_upload_is_refused_with_a_reason(client, make_running_cohort, data, status, message):
    world = make_running_cohort((3,), started_days_ago=1)
    login(client, world.trainer)

    if data is None:
        response = client.submit(url(world), data={"import_report": "1"}, content_type="multipart/form-data")
    else:
        response = upload(client, world, data)

    assert response.status_code == status
    assert message in text(response)
    assert rows_of(world.cohort.sessions[0]) == {}


# Completion


def test_marking_the_cohort_completed_from_the_page(client, finished_cohort):
    world = finished_cohort((3,))
    everyone = {p.membership.id for p in world.participants}
    for cohort_session in world.cohort.sessions:
        service.record_checklist(db.session, world.trainer, world.cohort, cohort_session, everyone)
    db.session.commit()
    login(client, world.trainer)
    page = text(client.get(url(world)))
    assert "Mark the cohort completed" in page and "emails each a link to their certificate" in page

    response = client.submit(url(world, "complete"), {"complete": "1"}, page=url(world))

    assert response.status_code == 302
    assert len(db.session.scalars(sa.select(Completion)).all()) == 3
    db.session.refresh(world.cohort)
    assert world.cohort.status == CohortStatus.COMPLETED
    assert "New completions: 3" in text(client.get(response.headers["Location"]))


def test_completing_too_early_says_why(client, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)
    login(client, world.trainer)

    response = client.submit(url(world, "complete"), {"complete": "1"}, page=url(world))

    assert response.status_code == 302
    assert "The last session starts on" in text(client.get(response.headers["Location"]))
    assert db.session.scalars(sa.select(Completion)).all() == []


def test_coordinators_cannot_complete_a_cohort(client, finished_cohort):
    world = finished_cohort((3,))
    login(client, world.groups[0].coordinator)
    token_page = f"/cohorts/{world.cohort.id}/groups/{world.groups[0].group.id}/attendance"
    assert client.submit(url(world, "complete"), {"complete": "1"}, page=token_page).status_code == 403
    db.session.refresh(world.cohort)
    assert world.cohort.status == CohortStatus.RUNNING


# Coordinators


def group_url(world, index=0, **query):
    return url(world, f"groups/{world.groups[index].group.id}/attendance", **query)


def test_coordinator_records_their_members_without_an_account(client, make_running_cohort):
    world = make_running_cohort((3, 3), roster_only=2, started_days_ago=1)
    group = world.groups[0]
    theirs = [p.membership.id for p in world.participants if p.user is None and p.group.id == group.group.id]
    service.record_checklist(
        db.session, world.trainer, world.cohort, world.cohort.sessions[0], {world.participants[1].membership.id}
    )
    db.session.commit()
    login(client, group.coordinator)

    page = text(client.get(group_url(world)))
    assert "Roster-only" in page and world.participants[1].name in page
    response = client.submit(group_url(world), {"present": [theirs[1]], "save": "1"})

    assert response.status_code == 302
    saved = rows_of(world.cohort.sessions[0])
    assert saved[theirs[1]].present and saved[theirs[1]].source == AttendanceSource.COORDINATOR
    assert not saved[theirs[0]].present
    assert saved[world.participants[1].membership.id].source == AttendanceSource.CHECKLIST  # untouched


def test_coordinator_cannot_tick_a_member_with_an_account(client, make_running_cohort):
    world = make_running_cohort((3,), roster_only=1, started_days_ago=1)
    group = world.groups[0]
    login(client, group.coordinator)

    response = client.submit(group_url(world), {"present": [world.participants[1].membership.id], "save": "1"})

    assert response.status_code == 422
    assert rows_of(world.cohort.sessions[0]) == {}


def test_nobody_else_opens_a_groups_attendance_page(client, make_running_cohort, make_user):
    world = make_running_cohort((3, 3), roster_only=1, started_days_ago=1)
    for person in (world.groups[1].coordinator, world.groups[0].members[1], world.trainer):
        login(client, person)
        assert client.get(group_url(world)).status_code == 403
    login(client, make_user(is_admin=True))
    assert client.get(group_url(world)).status_code == 200


# Certificates


def completed_world(finished_cohort, **kwargs):
    world = finished_cohort((3,), **kwargs)
    everyone = {p.membership.id for p in world.participants}
    for index, cohort_session in enumerate(world.cohort.sessions):
        present = everyone - ({world.participants[2].membership.id} if index == 0 else set())
        service.record_checklist(db.session, world.trainer, world.cohort, cohort_session, present)
    completion.complete_cohort(db.session, world.trainer, world.cohort)
    db.session.commit()
    return world


def test_a_participant_opens_their_own_printable_certificate(client, finished_cohort):
    world = completed_world(finished_cohort)
    owner = world.participants[0].user
    owner.timezone = "Asia/Tokyo"
    db.session.commit()
    login(client, owner)

    response = client.get(url(world, "certificate"))

    page = text(response)
    assert response.status_code == 200
    assert owner.name in page and "Organizing Fundamentals" in page and world.cohort.label in page
    assert "Attended 3 of 3 live sessions" in page
    assert "Trainers: Trainer" in page
    assert page.count("(Europe/London)") == 3  # each session in the cohort's host zone, named
    assert "css/attendance.css" in page


def test_nobody_opens_a_certificate_they_did_not_earn(client, finished_cohort, make_user):
    world = completed_world(finished_cohort)
    for person in (world.participants[2].user, world.trainer, make_user(is_admin=True)):
        login(client, person)
        response = client.get(url(world, "certificate"))
        assert response.status_code == 404
        assert "no certificate for this cohort" in text(response)


# Queries per page do not grow with the cohort


def test_trainer_page_queries_do_not_grow_with_the_cohort(app, client, make_running_cohort, make_rooms, count_queries):
    counts = []
    for sizes in ((5, 5, 5, 5), (15, 15, 15, 15)):
        world = make_running_cohort(sizes, roster_only=1, started_days_ago=8)
        make_rooms(world, size=6, leave_out=2)
        people = {p.membership.id for p in world.participants}
        for cohort_session in world.cohort.sessions[:2]:
            service.record_checklist(db.session, world.trainer, world.cohort, cohort_session, people)
        db.session.commit()
        login(client, world.trainer)
        db.session.expire_all()
        with count_queries() as counter:
            response = client.get(url(world))
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_group_page_queries_do_not_grow_with_the_group(app, client, make_running_cohort, count_queries):
    counts = []
    for size in (4, 20):
        world = make_running_cohort((size,), roster_only=size // 4, started_days_ago=8)
        login(client, world.groups[0].coordinator)
        db.session.expire_all()
        with count_queries() as counter:
            response = client.get(group_url(world))
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


# The command line


def test_cli_completes_a_cohort_and_prints_the_report(runner, finished_cohort):
    world = finished_cohort((3,))
    everyone = {p.membership.id for p in world.participants}
    for index, cohort_session in enumerate(world.cohort.sessions):
        present = everyone - ({world.participants[2].membership.id} if index == 1 else set())
        service.record_checklist(db.session, world.trainer, world.cohort, cohort_session, present)
    db.session.commit()

    result = runner.invoke(args=["cohorts", "complete", str(world.cohort.id)])

    assert result.exit_code == 0, result.output
    assert "2 new completion(s)" in result.output
    assert f"{world.participants[2].name} ({world.groups[0].group.name}): attended 2 of 3 required sessions" in (
        result.output
    )
    again = runner.invoke(args=["cohorts", "complete", str(world.cohort.id)])
    assert "0 new completion(s)" in again.output and "2 already held the course" in again.output
    assert len(db.session.scalars(sa.select(Completion)).all()) == 2


def test_cli_refuses_a_cohort_still_running(runner, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=1)

    result = runner.invoke(args=["cohorts", "complete", str(world.cohort.id)])

    assert result.exit_code != 0 and "The last session starts on" in result.output
    assert runner.invoke(args=["cohorts", "complete", "999999"]).exit_code != 0


def test_trainers_download_every_sessions_attendance_as_csv(client, make_running_cohort):
    world = make_running_cohort((3,), roster_only=1, started_days_ago=8)
    people = [p.membership.id for p in world.participants]
    service.record_checklist(db.session, world.trainer, world.cohort, world.cohort.sessions[0], set(people[:2]))
    service.record_checklist(db.session, world.trainer, world.cohort, world.cohort.sessions[1], {people[0]})
    world.participants[1].user.name = "=HYPERLINK(1)"
    db.session.commit()
    login(client, world.trainer)

    response = client.get(url(world, "attendance.csv"))

    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(text(response))))
    assert lines[0] == [
        "Name", "Email", "Group", "Organization", "Session 1", "Session 2", "Session 3",
        "Sessions attended", "Meets the completion rule",
    ]  # fmt: skip
    assert lines[1][4:] == ["present", "present", "", "2", "attended 2 of 3 required sessions"]
    assert lines[2][0] == "'=HYPERLINK(1)" and lines[2][4:7] == ["present", "absent", ""]
    assert lines[4][1] == "" and lines[4][4:7] == ["absent", "absent", ""]  # the roster-only member
    login(client, world.groups[0].coordinator)
    assert client.get(url(world, "attendance.csv")).status_code == 403


def csv_lines(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(text(response))))


def test_the_csv_lists_everyone_in_registration_order_with_every_sessions_state(client, make_running_cohort):
    world = make_running_cohort((3, 2), roster_only=1, started_days_ago=8)
    p = world.participants  # per group: coordinator, members, one roster-only member
    first, second = world.cohort.sessions[:2]
    service.record_checklist(db.session, world.trainer, world.cohort, first, {x.membership.id for x in p[:4]})
    imports.import_attendance(db.session, world.trainer, world.cohort, second, f"Email\n{p[4].email}\n".encode())
    service.record_roster_only(
        db.session, world.groups[1].coordinator, world.cohort, world.groups[1].group, second, {p[6].membership.id}
    )
    db.session.commit()
    login(client, world.trainer)

    response = client.get(url(world, "attendance.csv"))

    def person(x):
        return [x.name, x.email or "", x.group.name, x.group.organization]

    def reason(n):
        return f"attended {n} of 3 required sessions"

    assert text(response).endswith("\r\n")
    assert csv_lines(response) == [
        ["Name", "Email", "Group", "Organization", "Session 1", "Session 2", "Session 3",
         "Sessions attended", "Meets the completion rule"],
        [*person(p[0]), "present", "", "", "1", reason(1)],
        [*person(p[1]), "present", "", "", "1", reason(1)],
        [*person(p[2]), "present", "", "", "1", reason(1)],
        [*person(p[3]), "present", "", "", "1", reason(1)],
        [*person(p[4]), "absent", "present", "", "1", reason(1)],
        [*person(p[5]), "absent", "", "", "0", reason(0)],
        [*person(p[6]), "absent", "present", "", "1", reason(1)],
    ]  # fmt: skip
    assert [p[3].email, p[6].email] == [None, None]  # the roster-only members


def test_the_csv_says_why_people_miss_the_rule_and_yes_for_those_who_meet_it(client, advanced_cohort):
    world = advanced_cohort((3, 3), pre_meetings=(True, False))  # 2 of 3 sessions, and the group's pre-meeting
    p = world.participants
    sessions = world.cohort.sessions
    everyone = {x.membership.id for x in p}
    service.record_checklist(db.session, world.trainer, world.cohort, sessions[0], everyone)
    service.record_checklist(
        db.session, world.trainer, world.cohort, sessions[1], everyone - {p[1].membership.id, p[5].membership.id}
    )
    service.record_checklist(
        db.session, world.trainer, world.cohort, sessions[2], {p[1].membership.id, p[3].membership.id}
    )
    db.session.commit()
    login(client, world.trainer)

    lines = csv_lines(client.get(url(world, "attendance.csv")))

    no_pre_meeting = "group's pre-meeting not logged"
    assert [line[0] for line in lines[1:]] == [x.name for x in p]
    assert [line[4:] for line in lines[1:]] == [
        ["present", "present", "absent", "2", "yes"],
        ["present", "absent", "present", "2", "yes"],
        ["present", "present", "absent", "2", "yes"],
        ["present", "present", "present", "3", no_pre_meeting],
        ["present", "present", "absent", "2", no_pre_meeting],
        ["present", "absent", "absent", "1", f"attended 1 of 2 required sessions; {no_pre_meeting}"],
    ]
