"""Demo cohorts that have already begun: a completed core cohort and an advanced cohort under way.

Registration only happens before a deadline, so these cohorts are scheduled in the future, registered the way a
coordinator would, and then moved back in time as a whole (deadline and sessions together).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.models import User
from app.attendance import demo as attendance_demo
from app.breakouts import demo as breakouts_demo
from app.cohorts.models import Cohort, CohortStatus
from app.cohorts.scheduling import SessionPlan, schedule_cohort
from app.courses.models import Course
from app.groups.models import Group
from app.learning import demo as learning_demo
from app.lib.time import now_utc
from app.notes import demo as notes_demo
from app.registration.pre_meetings import log_pre_meeting
from app.registration.service import register_group, review_evidence

COMPLETED_LABEL = "Spring circle · completed"

# Two more groups in the running cohort, from other organizations, countries and languages.
RUNNING_GROUPS = [
    # group, organization, country, languages, zone, the language its people use Plenary in, coordinator, members
    (
        "Hotel housekeepers' committee",
        "Hospitality Workers United, Local 11",
        "US",
        "en, es",
        "America/Los_Angeles",
        "es",
        "Maribel Ortega",
        [
            "Grace Kim",
            "Teresa Gutiérrez",
            "Nadia Haddad",
            "Luz Herrera",
            "Bich Ngoc Tran",
            "Sandra Flores",
            "Amina Yusuf",
            "Rosa Elena Díaz",
            "Joy Santos",
        ],
    ),
    (
        "Garment workers' study group",
        "Sommilito Garment Sramik Federation",
        "BD",
        "bn, en",
        "Asia/Dhaka",
        "en",
        "Shirin Akter",
        [
            "Rahima Begum",
            "Nasima Khatun",
            "Taslima Akter",
            "Jesmin Ara",
            "Kulsum Begum",
            "Farzana Islam",
            "Morium Khatun",
            "Shahana Parvin",
            "Ruma Das",
        ],
    ),
]
RUNNING_ATTESTATIONS = {
    "Hotel housekeepers' committee": (
        "Our committee organized the **housekeepers of four hotels** in 2023–24: one-on-ones in every department, "
        "a committee of fourteen, and a campaign that won panic buttons and a room quota."
    ),
    "Garment workers' study group": (
        "Since 2021 our federation has built factory committees in Ashulia through house visits and study circles; "
        "this group led the 2024 campaign for the back wages of 600 workers."
    ),
}

RUNNING_LABEL = "November circle · under way"


def _schedule(
    session: so.Session, course: Course, label: str, zone: str, trainer: User, first: date, hour: time, **extra
) -> Cohort:
    plans = [
        SessionPlan(datetime.combine(first + timedelta(weeks=i), hour), s.plenary_minutes, s.breakout_minutes)
        for i, s in enumerate(course.sessions)
    ]
    return schedule_cohort(
        session,
        course=course,
        label=label,
        host_timezone=zone,
        sessions=plans,
        deadline_local=datetime.combine(first - timedelta(days=7), time(23, 59)),
        capacity=extra.pop("capacity", 60),
        status=CohortStatus.OPEN,
        trainers=[trainer],
        **extra,
    )


def _move_back(cohort: Cohort, days_ago: int, status: CohortStatus) -> None:
    """Move the cohort so that its first session was `days_ago` days ago, at the same time of day."""
    shift = timedelta(days=(now_utc().date() - timedelta(days=days_ago) - cohort.sessions[0].starts_at.date()).days)
    for cohort_session in cohort.sessions:
        cohort_session.starts_at += shift
    cohort.registration_deadline_at += shift
    if cohort.registration_opens_at is not None:
        cohort.registration_opens_at += shift
    cohort.status = status


def completed_core_cohort(session: so.Session, report, trainer: User, transit: Group) -> Cohort | None:
    """Last spring's core cohort: the Transit circle took part, attendance was recorded, completions followed."""
    course = session.scalar(sa.select(Course).where(Course.slug == "organizing-fundamentals"))
    if course is None or session.scalar(sa.select(Cohort).where(Cohort.label == COMPLETED_LABEL)):
        return None
    first = now_utc().date() + timedelta(weeks=3)
    cohort = _schedule(session, course, COMPLETED_LABEL, "America/Mexico_City", trainer, first, time(18, 0))
    register_group(session, transit.coordinators[0].user, transit, cohort, [m.id for m in transit.active_members])
    session.flush()
    _move_back(cohort, 200, CohortStatus.RUNNING)
    session.flush()
    report.lines.append(f"created completed cohort {COMPLETED_LABEL!r} of {course.title}")
    attendance_demo.populate_completed(session, cohort, report)
    return cohort


def running_cohort(
    session: so.Session, report, trainer: User, transit: Group, make_person: Callable, make_group: Callable
) -> Cohort | None:
    """The advanced course under way: session 1 was nine days ago, session 2 two days ago, session 3 is next."""
    course = session.scalar(sa.select(Course).where(Course.slug == "power-and-participation"))
    if course is None or session.scalar(sa.select(Cohort).where(Cohort.label == RUNNING_LABEL)):
        return None
    groups = [transit]
    for name, organization, country, languages, zone, profile_language, coordinator_name, members in RUNNING_GROUPS:
        coordinator = make_person(coordinator_name, zone)
        people = [make_person(member, zone) for member in members]
        for person in (coordinator, *people):
            person.locale = profile_language
        groups.append(make_group(name, organization, country, languages, coordinator, people))
    first = now_utc().date() + timedelta(weeks=3)
    cohort = _schedule(
        session,
        course,
        RUNNING_LABEL,
        "America/Mexico_City",
        trainer,
        first,
        time(9, 0),
        video_url="https://meet.example.org/plenary-autumn-circle",
    )
    pre_meetings = []
    for group in groups:
        coordinator = group.coordinators[0].user
        registration = register_group(
            session,
            coordinator,
            group,
            cohort,
            [m.id for m in group.active_members],
            attestation=RUNNING_ATTESTATIONS.get(group.name),
        )
        if registration.evidence is not None:
            review_evidence(session, trainer, registration, approve=True)
        session.flush()
        meeting = log_pre_meeting(
            session,
            coordinator,
            registration,
            held_on=now_utc().date() - timedelta(days=1),
            attendance=len(group.active_members) - 1,
            notes="We read the preface together and agreed what we want from the course.",
        )
        pre_meetings.append(meeting)
        report.lines.append(f"registered {group.name!r} in the running cohort: {registration.status}")
    session.flush()
    _move_back(cohort, 9, CohortStatus.RUNNING)
    for meeting in pre_meetings:  # logged "yesterday" while the cohort was in the future; now before session 1
        meeting.held_on = (cohort.sessions[0].starts_at - timedelta(days=5)).date()
    session.flush()
    report.lines.append(f"created running cohort {RUNNING_LABEL!r} of {course.title}")
    # Each learning area keeps its demo state beside its service; rooms first, then what happens in them.
    for area in (breakouts_demo, learning_demo, notes_demo, attendance_demo):
        area.populate(session, cohort, report)
        session.flush()
    return cohort
