"""Scheduling: exact instants from local times, across daylight-saving changes on several continents."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.cohorts import scheduling
from app.cohorts.models import CohortSession, CohortStatus
from app.courses.models import Course
from app.extensions import db
from app.lib.errors import DomainError, Forbidden


@pytest.fixture
def course(synced_courses):
    return db.session.scalar(sa.select(Course).where(Course.slug == "organizing-fundamentals"))


def schedule(course, tz, starts, deadline=None, **kwargs):
    plans = [scheduling.SessionPlan(start, 60, 45) for start in starts]
    return scheduling.schedule_cohort(
        db.session,
        course=course,
        label="Test",
        host_timezone=tz,
        sessions=plans,
        deadline_local=deadline or datetime(starts[0].year, starts[0].month, 1, 0, 0)
        if starts[0].day > 1
        else datetime(2020, 1, 1),
        capacity=30,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("tz", "starts", "utc"),
    [
        # Los Angeles: weekly 10:00 across the November change (PDT -> PST).
        (
            "America/Los_Angeles",
            [datetime(2026, 10, 24, 10), datetime(2026, 10, 31, 10), datetime(2026, 11, 7, 10)],
            ["2026-10-24T17:00", "2026-10-31T17:00", "2026-11-07T18:00"],
        ),
        # London: the October change falls between sessions (BST -> GMT).
        (
            "Europe/London",
            [datetime(2026, 10, 17, 15), datetime(2026, 10, 24, 15), datetime(2026, 10, 31, 15)],
            ["2026-10-17T14:00", "2026-10-24T14:00", "2026-10-31T15:00"],
        ),
        # Sydney: the southern spring change in October (AEST -> AEDT), and the UTC date is the day before.
        (
            "Australia/Sydney",
            [datetime(2026, 9, 26, 9), datetime(2026, 10, 3, 9), datetime(2026, 10, 10, 9)],
            ["2026-09-25T23:00", "2026-10-02T23:00", "2026-10-09T22:00"],
        ),
        # Santiago: southern change in September (CLT -> CLST).
        (
            "America/Santiago",
            [datetime(2026, 8, 29, 18), datetime(2026, 9, 5, 18), datetime(2026, 9, 12, 18)],
            ["2026-08-29T22:00", "2026-09-05T22:00", "2026-09-12T21:00"],
        ),
        # Nairobi: no daylight-saving time; the evening session is on the same UTC day.
        (
            "Africa/Nairobi",
            [datetime(2026, 10, 24, 19), datetime(2026, 10, 31, 19), datetime(2026, 11, 7, 19)],
            ["2026-10-24T16:00", "2026-10-31T16:00", "2026-11-07T16:00"],
        ),
    ],
)
def test_each_session_keeps_its_local_time_for_the_host(course, tz, starts, utc):
    cohort = schedule(course, tz, starts, deadline=datetime(2026, 8, 1, 12))
    db.session.commit()
    db.session.expire_all()
    stored = [s.starts_at for s in db.session.scalars(sa.select(CohortSession).order_by(CohortSession.starts_at))]
    assert [s.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") for s in stored] == utc
    assert cohort.sessions[0].course_session.title  # rows prefilled from the course outline


def test_a_skipped_local_time_is_refused_naming_the_hour(course):
    with pytest.raises(DomainError) as caught:
        schedule(course, "America/Los_Angeles", [datetime(2027, 3, 14, 2, 30)], deadline=datetime(2027, 3, 1, 9))
    assert caught.value.field == "sessions-0"
    assert "2027-03-14 02:30 does not exist in America/Los_Angeles" in caught.value.message


def test_a_repeated_local_time_is_refused_naming_the_hour(course):
    with pytest.raises(DomainError) as caught:
        schedule(course, "Europe/Berlin", [datetime(2026, 10, 25, 2, 30)], deadline=datetime(2026, 10, 1, 9))
    assert "2026-10-25 02:30 happens twice in Europe/Berlin" in caught.value.message


def test_an_ambiguous_deadline_is_refused_too(course):
    with pytest.raises(DomainError) as caught:
        schedule(course, "America/New_York", [datetime(2026, 11, 7, 10)], deadline=datetime(2026, 11, 1, 1, 30))
    assert caught.value.field == "deadline"


def test_unknown_zone_is_refused(course):
    with pytest.raises(DomainError) as caught:
        schedule(course, "Mars/Olympus_Mons", [datetime(2026, 11, 7, 10)], deadline=datetime(2026, 11, 1, 9))
    assert caught.value.field == "host_timezone"


def test_sessions_out_of_order_or_overlapping_are_refused(course):
    with pytest.raises(DomainError, match="must be in order"):
        schedule(
            course, "UTC", [datetime(2026, 11, 7, 10), datetime(2026, 11, 7, 11)], deadline=datetime(2026, 11, 1, 9)
        )
    with pytest.raises(DomainError, match="must be in order"):
        schedule(
            course, "UTC", [datetime(2026, 11, 14, 10), datetime(2026, 11, 7, 10)], deadline=datetime(2026, 11, 1, 9)
        )


def test_deadline_must_come_before_the_first_session(course):
    with pytest.raises(DomainError) as caught:
        schedule(course, "UTC", [datetime(2026, 11, 7, 10)], deadline=datetime(2026, 11, 7, 10))
    assert caught.value.field == "deadline"


def test_minimum_group_size_can_be_raised_not_lowered(course):
    with pytest.raises(DomainError) as caught:
        schedule(course, "UTC", [datetime(2026, 11, 7, 10)], deadline=datetime(2026, 11, 1, 9), min_group_size=2)
    assert caught.value.field == "min_group_size"
    cohort = schedule(course, "UTC", [datetime(2026, 11, 7, 10)], deadline=datetime(2026, 11, 1, 9), min_group_size=6)
    assert cohort.min_group_size == 6


def test_only_course_trainers_and_admins_schedule(course, make_user):
    with pytest.raises(Forbidden):
        schedule(course, "UTC", [datetime(2026, 11, 7, 10)], deadline=datetime(2026, 11, 1, 9), actor=make_user())
    trainer = make_user()
    course.trainers.append(trainer)
    assert schedule(course, "UTC", [datetime(2026, 11, 7, 10)], deadline=datetime(2026, 11, 1, 9), actor=trainer)


def test_editing_keeps_session_identities_and_bumps_the_sequence_of_changed_ones(course, make_user):
    admin = make_user(is_admin=True)
    starts = [datetime(2036, 11, 7, 10), datetime(2036, 11, 14, 10), datetime(2036, 11, 21, 10)]
    cohort = schedule(course, "UTC", starts, deadline=datetime(2036, 11, 1, 9))
    db.session.commit()
    ids = [s.id for s in cohort.sessions]
    plan = scheduling.plan_of(cohort)
    plan.sessions[1] = replace(plan.sessions[1], local_start=datetime(2036, 11, 14, 12))
    plan.status = CohortStatus.OPEN
    scheduling.update_cohort(db.session, admin, cohort, plan)
    db.session.commit()
    assert [s.id for s in cohort.sessions] == ids
    assert [s.sequence for s in cohort.sessions] == [0, 1, 0]
    assert cohort.sessions[1].starts_at.hour == 12 and cohort.status == CohortStatus.OPEN


def test_capacity_cannot_drop_below_seats_taken(course, make_user):
    admin = make_user(is_admin=True)
    cohort = schedule(course, "UTC", [datetime(2026, 11, 7, 10)], deadline=datetime(2026, 11, 1, 9))
    cohort.seats_taken = 12
    plan = scheduling.plan_of(cohort)
    plan.capacity = 10
    with pytest.raises(DomainError) as caught:
        scheduling.update_cohort(db.session, admin, cohort, plan)
    assert caught.value.field == "capacity"
