"""The iCalendar feed, parsed back and compared with the cohort instant by instant."""

from datetime import datetime

from icalendar import Calendar

from app.cohorts import service
from app.extensions import db


def feed(client, cohort):
    response = client.get(f"/cohorts/{cohort.id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.data)


def events(calendar):
    return [c for c in calendar.walk("VEVENT")]


def test_calendar_has_one_event_per_session_at_the_right_instants(client, make_cohort):
    cohort = make_cohort(tz="America/Los_Angeles", first=datetime(2031, 10, 25, 10, 0))
    parsed = events(feed(client, cohort))
    assert [e.decoded("dtstart") for e in parsed] == [s.starts_at for s in cohort.sessions]
    assert [e.decoded("dtend") for e in parsed] == [s.ends_at for s in cohort.sessions]
    # 10:00 in Los Angeles before and after the November change.
    assert [e.decoded("dtstart").strftime("%H:%M") for e in parsed] == ["17:00", "17:00", "18:00"]  # DST ends 2 Nov
    first = parsed[0]
    assert "Power and Participation (1/3)" in str(first["summary"])
    assert "Plenary for everyone: 60 minutes." in str(first["description"])
    assert "Read before: What we mean by power." in str(first["description"])
    alarm = first.walk("VALARM")[0]
    assert alarm.decoded("trigger").total_seconds() == -3600


def test_uids_do_not_depend_on_the_hostname_used(client, make_cohort):
    cohort = make_cohort()
    one = [
        str(e["uid"])
        for e in Calendar.from_ical(
            client.get(f"/cohorts/{cohort.id}/calendar.ics", base_url="http://a.example").data
        ).walk("VEVENT")
    ]
    two = [
        str(e["uid"])
        for e in Calendar.from_ical(
            client.get(f"/cohorts/{cohort.id}/calendar.ics", base_url="http://b.example").data
        ).walk("VEVENT")
    ]
    assert one == two and one[0].endswith("@plenary.test")


def test_public_feed_never_contains_the_video_link(client, make_cohort):
    cohort = make_cohort()
    cohort.video_url = "https://meet.example.org/secret-room"
    db.session.commit()
    assert b"secret-room" not in client.get(f"/cohorts/{cohort.id}/calendar.ics").data


def test_editing_a_session_keeps_its_uid_and_raises_its_sequence(client, make_cohort, make_user):
    cohort = make_cohort(first=datetime(2031, 3, 1, 15, 0))
    before = {str(e["uid"]): int(e["sequence"]) for e in events(feed(client, cohort))}
    plan = service.plan_of(cohort)
    plan.sessions[2] = service.SessionPlan(datetime(2031, 3, 15, 16, 0), 60, 60)
    service.update_cohort(db.session, make_user(is_admin=True), cohort, plan)
    db.session.commit()
    after = {str(e["uid"]): int(e["sequence"]) for e in events(feed(client, cohort))}
    assert set(after) == set(before)
    assert sorted(after.values()) == [0, 0, 1]


def test_draft_cohorts_have_no_public_feed(client, make_cohort):
    from app.cohorts.models import CohortStatus

    assert client.get(f"/cohorts/{make_cohort(status=CohortStatus.DRAFT).id}/calendar.ics").status_code == 404
