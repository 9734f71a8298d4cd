"""Course library rules: syncing the Markdown files into the database, and what the public pages show."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts import events as account_events
from app.accounts.models import User
from app.accounts.service import find_user_by_email
from app.audit.service import record
from app.courses import events as course_events
from app.courses.loader import CourseData, Library
from app.courses.models import Course, CourseSession, Reading, course_trainers
from app.courses.translations import fully_translated_courses, replace_translations
from app.lib.errors import DomainError, NotFound
from app.lib.markdown import render_document
from app.lib.time import now_utc


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.archived or self.restored)

    def lines(self) -> list[str]:
        out = [
            f"{verb} {slug}"
            for verb, slugs in (
                ("created", self.created),
                ("updated", self.updated),
                ("restored", self.restored),
                ("archived", self.archived),
            )
            for slug in slugs
        ]
        if not self.changed:
            out.append(f"No changes: {len(self.unchanged)} course(s) already up to date.")
        return out


def _apply_readings(course: Course, data: CourseData) -> dict[str, Reading]:
    """Update readings in place by slug so their ids (and people's progress on them) survive edits."""
    existing = {r.slug: r for r in course.readings}
    wanted = {r.slug for r in data.readings}
    for slug, reading in existing.items():
        if slug not in wanted:
            course.readings.remove(reading)
    by_slug: dict[str, Reading] = {}
    for item in data.readings:
        reading = existing.get(item.slug) or Reading(slug=item.slug)
        if reading.id is None:
            course.readings.append(reading)
        document = render_document(item.body)
        reading.title = item.title
        reading.estimated_minutes = item.estimated_minutes
        reading.attribution = item.attribution
        reading.body_html = str(document.html)
        reading.toc_html = str(document.toc) if document.headings >= 3 else ""
        reading.is_pre_meeting = item.slug == data.pre_meeting_reading
        reading.discussion_questions = item.discussion_questions
        by_slug[item.slug] = reading
    return by_slug


def _apply_sessions(course: Course, data: CourseData, readings: dict[str, Reading]) -> None:
    """Update sessions in place by slug, so scheduled cohorts keep pointing at the same outline rows."""
    existing = {s.slug: s for s in course.sessions}
    wanted = {s.slug for s in data.sessions}
    for slug, session in existing.items():
        if slug not in wanted:
            course.sessions.remove(session)
    # Positions are unique per course: move the kept rows out of the way before renumbering.
    for offset, session in enumerate(course.sessions):
        session.position = 1000 + offset
    db_session = so.object_session(course)
    if db_session is not None:
        db_session.flush()
    for item in data.sessions:
        session = existing.get(item.slug) or CourseSession(slug=item.slug)
        if session.id is None:
            course.sessions.append(session)
        session.position = item.position
        session.title = item.title
        session.plenary_minutes = item.plenary_minutes
        session.breakout_minutes = item.breakout_minutes
        session.body_html = str(render_document(item.body).html)
        session.readings = [readings[slug] for slug in item.reading_slugs]
        session.breakout_prompts = item.breakout_prompts


def _apply_course(course: Course, data: CourseData) -> None:
    course.title = data.title
    course.level = data.level
    course.summary = data.summary
    course.description_html = str(render_document(data.description).html)
    course.language = data.language
    course.min_group_size = data.min_group_size
    course.accepts_equivalent_experience = data.accepts_equivalent_experience
    course.prerequisite_share = data.prerequisite_share
    course.completion_min_sessions = data.completion_min_sessions
    course.content_hash = data.content_hash
    course.synced_at = now_utc()
    readings = _apply_readings(course, data)
    _apply_sessions(course, data, readings)
    db_session = so.object_session(course)
    if db_session is not None:
        replace_translations(db_session, course, data)


def sync_library(session: so.Session, library: Library) -> SyncReport:
    """Make the database mirror the course files. Running it twice changes nothing the second time.

    A course whose folder disappeared is archived (hidden from the catalogue, kept for its cohorts), never
    deleted. Raises DomainError when the library has problems: nothing is written then.
    """
    if not library.ok:
        raise DomainError(f"The course library has {len(library.problems)} problem(s); run 'flask courses check'.")
    report = SyncReport()
    courses = {
        c.slug: c
        for c in session.scalars(
            sa.select(Course).options(
                so.selectinload(Course.readings),
                so.selectinload(Course.sessions).selectinload(CourseSession.readings),
                so.selectinload(Course.prerequisites),
            )
        )
    }
    for data in library.courses:
        course = courses.get(data.slug)
        if course is None:
            course = Course(slug=data.slug, readings=[], sessions=[], prerequisites=[])
            session.add(course)
            courses[data.slug] = course
            _apply_course(course, data)
            report.created.append(data.slug)
        elif course.content_hash != data.content_hash:
            _apply_course(course, data)
            report.updated.append(data.slug)
        elif not course.is_archived:
            report.unchanged.append(data.slug)
        if course.is_archived:
            course.archived_at = None
            report.restored.append(data.slug)
    for data in library.courses:
        course = courses[data.slug]
        if {c.slug for c in course.prerequisites} != set(data.prerequisites):
            course.prerequisites = [courses[slug] for slug in data.prerequisites]
    present = {data.slug for data in library.courses}
    for slug, course in courses.items():
        if slug not in present and not course.is_archived:
            course.archived_at = now_utc()
            report.archived.append(slug)
    session.flush()
    return report


def courses_in_language(session: so.Session, language: str) -> set[int]:
    """Ids of the courses people can take in `language`: written in it, fully translated into it, or with a
    cohort working in it (cohorts answer `courses_in_language_asked`)."""
    ids = set(session.scalars(sa.select(Course.id).where(Course.language == language)))
    ids |= fully_translated_courses(session, language)
    for _receiver, answer in course_events.courses_in_language_asked.send(language, session=session):
        ids |= set(answer or ())
    return ids


def list_catalogue(session: so.Session, language: str | None = None) -> list[Course]:
    """Courses open to the public, core courses first, with what the catalogue shows loaded up front; only those
    people can take in `language` when one is given."""
    query = sa.select(Course)
    if language:
        query = query.where(Course.id.in_(courses_in_language(session, language)))
    return list(
        session.scalars(
            query.where(Course.archived_at.is_(None))
            .options(so.selectinload(Course.sessions), so.selectinload(Course.prerequisites))
            .order_by(sa.case((Course.level == "core", 0), else_=1), Course.title)
        )
    )


def get_course_by_slug(session: so.Session, slug: str) -> Course:
    """A course for its public page; archived courses are not found. Raises NotFound."""
    course = session.scalar(
        sa.select(Course)
        .where(Course.slug == slug, Course.archived_at.is_(None))
        .options(
            so.selectinload(Course.sessions).selectinload(CourseSession.readings),
            so.selectinload(Course.readings),
            so.selectinload(Course.prerequisites),
        )
    )
    if course is None:
        raise NotFound("There is no course at this address.")
    return course


def get_reading(session: so.Session, course: Course, reading_slug: str) -> Reading:
    reading = next((r for r in course.readings if r.slug == reading_slug), None)
    if reading is None:
        raise NotFound("This course has no such reading.")
    return reading


def add_course_trainer(session: so.Session, course_slug: str, email: str):
    """Make the account with `email` a trainer of the course (idempotent). Raises DomainError for unknowns."""
    course = session.scalar(sa.select(Course).where(Course.slug == course_slug))
    if course is None:
        raise DomainError(f"no course with slug {course_slug!r}")
    user = find_user_by_email(session, email)
    if user is None:
        raise DomainError(f"no account uses {email}")
    if user not in course.trainers:
        course.trainers.append(user)
        session.flush()
        record(session, None, "course.trainer_added", f"course {course.slug}", trainer=user.email)
    session.flush()
    return course, user


def _trains_any(user: User, session: so.Session) -> bool:
    return (
        session.scalar(
            sa.select(sa.literal(1)).select_from(course_trainers).where(course_trainers.c.user_id == user.id).limit(1)
        )
        is not None
    )


# Accounts asks whether a person is staff (two-step sign-in may be required of staff): training one is enough.
account_events.staff_role_asked.connect(_trains_any, weak=False)
