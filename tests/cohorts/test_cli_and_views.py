"""`flask cohorts schedule`, the scheduling form, and the public cohort page."""

from datetime import UTC

import sqlalchemy as sa

from app.cohorts.models import Cohort
from app.courses.models import Course
from app.extensions import db


def test_schedule_command_prints_the_new_id_and_computes_instants(runner, synced_courses, make_user):
    make_user(email="amara@example.org")
    result = runner.invoke(
        args=[
            "cohorts",
            "schedule",
            "--course",
            "power-and-participation",
            "--label",
            "October 2026",
            "--tz",
            "America/Los_Angeles",
            "--session",
            "2026-10-17T10:00",
            "--session",
            "2026-10-24T10:00",
            "--session",
            "2026-11-07T10:00",
            "--deadline",
            "2026-10-01T23:59",
            "--capacity",
            "80",
            "--status",
            "open",
            "--trainer",
            "amara@example.org",
        ]
    )
    assert result.exit_code == 0, result.output
    cohort = db.session.get(Cohort, int(result.output.strip()))
    assert [s.starts_at.astimezone(UTC).strftime("%d %H:%M") for s in cohort.sessions] == [
        "17 17:00",
        "24 17:00",
        "07 18:00",
    ]
    assert [(s.plenary_minutes, s.breakout_minutes) for s in cohort.sessions] == [(60, 60)] * 3
    assert cohort.capacity == 80 and cohort.min_group_size == 10 and cohort.status == "open"
    assert [t.email for t in cohort.trainers] == ["amara@example.org"]


def test_schedule_command_explains_each_error_and_exits_1(runner, synced_courses):
    skipped = runner.invoke(
        args=[
            "cohorts",
            "schedule",
            "--course",
            "organizing-fundamentals",
            "--label",
            "X",
            "--tz",
            "Europe/London",
            "--session",
            "2027-03-28T01:30",
            "--deadline",
            "2027-03-01T09:00",
        ]
    )
    assert skipped.exit_code == 1
    assert "--session #1: 2027-03-28 01:30 does not exist in Europe/London" in skipped.output
    unknown = runner.invoke(
        args=[
            "cohorts",
            "schedule",
            "--course",
            "nope",
            "--label",
            "X",
            "--tz",
            "UTC",
            "--session",
            "2027-03-28T10:00",
            "--deadline",
            "2027-03-01T09:00",
        ]
    )
    assert unknown.exit_code == 1 and "no course with slug 'nope'" in unknown.output
    malformed = runner.invoke(
        args=[
            "cohorts",
            "schedule",
            "--course",
            "organizing-fundamentals",
            "--label",
            "X",
            "--tz",
            "UTC",
            "--session",
            "next Saturday",
            "--deadline",
            "2027-03-01T09:00",
        ]
    )
    assert malformed.exit_code != 0 and "is not a local date and time" in malformed.output
    assert db.session.scalar(sa.select(sa.func.count(Cohort.id))) == 0


def form_data(**overrides):
    data = {
        "label": "Spring 2027",
        "host_timezone": "America/Mexico_City",
        "sessions-0-date": "2027-04-03",
        "sessions-0-start": "10:00",
        "sessions-0-plenary_minutes": "60",
        "sessions-0-breakout_minutes": "45",
        "sessions-1-date": "2027-04-10",
        "sessions-1-start": "10:00",
        "sessions-1-plenary_minutes": "60",
        "sessions-1-breakout_minutes": "45",
        "sessions-2-date": "2027-04-17",
        "sessions-2-start": "10:00",
        "sessions-2-plenary_minutes": "60",
        "sessions-2-breakout_minutes": "45",
        "deadline_date": "2027-03-20",
        "deadline_time": "23:59",
        "capacity": "40",
        "min_group_size": "3",
        "trainers": "",
        "video_url": "",
        "status": "open",
    }
    data.update(overrides)
    return data


def test_trainer_schedules_with_the_form_prefilled_from_the_outline(client, auth, synced_courses, make_user):
    trainer = make_user(email="trainer@example.org")
    course = db.session.scalar(sa.select(Course).where(Course.slug == "organizing-fundamentals"))
    course.trainers.append(trainer)
    db.session.commit()
    auth.login("trainer@example.org")
    page = client.get("/cohorts/new?course=organizing-fundamentals").get_data(as_text=True)
    assert page.count('name="sessions-') >= 12 and 'value="45"' in page
    response = client.submit("/cohorts/new?course=organizing-fundamentals", form_data(trainers="trainer@example.org"))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    cohort = db.session.scalar(sa.select(Cohort))
    assert cohort.sessions[0].starts_at.astimezone(UTC).hour == 16  # 10:00 in Mexico City (UTC-6)


def test_form_shows_a_daylight_saving_error_on_its_row_and_keeps_the_input(client, auth, synced_courses, make_user):
    make_user(email="admin@example.org", is_admin=True)
    auth.login("admin@example.org")
    response = client.submit(
        "/cohorts/new?course=organizing-fundamentals",
        form_data(
            host_timezone="America/New_York",
            **{"sessions-1-date": "2027-03-14", "sessions-1-start": "02:30", "sessions-2-date": "2027-03-21"},
            **{"sessions-0-date": "2027-03-07", "deadline_date": "2027-03-01"},
        ),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="sessions-1-date-error"' in page
    assert "2027-03-14 02:30 does not exist in America/New_York" in page
    assert 'value="Spring 2027"' in page


def test_people_who_do_not_train_the_course_cannot_schedule_it(client, auth, synced_courses, make_user):
    make_user(email="someone@example.org")
    auth.login("someone@example.org")
    assert client.get("/cohorts/new?course=organizing-fundamentals").status_code == 403
    response = client.submit("/cohorts/new?course=organizing-fundamentals", form_data(), page="/cohorts/new")
    assert response.status_code == 403


def test_a_course_filter_that_is_not_a_slug_offers_the_course_list(client, auth, synced_courses, make_user):
    make_user(email="admin@example.org", is_admin=True)
    auth.login("admin@example.org")
    for course in ("organizing\x00-fundamentals", "\x00", "Organizing Fundamentals"):  # a NUL byte fails PostgreSQL
        response = client.get("/cohorts/new", query_string={"course": course})
        assert response.status_code == 200
        assert 'name="sessions-' not in response.get_data(as_text=True)


def test_cohort_page_shows_viewer_and_host_time(client, make_cohort):
    from datetime import datetime

    cohort = make_cohort(tz="Africa/Johannesburg", first=datetime(2031, 3, 1, 18, 0))
    client.set_cookie("tz", "Asia/Manila")
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Sunday 2 March 2031, 00:00 (Asia/Manila)" in page
    assert "Saturday 1 March 2031, 18:00 (Africa/Johannesburg)" in page


def test_draft_cohorts_are_not_public(client, make_cohort):
    from app.cohorts.models import CohortStatus

    cohort = make_cohort(status=CohortStatus.DRAFT)
    assert client.get(f"/cohorts/{cohort.id}").status_code == 404


def test_a_percent_encoded_zone_cookie_is_understood(client, make_cohort):
    from datetime import datetime

    cohort = make_cohort(tz="Africa/Johannesburg", first=datetime(2031, 3, 1, 18, 0))
    client.set_cookie("tz", "Asia%2FManila")
    assert "(Asia/Manila)" in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)


def test_cohort_page_says_when_the_viewers_day_differs_from_the_hosts(client, make_cohort):
    from datetime import datetime

    cohort = make_cohort(tz="Africa/Johannesburg", first=datetime(2031, 3, 1, 18, 0))
    client.set_cookie("tz", "Asia/Manila")
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Saturday 18:00 in Johannesburg is Sunday 00:00 in Manila." in page
    # The starting-time table covers every continent and flags the day change.
    assert "Find your starting time" in page
    for city in ("Los Angeles", "São Paulo", "Lagos", "Delhi", "Tokyo", "Sydney"):
        assert f'<th scope="row">{city}</th>' in page
    assert 'Sun 00:00 <span class="muted">(another day than the host)</span>' in page


def test_cohort_page_warns_when_a_clock_change_moves_the_viewers_start(client, make_cohort):
    from datetime import datetime

    # Weekly 10:00 in Los Angeles. London leaves summer time on 26 October 2031, Los Angeles on 2 November:
    # London sees 18:00, then 17:00, then 18:00 again.
    cohort = make_cohort(tz="America/Los_Angeles", first=datetime(2031, 10, 25, 10, 0))
    client.set_cookie("tz", "Europe/London")
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert page.count("because a clock changes for daylight-saving time") == 2
    assert "starts at 17:00 your time, not 18:00 like the one before" in page
    assert "starts at 18:00 your time, not 17:00 like the one before" in page


def test_visitors_pick_a_zone_without_javascript_and_it_sticks(client, make_cohort):
    from datetime import datetime

    cohort = make_cohort(tz="Africa/Johannesburg", first=datetime(2031, 3, 1, 18, 0))
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert '<label for="tz" class="label">Show times in</label>' in page and 'method="get"' in page
    response = client.get(f"/cohorts/{cohort.id}?tz=Asia/Tokyo")
    assert "Sunday 2 March 2031, 01:00 (Asia/Tokyo)" in response.get_data(as_text=True)
    assert '<option value="Asia/Tokyo" selected>' in response.get_data(as_text=True)
    cookies = response.headers.getlist("Set-Cookie")
    assert any("tz=Asia/Tokyo" in c for c in cookies) and any("tz_chosen=1" in c for c in cookies)
    assert "Times are shown in Asia/Tokyo." in response.get_data(as_text=True)
    # The next page, without the parameter, stays in Tokyo; a zone we do not know is ignored.
    assert "(Asia/Tokyo)" in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert client.get(f"/cohorts/{cohort.id}?tz=Mars/Base").status_code == 200


def test_deadline_is_shown_in_both_zones_with_the_time_left(client, make_cohort):
    from datetime import datetime

    cohort = make_cohort(tz="America/Bogota", first=datetime(2031, 3, 1, 18, 0), deadline=datetime(2031, 2, 20, 23, 59))
    client.set_cookie("tz", "Europe/Berlin")
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Deadline: Friday 21 February 2031, 05:59 (Europe/Berlin); " in page
    assert "for the host, Thursday 20 February 2031, 23:59 (America/Bogota)." in page
    assert "Closes in " in page and "years" in page


def test_time_left_counts_down_and_says_when_it_has_passed():
    from datetime import UTC, datetime

    from app.cohorts.times import time_left

    deadline = datetime(2031, 2, 20, 12, 0, tzinfo=UTC)
    assert time_left(deadline, at=datetime(2031, 2, 8, 12, 0, tzinfo=UTC)) == "Closes in 12 days."
    assert time_left(deadline, at=datetime(2031, 2, 20, 9, 0, tzinfo=UTC)) == "Closes in 3 hours."
    assert time_left(deadline, at=deadline) == "The deadline has passed."


def test_signed_in_people_are_offered_their_browsers_zone(client, auth, make_cohort, make_user):
    from app.accounts.models import User

    cohort = make_cohort()
    make_user(email="sam@example.org", timezone="Europe/London")
    auth.login("sam@example.org")
    assert "Your browser says" not in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    client.set_cookie("tz", "America/Sao_Paulo")
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Your browser says you are in America/Sao Paulo, but your profile says Europe/London." in page
    assert "(Europe/London)" in page  # the profile still decides until they accept
    response = client.submit(
        f"/cohorts/{cohort.id}/use-browser-timezone", {"timezone": "America/Sao_Paulo"}, page=f"/cohorts/{cohort.id}"
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(User.timezone).where(User.email == "sam@example.org")) == "America/Sao_Paulo"
    assert "Your browser says" not in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)


def test_an_opening_date_without_a_time_is_not_silently_dropped(client, auth, synced_courses, make_user):
    make_user(email="admin@example.org", is_admin=True)
    auth.login("admin@example.org")
    response = client.submit("/cohorts/new?course=organizing-fundamentals", form_data(opens_date="2027-03-01"))
    assert response.status_code == 422
    assert "Give both the date and the time registration opens" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Cohort.id))) == 0
