"""Public pages are cached for signed-out visitors (app/lib/page_cache.py) and never show them stale content: any
change a public page could show is visible on the very next request, and nothing personal is ever cached."""

import sqlalchemy as sa

from app.cohorts.models import Cohort
from app.extensions import db
from app.groups import invitations
from app.groups import service as groups
from app.lib import page_cache
from app.registration import service as registration
from tests.conftest import counted_queries


def public_version() -> int:
    return db.session.scalar(sa.select(page_cache.CacheVersion.version)) or 0


def test_a_visitor_is_served_the_cached_page_without_touching_the_database(app, client, make_cohort):
    app.extensions["page_cache"].recheck_seconds = 600  # however slow the machine, the counter read stays fresh
    cohort = make_cohort(label="Autumn circle")
    first = client.get(f"/cohorts/{cohort.id}")
    assert "Autumn circle" in first.get_data(as_text=True)

    with counted_queries() as counter:
        again = client.get(f"/cohorts/{cohort.id}")
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    assert counter.count == 0  # the counter was read within PUBLIC_CACHE_RECHECK_SECONDS
    assert again.headers["Content-Security-Policy"]  # the usual headers, on a cached answer too


def test_editing_a_cohort_shows_on_the_next_visit(client, make_cohort):
    cohort = make_cohort(label="Autumn circle")
    assert "Autumn circle" in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Autumn circle" in client.get("/api/v1/cohorts").get_data(as_text=True)

    cohort.label = "Winter circle"
    db.session.commit()

    assert "Winter circle" in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Winter circle" in client.get("/api/v1/cohorts").get_data(as_text=True)


def test_a_bulk_update_also_invalidates(client, make_cohort):
    cohort = make_cohort(label="Autumn circle")
    client.get(f"/api/v1/cohorts/{cohort.id}")

    db.session.execute(sa.update(Cohort).where(Cohort.id == cohort.id).values(label="Spring circle"))
    db.session.commit()

    assert client.get(f"/api/v1/cohorts/{cohort.id}").get_json()["label"] == "Spring circle"


def test_a_registration_changes_the_seats_left_at_once(client, make_cohort, make_user):
    cohort = make_cohort("organizing-fundamentals", capacity=40)
    assert "40 seats left of 40" in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)

    coordinator = make_user()
    group = groups.create_group(db.session, coordinator, name="Tenants", organization="Tenants union")
    for _ in range(9):
        invitations.join_with_code(db.session, make_user(), group.join_code)
    db.session.commit()
    member_ids = [m.id for m in group.active_members]
    registration.register_group(db.session, coordinator, group, cohort, member_ids)
    db.session.commit()

    assert "30 seats left of 40" in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)


def test_a_change_made_by_another_worker_is_seen_once_the_counter_is_read_again(app, client, make_cohort):
    cohort = make_cohort(label="Autumn circle")
    client.get(f"/cohorts/{cohort.id}")
    # Another process commits a new label: this process's session events never see it, only the counter moves.
    with db.engine.begin() as other_worker:
        other_worker.execute(sa.update(Cohort.__table__).where(Cohort.id == cohort.id).values(label="Other label"))
        other_worker.execute(
            sa.update(page_cache.CacheVersion.__table__).values(version=page_cache.CacheVersion.version + 1)
        )

    app.extensions["page_cache"].recheck_seconds = 0
    assert "Other label" in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)


def test_private_writes_leave_the_cache_alone(client, make_running_cohort):
    from app.learning.models import ReadingProgress

    world = make_running_cohort((3,))
    version = public_version()
    reading = world.cohort.sessions[0].course_session.readings[0]
    member = world.participants[0].user
    db.session.add(ReadingProgress(user_id=member.id, cohort_id=world.cohort.id, reading_id=reading.id))
    db.session.commit()
    assert public_version() == version


def test_signed_in_people_never_get_the_visitors_page(client, auth, make_user, make_cohort):
    cohort = make_cohort()
    make_user(email="ana@example.org", name="Ana Organizer")
    client.get(f"/cohorts/{cohort.id}")
    client.get("/")

    auth.login("ana@example.org")
    for page in (f"/cohorts/{cohort.id}", "/"):
        text = client.get(page).get_data(as_text=True)
        assert "Log out" in text
        assert "Log in" not in text

    auth.logout()  # the message "You are logged out." waits in the session: the page must show it
    assert "You are logged out." in client.get("/").get_data(as_text=True)


def test_the_visitors_time_zone_and_language_get_their_own_copies(client, make_cohort):
    cohort = make_cohort(tz="Europe/London")
    london = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    client.set_cookie("tz", "Asia/Tokyo")
    tokyo = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert london != tokyo
    assert "Asia/Tokyo".replace("_", " ") in tokyo or "Tokyo" in tokyo


def test_a_page_that_sets_cookies_is_not_cached(client, make_cohort):
    cohort = make_cohort()
    for _ in range(2):
        response = client.get(f"/cohorts/{cohort.id}?tz=America/Lima")
        assert "tz=America/Lima" in response.headers.get("Set-Cookie", "")


def test_a_browser_revalidates_with_its_etag(client, make_cohort):
    cohort = make_cohort()
    first = client.get(f"/cohorts/{cohort.id}/calendar.ics")
    assert first.headers["ETag"]

    again = client.get(f"/cohorts/{cohort.id}/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_errors_are_not_cached(client, make_cohort):
    cohort = make_cohort()
    assert client.get("/api/v1/cohorts?colour=red").status_code == 400
    assert client.get(f"/cohorts/{cohort.id + 1000}").status_code == 404
    assert client.get("/api/v1/cohorts").status_code == 200


def _every_public_page(app) -> list[str]:
    """An address of every public page of the demo world (the test below fails when a public view is added)."""
    from app.cohorts.models import CohortStatus
    from app.courses.models import Course, Reading

    cohorts = db.session.scalars(sa.select(Cohort).where(Cohort.status != CohortStatus.DRAFT)).all()
    reading = db.session.scalars(sa.select(Reading)).first()
    course = db.session.get(Course, reading.course_id)
    pages = ["/", f"/courses/{course.slug}", f"/courses/{course.slug}/readings/{reading.slug}", "/api/v1/courses"]
    pages += [f"/api/v1/courses/{course.slug}", "/api/v1/cohorts", "/api/v1/openapi.json"]
    for cohort in cohorts:
        pages += [f"/cohorts/{cohort.id}", f"/cohorts/{cohort.id}/calendar.ics", f"/api/v1/cohorts/{cohort.id}"]
    public_endpoints = {name for name, view in app.view_functions.items() if getattr(view, "public_page", False)}
    assert public_endpoints == {app.url_map.bind("localhost").match(page.split("?")[0])[0] for page in pages}, (
        "a public page was added or removed: list it here"
    )
    return pages


def test_public_pages_read_no_table_the_cache_treats_as_private(app, client, demo_world):
    """The cache ignores writes to PRIVATE_TABLES; that is only right while no public page reads them."""
    import re

    app.config["PUBLIC_PAGE_CACHE"] = False
    pages = _every_public_page(app)
    private = re.compile(r"\b(" + "|".join(sorted(page_cache.PRIVATE_TABLES - {"cache_versions"})) + r")\b")
    for page in pages:
        with counted_queries() as counter:
            assert client.get(page).status_code == 200, page
        read = {table for statement in counter.statements for table in private.findall(statement)}
        assert not read, f"{page} reads {read}"


def test_public_pages_show_no_column_the_cache_treats_as_private(app, client, demo_world):
    """The cache ignores ORM changes to PRIVATE_COLUMNS alone; that is only right while no public page shows them:
    change every such column of every person, and every public page stays byte for byte the same."""
    import re
    from datetime import timedelta

    from app.accounts.models import User
    from app.lib.time import now_utc

    app.config["PUBLIC_PAGE_CACHE"] = False
    pages = _every_public_page(app)

    def shown(page: str) -> bytes:  # a calendar's DTSTAMP is the time it was made, not something it shows
        return re.sub(rb"DTSTAMP:[0-9TZ]+", b"DTSTAMP:-", client.get(page).get_data())

    before = {page: shown(page) for page in pages}
    version = public_version()
    changed = {
        "email_confirmed_at": now_utc() - timedelta(days=400),
        "last_login_at": now_utc() - timedelta(days=3),
        "locale": "pt_BR",
        "password_hash": "scrypt:changed",
        "recovery_code_hashes": ["changed"],
        "session_version": 99,
        "timezone": "Pacific/Auckland",
        "totp_enabled_at": now_utc(),
        "totp_last_step": 12345,
        "totp_secret": "JBSWY3DPEHPK3PXP",
    }
    assert set(changed) == page_cache.PRIVATE_COLUMNS["users"]
    for user in db.session.scalars(sa.select(User)):
        for column, value in changed.items():
            setattr(user, column, value)
    db.session.commit()
    assert public_version() == version  # the cached pages were kept…
    assert {page: shown(page) for page in pages} == before  # …and rightly so


def test_signing_in_keeps_the_cached_pages(client, auth, make_user, make_cohort):
    make_cohort()
    make_user(email="ana@example.org")
    version = public_version()
    assert auth.login("ana@example.org").status_code == 302
    assert public_version() == version


def test_renaming_a_person_still_invalidates(make_user):
    ana = make_user(email="ana@example.org", name="Ana Organizer")
    version = public_version()
    ana.name = "Ana María Organizer"
    db.session.commit()
    assert public_version() == version + 1
