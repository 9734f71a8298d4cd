import re

import sqlalchemy as sa

from app.courses.models import Reading
from app.extensions import db
from app.learning import commitments, readings
from app.learning.models import Commitment, CommitmentStatus, ReadingProgress

SECRET = "Visit the **depot** before dawn"


def _reading(slug: str) -> Reading:
    return db.session.scalar(sa.select(Reading).where(Reading.slug == slug))


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


# Home ---------------------------------------------------------------------------------------------------------


def test_home_needs_a_login(client):
    response = client.get("/home")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_home_explains_itself_to_people_without_a_confirmed_cohort(client, auth, make_user):
    make_user(email="new@example.org")
    auth.login("new@example.org")
    html = _page(client, "/home")
    assert "Nothing to prepare yet" in html
    assert 'href="/groups"' in html and 'href="/"' in html


def test_home_shows_the_next_session_countdown_readings_and_room(client, auth, make_running_cohort, make_rooms):
    world = make_running_cohort((4,), started_days_ago=3)
    world.cohort.video_url = "https://meet.example.org/circle"
    plan = make_rooms(world, size=4)
    member = world.groups[0].members[1]
    readings.mark_read(db.session, member, world.cohort, _reading("the-art-of-the-one-on-one"))
    db.session.commit()
    auth.login(member.email)
    html = _page(client, "/home")
    assert "Next: session 2 of 3" in html
    assert world.cohort.sessions[1].title in html
    assert re.search(r"Starts in 3 days, 23 hours\.|Starts in 4 days\.", html)
    assert "(UTC)" in html  # the time is named with the person's zone
    assert "https://meet.example.org/circle" not in html  # days before the session: not yet
    assert "The video link will appear here from" in html
    assert "1 of 1 read" in html and '<progress id="progress-' in html
    assert f'href="/cohorts/{world.cohort.id}/readings/the-art-of-the-one-on-one"' in html
    assert "Room 1" in html
    for person in world.groups[0].members:
        assert person.name in html
    second = world.cohort.sessions[1]
    assert f'href="/cohorts/{world.cohort.id}/sessions/{second.id}/rooms/{plan.rooms[0].id}/notes"' in html


def test_home_during_a_session_says_so_and_shows_the_video_link(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=0)  # session 1 began just now
    world.cohort.video_url = "https://meet.example.org/circle"
    db.session.commit()
    auth.login(world.groups[0].members[1].email)
    html = _page(client, "/home")
    assert "Happening now: session 1 of 3" in html
    assert 'href="https://meet.example.org/circle"' in html


def test_home_countdown_works_without_script_and_carries_what_the_script_needs(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    auth.login(world.groups[0].members[1].email)
    html = _page(client, "/home")
    countdown = re.search(r'<p class="countdown"[^>]*>([^<]*)</p>', html)
    assert countdown.group(1).startswith("Starts in ")
    assert f'data-countdown="{world.cohort.sessions[1].starts_at.isoformat()}"' in html
    assert re.search(r'src="/static/js/learning\.js(\?v=\w+)?"', html) and "<script>" not in html


# Commitments over HTTP ----------------------------------------------------------------------------------------


def _record(client, auth, world, person, text=SECRET):
    auth.login(person.email)
    prefix = f"commit-{world.cohort.id}"
    return client.submit(
        f"/cohorts/{world.cohort.id}/commitments", {f"{prefix}-text": text, f"{prefix}-submit": "1"}, page="/home"
    )


def test_a_participant_records_a_commitment_and_sees_it_rendered(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    owner = world.groups[0].members[1]
    response = _record(client, auth, world, owner)
    assert response.status_code == 302 and response.headers["Location"].startswith("/home")
    html = _page(client, "/home")
    assert "Visit the <strong>depot</strong> before dawn" in html
    assert db.session.scalar(sa.select(Commitment.user_id)) == owner.id


def test_an_empty_commitment_is_refused_on_the_page(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    response = _record(client, auth, world, world.groups[0].members[1], text="   ")
    assert response.status_code == 422
    assert "Write what you will do." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)) == 0


def test_an_over_long_commitment_is_refused_and_the_text_kept(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    text = "word " * 300
    response = _record(client, auth, world, world.groups[0].members[1], text=text)
    assert response.status_code == 422
    assert text.strip() in response.get_data(as_text=True)


def test_nobody_else_sees_a_commitments_text(client, auth, make_running_cohort, make_user):
    world = make_running_cohort((3,), started_days_ago=3)
    group = world.groups[0]
    owner = group.members[1]
    _record(client, auth, world, owner)
    admin = make_user(email="admin@example.org", is_admin=True)
    pages = {
        group.members[2].email: ["/home"],
        group.coordinator.email: ["/home", f"/cohorts/{world.cohort.id}/groups/{group.group.id}/commitments"],
        world.trainer.email: [f"/cohorts/{world.cohort.id}/readings"],
        admin.email: ["/home", f"/cohorts/{world.cohort.id}/groups/{group.group.id}/commitments"],
    }
    for email, urls in pages.items():
        auth.logout()
        auth.login(email)
        for url in urls:
            html = _page(client, url)
            assert "depot" not in html, (email, url)


def test_the_coordinator_summary_counts_without_names(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    group = world.groups[0]
    owner = group.members[1]
    commitment = commitments.record_commitment(db.session, owner, world.cohort, SECRET)
    commitments.check_in(db.session, owner, commitment.id, "done", "Went well")
    commitments.record_commitment(db.session, group.members[2], world.cohort, "Another")
    db.session.commit()
    auth.login(group.coordinator.email)
    html = _page(client, f"/cohorts/{world.cohort.id}/groups/{group.group.id}/commitments")
    row = re.search(r"Session 1:.*?</tr>", html, re.S).group(0)
    cells = re.findall(r"<td>([^<]*)</td>", row)
    assert cells == ["2 of 3", "2", "1", "1", "0", "0"]
    assert owner.name not in html and "Went well" not in html and "Another" not in html


def test_the_commitments_summary_is_closed_to_participants_and_trainers(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    group = world.groups[0]
    url = f"/cohorts/{world.cohort.id}/groups/{group.group.id}/commitments"
    for person in (group.members[1], world.trainer):
        auth.login(person.email)
        assert client.get(url).status_code == 403
        auth.logout()


def test_the_owner_checks_in_from_the_home_page(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    owner = world.groups[0].members[1]
    commitment = commitments.record_commitment(db.session, owner, world.cohort, SECRET)
    db.session.commit()
    auth.login(owner.email)
    prefix = f"checkin-{commitment.id}"
    response = client.submit(
        f"/commitments/{commitment.id}/check-in",
        {f"{prefix}-status": "dropped", f"{prefix}-reflection": "No time this week", f"{prefix}-submit": "1"},
        page="/home",
    )
    assert response.status_code == 302
    db.session.expire_all()
    checked = db.session.get(Commitment, commitment.id)
    assert checked.status == CommitmentStatus.DROPPED and checked.reflection == "No time this week"
    assert "No time this week" in _page(client, "/home")


def test_a_check_in_without_a_status_is_refused_on_the_page(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    owner = world.groups[0].members[1]
    commitment = commitments.record_commitment(db.session, owner, world.cohort, SECRET)
    db.session.commit()
    auth.login(owner.email)
    prefix = f"checkin-{commitment.id}"
    response = client.submit(f"/commitments/{commitment.id}/check-in", {f"{prefix}-reflection": "Hmm"}, page="/home")
    assert response.status_code == 422
    assert "Choose done, in progress or dropped." in response.get_data(as_text=True)
    assert db.session.get(Commitment, commitment.id).status == CommitmentStatus.OPEN


def test_nobody_else_can_check_in(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    group = world.groups[0]
    commitment = commitments.record_commitment(db.session, group.members[1], world.cohort, SECRET)
    db.session.commit()
    for person in (group.members[2], group.coordinator, world.trainer):
        auth.login(person.email)
        prefix = f"checkin-{commitment.id}"
        response = client.submit(
            f"/commitments/{commitment.id}/check-in",
            {f"{prefix}-status": "done", f"{prefix}-submit": "1"},
            page="/home",
        )
        assert response.status_code == 403
        assert "depot" not in response.get_data(as_text=True)
        auth.logout()
    assert db.session.get(Commitment, commitment.id).status == CommitmentStatus.OPEN


# Reading page -------------------------------------------------------------------------------------------------


def _reading_url(world, slug="the-art-of-the-one-on-one"):
    return f"/cohorts/{world.cohort.id}/readings/{slug}"


def test_the_reading_page_shows_the_text_questions_and_print_styles(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    auth.login(world.groups[0].members[1].email)
    html = _page(client, _reading_url(world))
    reading = _reading("the-art-of-the-one-on-one")
    assert reading.body_html[:200] in html
    assert reading.discussion_questions and reading.discussion_questions[0] in html
    assert reading.attribution in html
    assert "Read before session 2" in html
    assert "Mark as read" in html
    assert re.search(r'href="/static/css/print\.css(\?v=\w+)?" media="print"', html) and "data-print" in html


def test_the_reading_page_loads_the_course_heading_with_the_cohort(client, auth, make_running_cohort, count_queries):
    """The course's title, summary and language come with the cohort: no query per column the heading shows."""
    world = make_running_cohort((3,), started_days_ago=3)
    auth.login(world.groups[0].members[1].email)
    _page(client, _reading_url(world))
    with count_queries() as counted:
        _page(client, _reading_url(world))
    from_courses = [s for s in counted.statements if s.lstrip().upper().startswith("SELECT COURSES.")]
    assert from_courses == [], from_courses


def test_a_participant_marks_a_reading_read_with_a_private_note_and_unread(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    member = world.groups[0].members[1]
    auth.login(member.email)
    url = _reading_url(world)
    response = client.submit(url + "/read", {"comment": "<b>Ask</b> about Tuesday", "submit": "1"}, page=url)
    assert response.status_code == 302 and response.headers["Location"] == url
    html = _page(client, url)
    assert "You marked this as read." in html
    assert "&lt;b&gt;Ask&lt;/b&gt; about Tuesday" in html and "<b>Ask</b>" not in html
    assert "1 of 1 read" in _page(client, "/home")
    response = client.submit(url + "/unread", {"unread-submit": "1"}, page=url)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReadingProgress)) == 0
    assert "0 of 1 read" in _page(client, "/home")


def test_an_over_long_reading_note_is_refused_and_kept(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    auth.login(world.groups[0].members[1].email)
    url = _reading_url(world)
    note = "long " * 200
    response = client.submit(url + "/read", {"comment": note, "submit": "1"}, page=url)
    assert response.status_code == 422
    assert note.strip() in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReadingProgress)) == 0


def test_a_reading_of_another_course_is_not_found(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    auth.login(world.groups[0].members[1].email)
    assert client.get(_reading_url(world, "what-we-mean-by-power")).status_code == 404
    assert client.get(_reading_url(world, "no-such-reading")).status_code == 404


def test_the_reading_page_is_closed_to_outsiders(client, auth, make_running_cohort, make_user):
    world = make_running_cohort((3,), started_days_ago=3)
    make_user(email="outsider@example.org")
    auth.login("outsider@example.org")
    assert client.get(_reading_url(world)).status_code == 403
    response = client.submit(_reading_url(world) + "/read", {"comment": "", "submit": "1"}, page="/home")
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReadingProgress)) == 0


def test_trainers_read_without_marking(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    auth.login(world.trainer.email)
    html = _page(client, _reading_url(world))
    assert "Mark as read" not in html
    assert f'href="/cohorts/{world.cohort.id}/readings"' in html


# Trainer progress ---------------------------------------------------------------------------------------------


def test_trainers_see_reading_progress_per_group(client, auth, make_running_cohort):
    world = make_running_cohort((4, 3), started_days_ago=3)
    stories = _reading("why-we-tell-our-stories")
    for member in world.groups[0].members[:1]:
        readings.mark_read(db.session, member, world.cohort, stories)
    db.session.commit()
    auth.login(world.trainer.email)
    html = _page(client, f"/cohorts/{world.cohort.id}/readings")
    first_group = re.search(rf"{world.groups[0].group.name}.*?</tr>", html, re.S).group(0)
    assert "1 of 4" in first_group and "25%" in first_group
    whole = re.search(r"Whole cohort.*?</tr>", html, re.S).group(0)
    assert "1 of 7" in whole and "14%" in whole
    assert '<th scope="col">' in html and '<th scope="row">' in html


def test_reading_progress_is_for_trainers(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    for person in (world.groups[0].members[1], world.groups[0].coordinator):
        auth.login(person.email)
        assert client.get(f"/cohorts/{world.cohort.id}/readings").status_code == 403
        auth.logout()


# Query counts -------------------------------------------------------------------------------------------------


def _world_with_activity(make_running_cohort, make_rooms, sizes):
    world = make_running_cohort(sizes, started_days_ago=3)
    make_rooms(world, size=sizes[0])
    for group in world.groups:
        for member in group.members:
            readings.mark_read(db.session, member, world.cohort, _reading("the-art-of-the-one-on-one"))
            readings.mark_read(db.session, member, world.cohort, _reading("why-we-tell-our-stories"))
        for member in group.members[1:]:
            commitments.record_commitment(db.session, member, world.cohort, "Call three neighbours")
    db.session.commit()
    return world


def test_pages_load_in_a_constant_number_of_queries(client, auth, make_running_cohort, make_rooms, count_queries):
    counts = []
    for sizes in ((20,), (20, 20, 20)):
        world = _world_with_activity(make_running_cohort, make_rooms, sizes)
        group = world.groups[0]
        urls = {
            group.members[1].email: ["/home", _reading_url(world)],
            world.trainer.email: [f"/cohorts/{world.cohort.id}/readings"],
            group.coordinator.email: [f"/cohorts/{world.cohort.id}/groups/{group.group.id}/commitments"],
        }
        measured = []
        for email, pages in urls.items():
            auth.login(email)
            for url in pages:
                db.session.expire_all()
                with count_queries() as counted:
                    assert client.get(url).status_code == 200
                measured.append(counted.count)
            auth.logout()
        counts.append(measured)
    assert counts[0] == counts[1]


def test_the_home_page_stays_light(client, auth, make_running_cohort, make_rooms):
    world = _world_with_activity(make_running_cohort, make_rooms, (30,))
    auth.login(world.groups[0].members[1].email)
    assert len(client.get("/home").data) < 100_000


def test_home_links_to_the_certificates_of_completed_cohorts(client, make_running_cohort):
    from app.attendance.completion import run_completion
    from app.attendance.models import Attendance, AttendanceSource

    world = make_running_cohort((3,), started_days_ago=30)
    for cohort_session in world.cohort.sessions:
        for participant in world.participants:
            db.session.add(
                Attendance(
                    cohort_session_id=cohort_session.id,
                    membership_id=participant.membership.id,
                    present=True,
                    source=AttendanceSource.CHECKLIST,
                )
            )
    db.session.commit()
    run_completion(db.session, world.cohort)
    db.session.commit()
    member = world.groups[0].members[1]
    assert client.submit("/login", {"email": member.email, "password": "correct horse battery"}).status_code == 302
    page = client.get("/home").get_data(as_text=True)
    assert "Your certificates" in page and f"/cohorts/{world.cohort.id}/certificate" in page
    assert client.get(f"/cohorts/{world.cohort.id}/certificate").status_code == 200
