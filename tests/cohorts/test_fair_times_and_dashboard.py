"""Time-zone-fair start times for trainers, and the trainer dashboard."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.cohorts import times
from app.cohorts.models import Cohort
from app.demo.data import DEMO_PASSWORD, load_demo
from app.demo.learning import RUNNING_LABEL
from app.extensions import db
from app.lib.errors import DomainError
from app.lib.time import to_local
from app.registration import board, participants
from tests.conftest import counted_queries

# Early October 2026: Los Angeles is UTC-7, Berlin UTC+2, Manila UTC+8 (no daylight-saving time).
PEOPLE = ["America/Los_Angeles"] * 3 + ["Europe/Berlin"] * 2 + ["Asia/Manila"]


def test_fair_start_times_count_who_has_the_whole_session_between_7_and_22():
    options = times.fair_start_times(PEOPLE, host_timezone="UTC", on=date(2026, 10, 3), minutes=120)
    assert len(options) == 48 and all(o.total == 6 for o in options)
    # Los Angeles and Berlin both fit from 14:00 UTC (07:00 / 16:00) to 18:00 UTC (11:00 / 20:00, ends 22:00).
    best = [o.host_start.strftime("%H:%M") for o in options if o.fits == 5]
    assert best == ["14:00", "14:30", "15:00", "15:30", "16:00", "16:30", "17:00", "17:30", "18:00"]
    assert options[0].host_start.strftime("%H:%M") == "14:00"
    by_time = {o.host_start.strftime("%H:%M"): o.fits for o in options}
    assert by_time["00:00"] == 4  # 17:00 in Los Angeles, 08:00 in Manila, 02:00 in Berlin
    assert by_time["18:30"] == 3  # Berlin would end at 22:30
    assert [o.fits for o in options] == sorted((o.fits for o in options), reverse=True)


def test_fair_start_times_follow_the_host_zones_clock_on_that_date():
    # New York on the day its clocks skip 02:00-03:00: those start times are left out, and 10:00 is UTC-4.
    options = times.fair_start_times(
        ["Europe/London"], host_timezone="America/New_York", on=date(2027, 3, 14), minutes=60
    )
    starts = {o.host_start.strftime("%H:%M") for o in options}
    assert len(options) == 46 and "02:00" not in starts and "02:30" not in starts
    fits = {o.host_start.strftime("%H:%M"): o.fits for o in options}
    assert fits["17:00"] == 1 and fits["17:30"] == 0  # 21:00-22:00 in London (still GMT), then too late


def test_pasted_zone_lists_take_head_counts_and_name_the_bad_line():
    assert times.parse_zone_list("Asia/Manila 12\n\nEurope/Berlin\nAfrica/Lagos, 2\n") == (
        ["Asia/Manila"] * 12 + ["Europe/Berlin"] + ["Africa/Lagos"] * 2
    )
    with pytest.raises(DomainError) as caught:
        times.parse_zone_list("Asia/Manila\nAtlantis/Capital 3")
    assert caught.value.field == "zones" and "Line 2, “Atlantis/Capital 3”" in caught.value.message
    with pytest.raises(DomainError):
        times.parse_zone_list("Asia/Manila lots")
    with pytest.raises(DomainError):
        times.parse_zone_list("  \n")


@pytest.fixture
def demo(app, synced_courses):
    load_demo(db.session)
    db.session.commit()
    return db.session.scalar(sa.select(Cohort).where(Cohort.label == RUNNING_LABEL))


def login(client, email):
    assert client.submit("/login", {"email": email, "password": DEMO_PASSWORD}).status_code == 302


def test_trainer_sees_fair_times_for_registered_participants_or_pasted_zones(client, demo):
    login(client, "trainer@plenary.example")
    page = client.get(f"/cohorts/{demo.id}/fair-times").get_data(as_text=True)
    zones, unknown = participants.participant_zones(db.session, demo)
    assert len(zones) >= 10 and unknown >= 1  # the Transit group's roster includes people with no account
    assert f"Based on {len(zones)} people." in page and "<svg" in page
    assert page.count('<th scope="row">') == 48
    pasted = client.get(
        f"/cohorts/{demo.id}/fair-times", query_string={"zones": "America/Los_Angeles 3\nEurope/Berlin 2\nAsia/Manila"}
    )
    text = pasted.get_data(as_text=True)
    assert pasted.status_code == 200 and "Based on 6 people." in text and "5 of 6" in text
    first_row = re.search(r'<th scope="row">(\d\d:\d\d)', text).group(1)
    # London host, 3 October-ish: whatever the date, the best row is the one that suits the most people.
    assert first_row in {
        o.host_start.strftime("%H:%M")
        for o in times.fair_start_times(
            times.parse_zone_list("America/Los_Angeles 3\nEurope/Berlin 2\nAsia/Manila"),
            host_timezone=demo.host_timezone,
            on=to_local(demo.sessions[0].starts_at, demo.host_timezone).date(),
            minutes=demo.sessions[0].plenary_minutes + demo.sessions[0].breakout_minutes,
        )[:1]
    }
    bad = client.get(f"/cohorts/{demo.id}/fair-times", query_string={"zones": "Nowhere/Special"})
    assert bad.status_code == 400 and 'id="zones-error"' in bad.get_data(as_text=True)
    assert "Nowhere/Special" in bad.get_data(as_text=True)  # what they typed is kept


def test_people_who_do_not_train_the_cohort_cannot_see_fair_times(client, demo):
    login(client, "lucia@plenary.example")
    assert client.get(f"/cohorts/{demo.id}/fair-times").status_code == 403


def test_dashboard_lists_the_trainers_cohorts_with_groups_and_next_session(client, demo):
    from app.accounts.models import User

    trainer = db.session.scalar(sa.select(User).where(User.email == "trainer@plenary.example"))
    rows = board.trainer_dashboard(db.session, trainer)
    trained = {c.id for c in db.session.scalars(sa.select(Cohort)) if trainer in c.trainers}
    assert {r.cohort.id for r in rows} == trained and len(trained) == 4  # all but the pilot, which Kwame trains
    row = next(r for r in rows if r.cohort.id == demo.id)
    assert row.groups == 3 and row.next_session.id == demo.sessions[2].id
    starts = [r.next_session.starts_at for r in rows if r.next_session]  # the completed cohort has none
    assert starts == sorted(starts)
    # After the first session has begun, the next one is the second.
    later = board.trainer_dashboard(db.session, trainer, at=demo.sessions[0].starts_at)
    assert next(r for r in later if r.cohort.id == demo.id).next_session.id == demo.sessions[1].id
    login(client, "trainer@plenary.example")
    page = client.get("/trainer").get_data(as_text=True)
    assert demo.label in page and f"/cohorts/{demo.id}/fair-times" in page
    assert "(Africa/Lagos)" in page  # the trainer's own zone


def count_queries(action) -> int:
    with counted_queries() as counter:
        action()
    return counter.count


def test_dashboard_and_private_feed_take_the_same_queries_for_one_cohort_or_many(client, auth, make_user, make_cohort):
    trainer = make_user(email="t@example.org")
    make_cohort(trainers=[trainer])
    db.session.commit()
    auth.login("t@example.org")
    client.submit("/calendar/reset", page="/calendar")
    feed = re.search(r'(/calendar/[^"]+\.ics)"', client.get("/calendar").get_data(as_text=True)).group(1)

    def pages():
        assert client.get("/trainer").status_code == 200
        assert client.get(feed).status_code == 200
        assert client.get("/calendar").status_code == 200

    pages()  # warm caches
    one = count_queries(pages)
    for n in range(4):
        make_cohort(label=f"More {n}", trainers=[trainer])
    db.session.commit()
    db.session.expire_all()
    assert count_queries(pages) == one
