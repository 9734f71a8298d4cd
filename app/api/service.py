"""The public read-only API: documents built from courses and cohorts, with no private data."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.cohorts.models import Cohort, CohortStatus
from app.courses.front_matter import SLUG_RE
from app.courses.models import Course
from app.courses.service import get_course_by_slug, list_catalogue
from app.lib.errors import NotFound

PUBLIC_STATUSES = (CohortStatus.OPEN, CohortStatus.CLOSED, CohortStatus.RUNNING)


def utc(instant: datetime | None) -> str | None:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if instant else None


def course_document(course: Course, *, full: bool = False) -> dict:
    document = {
        "slug": course.slug,
        "title": course.title,
        "level": course.level,
        "summary": course.summary,
        "language": course.language,
        "min_group_size": course.min_group_size,
        "prerequisites": [p.slug for p in course.prerequisites],
        "accepts_equivalent_experience": course.accepts_equivalent_experience,
        "sessions": len(course.sessions),
    }
    if full:
        document["sessions"] = [
            {
                "number": s.position,
                "title": s.title,
                "plenary_minutes": s.plenary_minutes,
                "breakout_minutes": s.breakout_minutes,
                "readings": [r.slug for r in s.readings],
            }
            for s in course.sessions
        ]
        document["readings"] = [
            {"slug": r.slug, "title": r.title, "estimated_minutes": r.estimated_minutes}
            for r in course.readings_in_order
        ]
    return document


def cohort_document(cohort: Cohort) -> dict:
    return {
        "id": cohort.id,
        "label": cohort.label,
        "course": cohort.course.slug,
        "host_time_zone": cohort.host_timezone,
        "registration_deadline": utc(cohort.registration_deadline_at),
        "capacity": cohort.capacity,
        "seats_left": cohort.seats_left,
        "min_group_size": cohort.min_group_size,
        "status": cohort.status.value,
        "sessions": [
            {
                "number": n,
                "title": s.title,
                "starts_at": utc(s.starts_at),
                "ends_at": utc(s.ends_at),
                "plenary_minutes": s.plenary_minutes,
                "breakout_minutes": s.breakout_minutes,
            }
            for n, s in enumerate(cohort.sessions, start=1)
        ],
    }


def list_courses(session: so.Session) -> list[dict]:
    return [course_document(c) for c in list_catalogue(session)]


def get_course(session: so.Session, slug: str) -> dict:
    try:
        course = get_course_by_slug(session, slug)
    except NotFound:
        raise NotFound(f"No course has the slug {slug!r}.") from None
    return course_document(course, full=True)


def list_cohorts(session: so.Session, course_slug: str | None = None) -> list[dict]:
    """Open and upcoming cohorts (not drafts, not finished), soonest first."""
    query = (
        sa.select(Cohort)
        .join(Course)
        .where(Cohort.status.in_(PUBLIC_STATUSES))
        .options(so.selectinload(Cohort.sessions), so.contains_eager(Cohort.course))
        .order_by(Cohort.registration_deadline_at, Cohort.id)
    )
    if course_slug is not None:
        known = SLUG_RE.fullmatch(course_slug) and session.scalar(
            sa.select(Course.id).where(Course.slug == course_slug)
        )
        if not known:
            raise NotFound(f"Unknown course {course_slug!r} in the 'course' parameter.")
        query = query.where(Course.slug == course_slug)
    return [cohort_document(c) for c in session.scalars(query).unique()]


def get_cohort(session: so.Session, cohort_id: int) -> dict:
    cohort = session.scalar(
        sa.select(Cohort)
        .where(Cohort.id == cohort_id, Cohort.status != CohortStatus.DRAFT)
        .options(so.selectinload(Cohort.sessions), so.joinedload(Cohort.course))
    )
    if cohort is None:
        raise NotFound(f"No public cohort has the id {cohort_id}.")
    return cohort_document(cohort)
