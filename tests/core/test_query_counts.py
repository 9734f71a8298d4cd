"""Pages cost the same number of SQL statements for a cohort of 20 participants as for one of 500 (no N+1).

One world per size, built once in a single test (building 500 participants is the slow part), then every core
page is requested as the person who uses it, and the statement counts are compared page by page.
"""

import sqlalchemy as sa

from app.attendance.models import Attendance, AttendanceSource
from app.extensions import db
from app.learning.models import Commitment, ReadingProgress
from app.notes import service as notes
from tests.conftest import counted_queries

PASSWORD = "correct horse battery"


def build_world(make_running_cohort, place_in_rooms, trainer, groups: int, size: int):
    world = make_running_cohort((size,) * groups, trainer=trainer, started_days_ago=3)
    place_in_rooms(world, size=5)
    cohort, first = world.cohort, world.cohort.sessions[0]
    readings = first.course_session.readings
    progress, commitments, attendance = [], [], []
    for index, participant in enumerate(world.participants):
        if participant.user is None:
            continue
        if index % 2 == 0:
            progress.append({"user_id": participant.user.id, "cohort_id": cohort.id, "reading_id": readings[0].id})
        commitments.append(
            {"user_id": participant.user.id, "cohort_id": cohort.id, "cohort_session_id": first.id, "text": "Call two."}
        )
        attendance.append(
            {
                "cohort_session_id": first.id,
                "membership_id": participant.membership.id,
                "present": index % 5 != 0,
                "source": AttendanceSource.CHECKLIST,
            }
        )
    for model, rows in ((ReadingProgress, progress), (Commitment, commitments), (Attendance, attendance)):
        db.session.execute(sa.insert(model), rows)
    member = world.groups[0].members[1]
    page = notes.open_note(db.session, member, cohort.id, first.id, _room_of(world, member).id)
    for version in range(3):
        notes.save_note(db.session, member, page.note, f"Revision {version + 1}: **our map**", version)
    notes.set_shared(db.session, member, page.note, True)
    db.session.commit()
    return world, member, page.room


def _room_of(world, user):
    from app.breakouts.service import room_of

    membership = next(p.membership for p in world.participants if p.user and p.user.id == user.id)
    return room_of(db.session, world.cohort, world.cohort.sessions[0], membership.id)


def pages_of(world, member, room) -> dict[str, tuple[str, str | None]]:
    """Page name -> (URL, who requests it: "member", "trainer" or None for anonymous)."""
    cohort, first = world.cohort, world.cohort.sessions[0]
    reading = first.course_session.readings[0]
    return {
        "catalogue": ("/", None),
        "cohort page": (f"/cohorts/{cohort.id}", None),
        "API cohort": (f"/api/v1/cohorts/{cohort.id}", None),
        "calendar feed": (f"/cohorts/{cohort.id}/calendar.ics", None),
        "participant home": ("/home", "member"),
        "reading page": (f"/cohorts/{cohort.id}/readings/{reading.slug}", "member"),
        "room notes": (f"/cohorts/{cohort.id}/sessions/{first.id}/rooms/{room.id}/notes", "member"),
        "report-back board": (f"/cohorts/{cohort.id}/sessions/{first.id}/board", "trainer"),
        "registration board": (f"/cohorts/{cohort.id}/registrations", "trainer"),
        "breakout page": (f"/cohorts/{cohort.id}/breakouts", "trainer"),
        "attendance page": (f"/cohorts/{cohort.id}/attendance", "trainer"),
        "reading progress": (f"/cohorts/{cohort.id}/readings", "trainer"),
        "roster CSV": (f"/cohorts/{cohort.id}/roster.csv", "trainer"),
        "breakouts CSV": (f"/cohorts/{cohort.id}/breakouts.csv", "trainer"),
        "breakouts roster CSV": (f"/cohorts/{cohort.id}/breakouts/roster.csv", "trainer"),
        "attendance CSV": (f"/cohorts/{cohort.id}/attendance.csv", "trainer"),
    }


def count_pages(app, world, member, room, trainer) -> dict[str, int]:
    # What rendering costs: a cached public page would cost nothing whatever its queries (tests/core/test_page_cache)
    app.config["PUBLIC_PAGE_CACHE"] = False
    clients = {None: app.test_client(), "member": app.test_client(), "trainer": app.test_client()}
    for who, user in (("member", member), ("trainer", trainer)):
        assert clients[who].submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    counts = {}
    for name, (url, who) in pages_of(world, member, room).items():
        clients[who].get(url)  # once to warm what is loaded once per process (course library, zone list)
        db.session.expire_all()
        with counted_queries() as counter:
            response = clients[who].get(url)
        assert response.status_code == 200, f"{name}: {url} answered {response.status_code}"
        assert counter.count > 0, f"{name}: no statement counted, so nothing would be compared"
        counts[name] = counter.count
    return counts


def test_every_core_page_takes_the_same_queries_for_20_or_500_participants(
    app, make_running_cohort, place_in_rooms, make_user
):
    trainer = make_user(email="trainer@example.org")
    small = count_pages(app, *build_world(make_running_cohort, place_in_rooms, trainer, 2, 10), trainer)
    large = count_pages(app, *build_world(make_running_cohort, place_in_rooms, trainer, 50, 10), trainer)
    grew = {name: (small[name], large[name]) for name in small if large[name] != small[name]}
    assert not grew, f"pages whose SQL statements grow with the cohort (20 -> 500 participants): {grew}"
