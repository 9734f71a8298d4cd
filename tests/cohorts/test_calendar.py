"""The iCalendar feed, parsed back and compared with the cohort instant by instant."""

from dataclasses import replace
from datetime import datetime

from icalendar import Calendar

from app.cohorts import feeds, scheduling
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
    # Links point at the public address (BASE_URL), not at whatever host the request named.
    data = client.get(f"/cohorts/{cohort.id}/calendar.ics", base_url="http://a.example").data
    assert f"URL:http://plenary.test/cohorts/{cohort.id}".encode() in data and b"a.example" not in data


def test_public_feed_never_contains_the_video_link(client, make_cohort):
    cohort = make_cohort()
    cohort.video_url = "https://meet.example.org/secret-room"
    db.session.commit()
    assert b"secret-room" not in client.get(f"/cohorts/{cohort.id}/calendar.ics").data


def test_editing_a_session_keeps_its_uid_and_raises_its_sequence(client, make_cohort, make_user):
    cohort = make_cohort(first=datetime(2031, 3, 1, 15, 0))
    before = {str(e["uid"]): int(e["sequence"]) for e in events(feed(client, cohort))}
    plan = scheduling.plan_of(cohort)
    plan.sessions[2] = replace(plan.sessions[2], local_start=datetime(2031, 3, 15, 16, 0), plenary_minutes=60)
    scheduling.update_cohort(db.session, make_user(is_admin=True), cohort, plan)
    db.session.commit()
    after = {str(e["uid"]): int(e["sequence"]) for e in events(feed(client, cohort))}
    assert set(after) == set(before)
    assert sorted(after.values()) == [0, 0, 1]


def test_draft_cohorts_have_no_public_feed(client, make_cohort):
    from app.cohorts.models import CohortStatus

    assert client.get(f"/cohorts/{make_cohort(status=CohortStatus.DRAFT).id}/calendar.ics").status_code == 404


def private_feed_url(client, email):
    import re

    from app.demo.data import DEMO_PASSWORD

    assert client.submit("/login", {"email": email, "password": DEMO_PASSWORD}).status_code == 302
    client.submit("/calendar/reset", page="/calendar")  # the address is made on request, never by a GET
    page = client.get("/calendar").get_data(as_text=True)
    url = re.search(r'value="http://[^/"]+(/calendar/[^"]+\.ics)"', page).group(1)
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)})
    return url, page


def test_private_feed_lists_the_persons_cohorts_and_where_the_video_link_appears(app, synced_courses):
    import sqlalchemy as sa

    from app.cohorts.models import Cohort
    from app.demo.data import load_demo

    load_demo(db.session)
    db.session.commit()
    from app.demo.learning import RUNNING_LABEL

    demo = db.session.scalar(sa.select(Cohort).where(Cohort.label == RUNNING_LABEL))
    # A confirmed participant (Transit group): the running cohort, with the video link.
    url, page = private_feed_url(app.test_client(), "jorge.medina@members.example")
    assert demo.label in page
    anonymous = app.test_client()
    response = anonymous.get(url)  # no login: the token is the credential
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    parsed = {str(e["uid"]): e for e in events(Calendar.from_ical(response.data))}
    public_uids = [str(e["uid"]) for e in events(feed(anonymous, demo))]
    assert set(public_uids) <= set(parsed)  # the same events as the public feed, never duplicates
    assert [parsed[uid].decoded("dtstart") for uid in public_uids] == [s.starts_at for s in demo.sessions]
    assert all(
        "Video call: the link appears on http://plenary.test/home from 30 minutes before"
        in str(parsed[u]["description"])
        for u in public_uids
    )
    assert b"meet.example.org" not in response.data  # never the call's address itself
    # A member of a group still waiting (pending): the sessions, but not the link.
    url, _page = private_feed_url(app.test_client(), "priya@plenary.example")
    text = anonymous.get(url).data
    assert b"BEGIN:VEVENT" in text and b"meet.example.org" not in text
    # The trainer sees all the cohorts they train (where to find the link, not the link).
    url, _page = private_feed_url(app.test_client(), "trainer@plenary.example")
    trained = events(Calendar.from_ical(anonymous.get(url).data))
    mine = [
        c for c in db.session.scalars(sa.select(Cohort)) if "trainer@plenary.example" in {t.email for t in c.trainers}
    ]
    assert len(trained) == sum(len(c.sessions) for c in mine)


def test_resetting_the_private_feed_retires_the_old_address(client, auth, make_user):
    import re

    make_user(email="kim@example.org")
    auth.login("kim@example.org")
    first = client.get("/calendar").get_data(as_text=True)
    assert ".ics" not in first and "Make my private calendar address" in first  # nothing is made by looking
    assert client.submit("/calendar/reset", page="/calendar").status_code == 302
    page = client.get("/calendar").get_data(as_text=True)
    old = re.search(r'(/calendar/[^"]+\.ics)"', page).group(1)
    assert old in client.get("/calendar").get_data(as_text=True)  # stable until reset
    assert client.get(old).status_code == 200 and b"BEGIN:VCALENDAR" in client.get(old).data
    assert client.submit("/calendar/reset", page="/calendar").status_code == 302
    new = re.search(r'(/calendar/[^"]+\.ics)"', client.get("/calendar").get_data(as_text=True)).group(1)
    assert new != old
    assert client.get(old).status_code == 404 and client.get(new).status_code == 200


def _feed_text(client, user) -> str:
    token = feeds.reset_feed_token(db.session, user)
    db.session.commit()
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    return response.get_data(as_text=True).replace("\r\n ", "")  # unfold long lines


def test_no_private_feed_carries_the_video_call_address_only_where_it_appears(client, make_running_cohort):
    """The link is shown to confirmed participants from VIDEO_LINK_OPENS_MINUTES before a session until it ends;
    a feed is read at any time by a calendar app, so it only says where and when, to those who may join."""
    world = make_running_cohort((3, 3))
    world.cohort.video_url = "https://meet.example.org/secret-room"
    db.session.commit()
    where = "Video call: the link appears on http://plenary.test/home from 30 minutes before the session starts."
    for person in (world.trainer, world.groups[0].coordinator, world.groups[0].members[1]):
        text = _feed_text(client, person)
        assert "secret-room" not in text and "meet.example.org" not in text
        assert text.count(where) == len(world.cohort.sessions), person.email


def test_people_no_longer_confirmed_get_no_word_of_the_call(client, make_running_cohort, make_user):
    from app.groups import service as groups
    from app.registration.models import RegistrationStatus
    from app.registration.service import withdraw

    world = make_running_cohort((3, 3))
    world.cohort.video_url = "https://meet.example.org/secret-room"
    db.session.commit()
    withdrawn, left = world.groups[0], world.groups[1]
    withdraw(db.session, withdrawn.coordinator, withdrawn.registration)
    db.session.commit()
    assert withdrawn.registration.status == RegistrationStatus.WITHDRAWN
    groups.leave_group(db.session, left.members[1], left.group)
    db.session.commit()
    for person in (withdrawn.coordinator, withdrawn.members[1], left.members[1]):
        text = _feed_text(client, person)
        assert "secret-room" not in text and "Video call" not in text and "BEGIN:VEVENT" not in text
    assert "Video call" in _feed_text(client, left.members[2])  # still confirmed


def test_the_private_feed_is_in_its_owners_language_whatever_the_calendar_app_asks(app, synced_courses):
    import sqlalchemy as sa
    from flask_babel import force_locale, ngettext

    from app.accounts.models import User
    from app.demo.data import load_demo

    load_demo(db.session)
    db.session.execute(sa.update(User).where(User.email == "jorge.medina@members.example").values(locale="es"))
    db.session.commit()
    url, _page = private_feed_url(app.test_client(), "jorge.medina@members.example")
    response = app.test_client().get(url, headers={"Accept-Language": "en"})  # the calendar app's own language
    descriptions = [str(e["description"]) for e in events(Calendar.from_ical(response.data))]
    english = ngettext("Plenary for everyone: %(num)s minute.", "Plenary for everyone: %(num)s minutes.", 60)
    with force_locale("es"):
        spanish = ngettext("Plenary for everyone: %(num)s minute.", "Plenary for everyone: %(num)s minutes.", 60)
    assert spanish != english, "the Spanish catalogue does not translate the calendar yet"
    assert any(spanish in d for d in descriptions)
    assert not any("Plenary for everyone" in d for d in descriptions)
