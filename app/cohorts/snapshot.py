"""What every participant of a cohort sees alike, built once per worker and handed out frozen.

At a session's start thousands of participants of one cohort open their home page within a minute. Its sessions,
the readings due at each, the course's title and the video link are the same for all of them (in one language),
so each worker keeps a `CohortSnapshot` per cohort, language and public content counter (`content_version`): a
write to any of those tables moves the counter in its own transaction, and the next request builds a fresh
snapshot. A snapshot holds nothing about a person (no group, room, progress or commitment): those are read per
request, for that person only.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from app.cohorts.models import Cohort, CohortSession
from app.courses.models import ContentTranslation, Course, CourseSession, Reading, session_readings
from app.lib import content_version
from app.lib.lru import LockedLRU

MAX_SNAPSHOTS = 512


@dataclass(frozen=True, slots=True)
class ReadingView:
    id: int
    slug: str
    title: str
    estimated_minutes: int


@dataclass(frozen=True, slots=True)
class SessionView:
    id: int
    number: int  # from 1, in the cohort's order
    title: str
    starts_at: datetime
    plenary_minutes: int
    breakout_minutes: int
    course_session_id: int | None
    readings: tuple[ReadingView, ...]

    @property
    def minutes(self) -> int:
        return self.plenary_minutes + self.breakout_minutes

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


@dataclass(frozen=True, slots=True)
class CourseView:
    id: int
    slug: str
    title: str  # in the snapshot's language where the course is translated
    language: str


@dataclass(frozen=True, slots=True)
class CohortSnapshot:
    id: int
    label: str
    video_url: str | None
    course: CourseView
    sessions: tuple[SessionView, ...]  # by start time
    pre_meeting_reading: ReadingView | None

    def session(self, cohort_session_id: int) -> SessionView | None:
        return next((s for s in self.sessions if s.id == cohort_session_id), None)

    def state(self, at: datetime) -> tuple[SessionView | None, bool]:
        """The session in progress at `at` (and True), else the next one (and False); None after the last."""
        for cohort_session in self.sessions:
            if cohort_session.starts_at <= at < cohort_session.ends_at:
                return cohort_session, True
            if at < cohort_session.starts_at:
                return cohort_session, False
        return None, False

    def latest_started(self, at: datetime) -> SessionView | None:
        started = [s for s in self.sessions if s.starts_at <= at]
        return started[-1] if started else None

    def readings_due(self, cohort_session: SessionView) -> tuple[ReadingView, ...]:
        """The session's readings; before session 1 the pre-meeting reading first (as learning.readings_due)."""
        readings = cohort_session.readings
        first = self.pre_meeting_reading
        if cohort_session.number == 1 and first is not None and first not in readings:
            return (first, *readings)
        return readings


def _store() -> LockedLRU[CohortSnapshot]:
    return current_app.extensions.setdefault("cohort_snapshots", LockedLRU(MAX_SNAPSHOTS))


def cohort_snapshots(session: so.Session, cohort_ids: Iterable[int], language: str) -> dict[int, CohortSnapshot]:
    """The snapshots of these cohorts in `language` (course text translated where it can be), from this worker's
    store when the content counter has not moved, else built in four queries for all the missing ones."""
    version = content_version.current(session)
    store = _store()
    found: dict[int, CohortSnapshot] = {}
    missing = []
    for cohort_id in dict.fromkeys(cohort_ids):
        snapshot = store.get((cohort_id, language, version))
        if snapshot is None:
            missing.append(cohort_id)
        else:
            found[cohort_id] = snapshot
    if missing:
        for snapshot in _build(session, missing, language):
            store.put((snapshot.id, language, version), snapshot)
            found[snapshot.id] = snapshot
    return found


# Building ------------------------------------------------------------------------------------------------------

_IDS = sa.bindparam("ids", expanding=True)


@functools.cache
def _cohorts_query() -> sa.Select:
    return (
        sa.select(
            Cohort.id,
            Cohort.label,
            Cohort.video_url,
            Course.id.label("course_id"),
            Course.slug,
            Course.title,
            Course.language,
        )  # fmt: skip
        .join(Course, Cohort.course_id == Course.id)
        .where(Cohort.id.in_(_IDS))
    )


@functools.cache
def _sessions_query() -> sa.Select:
    return (
        sa.select(
            CohortSession.id,
            CohortSession.cohort_id,
            CohortSession.title,
            CohortSession.starts_at,
            CohortSession.plenary_minutes,
            CohortSession.breakout_minutes,
            CohortSession.course_session_id,
            CourseSession.title.label("source_title"),
        )  # fmt: skip
        .outerjoin(CourseSession, CohortSession.course_session_id == CourseSession.id)
        .where(CohortSession.cohort_id.in_(_IDS))
        .order_by(CohortSession.cohort_id, CohortSession.starts_at, CohortSession.id)
    )


@functools.cache
def _readings_query() -> sa.Select:
    """Each reading listed in one of the sessions (ids) or a pre-meeting reading of one of the courses
    (course_ids), with the session it is listed in (None for a pre-meeting reading listed in none of them)."""
    listed_in = session_readings.c.course_session_id
    return (
        sa.select(
            listed_in,
            Reading.id,
            Reading.course_id,
            Reading.slug,
            Reading.title,
            Reading.estimated_minutes,
            Reading.is_pre_meeting,
        )  # fmt: skip
        .select_from(Reading)
        .outerjoin(session_readings, sa.and_(session_readings.c.reading_id == Reading.id, listed_in.in_(_IDS)))
        .where(
            sa.or_(
                listed_in.is_not(None),
                sa.and_(
                    Reading.course_id.in_(sa.bindparam("course_ids", expanding=True)), Reading.is_pre_meeting.is_(True)
                ),
            )
        )
        .order_by(Reading.id)  # the order of CourseSession.readings and Course.readings
    )


@functools.cache
def _titles_query() -> sa.Select:
    return sa.select(
        ContentTranslation.course_id,
        ContentTranslation.course_session_id,
        ContentTranslation.reading_id,
        ContentTranslation.title,
    ).where(ContentTranslation.course_id.in_(_IDS), ContentTranslation.language == sa.bindparam("language"))


def _build(session: so.Session, cohort_ids: list[int], language: str) -> list[CohortSnapshot]:
    cohorts = session.execute(_cohorts_query(), {"ids": cohort_ids}).all()
    if not cohorts:
        return []
    course_ids = sorted({c.course_id for c in cohorts})
    sessions = session.execute(_sessions_query(), {"ids": [c.id for c in cohorts]}).all()
    course_session_ids = sorted({s.course_session_id for s in sessions if s.course_session_id is not None})
    readings = session.execute(_readings_query(), {"ids": course_session_ids, "course_ids": course_ids}).all()
    translated: dict[tuple[int, int | None, int | None], str] = {}
    if any(c.language != language for c in cohorts):
        translated = {
            (row.course_id, row.course_session_id, row.reading_id): row.title
            for row in session.execute(_titles_query(), {"ids": course_ids, "language": language})
        }

    def reading_view(row) -> ReadingView:
        title = translated.get((row.course_id, None, row.id), row.title)
        return ReadingView(row.id, row.slug, title, row.estimated_minutes)

    listed: dict[int, list[ReadingView]] = defaultdict(list)
    pre_meeting: dict[int, ReadingView] = {}
    for row in readings:
        view = reading_view(row)
        if row.course_session_id is not None:
            listed[row.course_session_id].append(view)
        if row.is_pre_meeting:
            pre_meeting.setdefault(row.course_id, view)  # Course.pre_meeting_reading: the first

    sessions_of: dict[int, list[SessionView]] = defaultdict(list)
    course_of = {c.id: c.course_id for c in cohorts}
    for row in sessions:
        numbered = sessions_of[row.cohort_id]
        title = row.title
        if row.title == row.source_title:  # a title the trainer changed is theirs, in their words
            title = translated.get((course_of[row.cohort_id], row.course_session_id, None), row.title)
        numbered.append(
            SessionView(
                id=row.id,
                number=len(numbered) + 1,
                title=title,
                starts_at=row.starts_at,
                plenary_minutes=row.plenary_minutes,
                breakout_minutes=row.breakout_minutes,
                course_session_id=row.course_session_id,
                readings=tuple(listed.get(row.course_session_id, ())),
            )
        )
    return [
        CohortSnapshot(
            id=c.id,
            label=c.label,
            video_url=c.video_url,
            course=CourseView(c.course_id, c.slug, translated.get((c.course_id, None, None), c.title), c.language),
            sessions=tuple(sessions_of.get(c.id, ())),
            pre_meeting_reading=pre_meeting.get(c.course_id),
        )
        for c in cohorts
    ]
