"""The home page serves what a cohort's participants see alike from each worker's cohort snapshot. Two promises:
nobody is ever shown another person's group, room, progress or commitments from it, and a trainer's change shows
on the very next page, without waiting for any cache to expire."""

import re
from datetime import timedelta

import sqlalchemy as sa

from app.cohorts.snapshot import cohort_snapshots
from app.courses.models import Reading
from app.extensions import db
from app.learning import commitments, readings
from app.lib.time import now_utc
from tests.conftest import Auth, without_csrf_tokens
from tests.learning.test_views import _page


def _room_names(html: str) -> list[str]:
    members = re.search(r'<ul class="room-members">(.*?)</ul>', html, re.S)
    assert members, "no room on the page"
    return [re.sub(r"<[^>]+>.*", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", members.group(1), re.S)]


def test_two_participants_served_from_a_warm_snapshot_each_see_only_their_own(app, make_running_cohort, make_rooms):
    world = make_running_cohort((3, 3), started_days_ago=3)
    make_rooms(world, size=3)  # the first group in Room 1, the second in Room 2
    ana, bo = world.groups[0].members[1], world.groups[1].members[1]
    readings.mark_read(
        db.session,
        ana,
        world.cohort,
        db.session.scalar(sa.select(Reading).where(Reading.slug == "the-art-of-the-one-on-one")),
    )
    commitments.record_commitment(db.session, ana, world.cohort, "Ana will phone the tenants committee")
    commitments.record_commitment(db.session, bo, world.cohort, "Bo will book the hall")
    db.session.commit()

    browsers = {}
    for person in (ana, bo):  # each in their own browser, signed in before anyone opens a page
        browsers[person.email] = app.test_client()
        Auth(browsers[person.email]).login(person.email)
    first_ana = _page(browsers[ana.email], "/home")  # builds the cohort's snapshot
    bo_page = _page(browsers[bo.email], "/home")  # served from it
    ana_page = _page(browsers[ana.email], "/home")
    assert len(app.extensions["cohort_snapshots"]) == 1  # one snapshot served all three pages

    # the warm snapshot gives Ana the very page she had (less the CSRF token, signed with the second it was made)
    assert without_csrf_tokens(first_ana) == without_csrf_tokens(ana_page)
    assert _room_names(ana_page) == [p.name for p in world.groups[0].members]
    assert _room_names(bo_page) == [p.name for p in world.groups[1].members]
    assert "Room 1" in ana_page and "Room 2" not in ana_page
    assert "Room 2" in bo_page and "Room 1" not in bo_page
    assert f"With {world.groups[0].group.name}." in ana_page and world.groups[1].group.name not in ana_page
    assert f"With {world.groups[1].group.name}." in bo_page and world.groups[0].group.name not in bo_page
    assert "phone the tenants committee" in ana_page and "book the hall" not in ana_page
    assert "book the hall" in bo_page and "tenants" not in bo_page
    assert "1 of 1 read" in ana_page and "0 of 1 read" in bo_page


def test_a_trainers_change_shows_on_the_next_page_whatever_the_snapshot(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    member = world.groups[0].members[1]
    auth.login(member.email)
    second = world.cohort.sessions[1]
    assert second.title in _page(client, "/home")

    second.title = "Mapping who holds power in our town"
    world.cohort.video_url = "https://meet.example.org/new-room"
    second.starts_at = now_utc() + timedelta(minutes=10)
    db.session.commit()
    html = _page(client, "/home")
    assert "Mapping who holds power in our town" in html
    assert "https://meet.example.org/new-room" in html  # the session now starts within the video link's window


def test_snapshots_are_per_language_and_content_version(app, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    cohort_id = world.cohort.id
    english = cohort_snapshots(db.session, [cohort_id], "en")[cohort_id]
    assert cohort_snapshots(db.session, [cohort_id], "en")[cohort_id] is english  # served from the store
    spanish = cohort_snapshots(db.session, [cohort_id], "es")[cohort_id]
    assert (english.course.title, spanish.course.title) == ("Organizing Fundamentals", "Fundamentos de la organización")
    assert spanish.sessions[0].title != english.sessions[0].title  # the session's title, translated
    world.cohort.label = "Autumn circle"
    db.session.commit()
    fresh = cohort_snapshots(db.session, [cohort_id], "en")[cohort_id]
    assert fresh is not english and fresh.label == "Autumn circle"
