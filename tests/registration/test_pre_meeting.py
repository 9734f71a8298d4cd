"""Pre-meetings: logged by coordinators, shown to trainers, reminded at 7 and 2 days, never twice."""

from datetime import date, datetime, timedelta

import pytest

from app.extensions import db
from app.lib.errors import DomainError, Forbidden
from app.lib.time import now_utc
from app.registration import pre_meetings, service
from app.registration.models import Completion
from tests.conftest import outbox_messages
from tests.registration.conftest import member_ids


@pytest.fixture
def confirmed(make_group, make_cohort):
    """A confirmed group of 10 in an advanced cohort (pre-meeting required) starting in 10 days."""
    cohort = make_cohort(
        "power-and-participation",
        first=datetime.now().replace(microsecond=0) + timedelta(days=10),
        deadline=datetime.now().replace(microsecond=0) + timedelta(days=3),
    )
    group, coordinator = make_group(10)
    core = cohort.course.prerequisites[0]
    for membership in group.active_members[:5]:
        db.session.add(Completion(user_id=membership.user_id, course_id=core.id))
    db.session.commit()
    registration = service.register_group(db.session, coordinator, group, cohort, member_ids(group))
    db.session.commit()
    assert registration.status == "confirmed"
    return registration, coordinator


def reminders():
    return [m for m in outbox_messages() if m.kind == "registration_pre_meeting_reminder"]


def test_coordinator_logs_the_pre_meeting(confirmed):
    registration, coordinator = confirmed
    pre_meetings.log_pre_meeting(
        db.session, coordinator, registration, held_on=date.today(), attendance=9, notes="Good talk."
    )
    assert registration.pre_meeting.attendance == 9


def test_pre_meeting_cannot_be_in_the_future_or_logged_by_others(confirmed, make_user):
    registration, coordinator = confirmed
    with pytest.raises(DomainError) as caught:
        pre_meetings.log_pre_meeting(
            db.session, coordinator, registration, held_on=date.today() + timedelta(days=3), attendance=9
        )
    assert caught.value.field == "held_on"
    with pytest.raises(Forbidden):
        pre_meetings.log_pre_meeting(db.session, make_user(), registration, held_on=date.today(), attendance=9)


def test_reminders_go_out_at_seven_and_two_days_and_never_twice(confirmed):
    registration, _coordinator = confirmed
    first = registration.cohort.first_session_at
    assert pre_meetings.send_pre_meeting_reminders(db.session, first - timedelta(days=8)) == 0
    assert pre_meetings.send_pre_meeting_reminders(db.session, first - timedelta(days=7)) == 1
    assert pre_meetings.send_pre_meeting_reminders(db.session, first - timedelta(days=6)) == 0
    assert pre_meetings.send_pre_meeting_reminders(db.session, first - timedelta(days=2)) == 1
    assert pre_meetings.send_pre_meeting_reminders(db.session, first - timedelta(days=1)) == 0
    db.session.commit()
    assert len(reminders()) == 2


def test_a_late_first_run_sends_one_reminder_not_two(confirmed):
    registration, _coordinator = confirmed
    first = registration.cohort.first_session_at
    assert pre_meetings.send_pre_meeting_reminders(db.session, first - timedelta(days=1)) == 1
    assert pre_meetings.send_pre_meeting_reminders(db.session, first - timedelta(hours=12)) == 0
    assert len(reminders()) == 1


def test_groups_that_logged_their_meeting_get_no_reminder(confirmed):
    registration, coordinator = confirmed
    pre_meetings.log_pre_meeting(db.session, coordinator, registration, held_on=date.today(), attendance=10)
    assert (
        pre_meetings.send_pre_meeting_reminders(db.session, registration.cohort.first_session_at - timedelta(days=2))
        == 0
    )


def test_reminders_command_is_safe_to_repeat(runner, confirmed):
    registration, _ = confirmed
    registration.cohort.sessions[0].starts_at = now_utc() + timedelta(days=5)
    db.session.commit()
    assert "1 reminder(s) queued." in runner.invoke(args=["reminders", "send"]).output
    assert "0 reminder(s) queued." in runner.invoke(args=["reminders", "send"]).output


def test_pre_meeting_form_over_http_and_on_the_board(app, client, confirmed, make_user):
    registration, coordinator = confirmed
    client.submit("/login", {"email": coordinator.email, "password": "correct horse battery"})
    page = client.get(f"/registrations/{registration.id}").get_data(as_text=True)
    assert "Pre-meeting not yet logged" in page
    bad = client.submit(
        f"/registrations/{registration.id}/pre-meeting",
        {"held_on": (date.today() + timedelta(days=2)).isoformat(), "attendance": "8"},
        page=f"/registrations/{registration.id}",
    )
    assert bad.status_code == 422 and 'id="held_on-error"' in bad.get_data(as_text=True)
    good = client.submit(
        f"/registrations/{registration.id}/pre-meeting",
        {"held_on": date.today().isoformat(), "attendance": "8"},
        page=f"/registrations/{registration.id}",
        follow_redirects=True,
    )
    assert f"Pre-meeting held on {date.today().isoformat()} with 8 people." in good.get_data(as_text=True)

    trainer = make_user(is_admin=True)
    board = app.test_client()
    board.submit("/login", {"email": trainer.email, "password": "correct horse battery"})
    page = board.get(f"/cohorts/{registration.cohort_id}/registrations").get_data(as_text=True)
    assert f"{date.today().isoformat()} (8)" in page


def test_incomplete_registrations_hear_about_the_deadline_once(make_group, make_cohort):
    cohort = make_cohort(
        "organizing-fundamentals",
        first=datetime.now().replace(microsecond=0) + timedelta(days=20),
        deadline=datetime.now().replace(microsecond=0) + timedelta(days=10),
    )
    small, coordinator = make_group(2)
    service.register_group(db.session, coordinator, small, cohort, member_ids(small))
    complete, c2 = make_group(3, "Complete")
    service.register_group(db.session, c2, complete, cohort, member_ids(complete))
    db.session.commit()
    deadline = cohort.registration_deadline_at
    assert pre_meetings.send_deadline_reminders(db.session, deadline - timedelta(days=4)) == 0
    assert pre_meetings.send_deadline_reminders(db.session, deadline - timedelta(days=2)) == 1
    assert pre_meetings.send_deadline_reminders(db.session, deadline - timedelta(days=1)) == 0
    db.session.commit()
    (message,) = [m for m in outbox_messages() if m.kind == "registration_deadline_reminder"]
    assert message.to_address == coordinator.email
    assert "2 of 3 members are on the roster." in message.body_text
