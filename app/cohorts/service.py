"""Cohort rules: scheduling a run of a course at exact instants computed in the host's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts.models import User
from app.cohorts.models import Cohort, CohortSession, CohortStatus
from app.courses.models import Course
from app.lib.errors import DomainError
from app.lib.time import LocalTimeError, is_valid_timezone, local_to_utc


@dataclass(frozen=True)
class SessionPlan:
    """One session as the trainer enters it: a wall-clock start in the host zone and its two parts."""

    local_start: datetime
    plenary_minutes: int
    breakout_minutes: int
    title: str = ""


def _instant(local: datetime, tz_name: str, field: str) -> datetime:
    try:
        return local_to_utc(local, tz_name)
    except LocalTimeError as exc:
        raise DomainError(str(exc), field=field) from None


def schedule_cohort(
    session: so.Session,
    *,
    course: Course,
    label: str,
    host_timezone: str,
    sessions: list[SessionPlan],
    deadline_local: datetime,
    capacity: int,
    min_group_size: int | None = None,
    opens_local: datetime | None = None,
    status: CohortStatus = CohortStatus.DRAFT,
    trainers: list[User] = (),
    video_url: str | None = None,
) -> Cohort:
    """Create a cohort whose session instants are computed one by one from the host's local times.

    Raises DomainError (with the field concerned) for an unknown zone, a local time skipped or repeated by a
    daylight-saving change, sessions out of order or overlapping, a deadline not before the first session,
    a capacity below one group, or a minimum group size below the course's.
    """
    if not is_valid_timezone(host_timezone):
        raise DomainError(_("'%(zone)s' is not a time zone we know.", zone=host_timezone), field="host_timezone")
    if not (label or "").strip():
        raise DomainError(_("Give the cohort a label, such as “October 2026”."), field="label")
    if not sessions:
        raise DomainError(_("A cohort needs at least one session."), field="sessions")
    min_group_size = min_group_size or course.min_group_size
    if min_group_size < course.min_group_size:
        raise DomainError(
            _("The minimum group size cannot be below the course's %(n)s.", n=course.min_group_size),
            field="min_group_size",
        )
    if capacity < min_group_size:
        raise DomainError(
            _("Capacity must leave room for at least one group of %(n)s.", n=min_group_size), field="capacity"
        )
    outline = list(course.sessions)
    rows: list[CohortSession] = []
    for index, plan in enumerate(sessions):
        starts_at = _instant(plan.local_start, host_timezone, f"sessions-{index}")
        if rows and starts_at < rows[-1].ends_at:
            raise DomainError(
                _("Session %(n)s starts before session %(p)s ends.", n=index + 1, p=index), field=f"sessions-{index}"
            )
        template = outline[index] if index < len(outline) else None
        title = plan.title or (template.title if template else _("Session %(n)s", n=index + 1))
        rows.append(
            CohortSession(
                starts_at=starts_at,
                plenary_minutes=plan.plenary_minutes,
                breakout_minutes=plan.breakout_minutes,
                course_session=template,
                title=title,
            )
        )
    deadline = _instant(deadline_local, host_timezone, "deadline")
    if deadline >= rows[0].starts_at:
        raise DomainError(_("The registration deadline must be before the first session."), field="deadline")
    opens = _instant(opens_local, host_timezone, "opens") if opens_local else None
    if opens and opens >= deadline:
        raise DomainError(_("Registration must open before its deadline."), field="opens")
    cohort = Cohort(
        course=course,
        label=label.strip(),
        host_timezone=host_timezone,
        status=status,
        registration_opens_at=opens,
        registration_deadline_at=deadline,
        capacity=capacity,
        min_group_size=min_group_size,
        video_url=video_url or None,
        sessions=rows,
        trainers=list(trainers),
    )
    session.add(cohort)
    session.flush()
    return cohort
