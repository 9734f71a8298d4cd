"""Translated course text: written by the sync beside the course, and chosen for a page in the reader's language.

A page asks once for all of a course's texts in one language (`course_texts`), then takes the course's, a
session's or a reading's from it: one query per page, however many sessions and readings it shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.courses.loader import CourseData
from app.courses.models import ContentTranslation, Course, CourseSession, Reading
from app.lib.markdown import render_document


def replace_translations(session: so.Session, course: Course, data: CourseData) -> None:
    """Make the course's stored translations exactly those the loader found (a removed file's row goes), rendered
    as the sources are. Runs in the sync's transaction, after the course's sessions and readings are written."""
    session.flush()
    session.execute(sa.delete(ContentTranslation).where(ContentTranslation.course_id == course.id))
    session_ids = {s.slug: s.id for s in course.sessions}
    reading_ids = {r.slug: r.id for r in course.readings}
    for item in data.translations:
        document = render_document(item.body)
        session.add(
            ContentTranslation(
                course_id=course.id,
                course_session_id=session_ids[item.slug] if item.kind == "session" else None,
                reading_id=reading_ids[item.slug] if item.kind == "reading" else None,
                language=item.language,
                title=item.title,
                summary=item.summary,
                attribution=item.attribution,
                body_html=str(document.html),
                toc_html=str(document.toc) if document.headings >= 3 else "",
                items=item.items,
                source_hash=item.source_hash,
                is_current=item.is_current,
            )
        )


@dataclass
class ShownText:
    """One text as a page shows it: translated, or the source with a note that the reader's language lacks it."""

    title: str
    body_html: str
    language: str  # the language the text is actually in, as a BCP 47 tag for lang="…"
    summary: str | None = None
    attribution: str | None = None
    toc_html: str = ""
    items: list[str] = field(default_factory=list)
    is_translation: bool = False
    is_outdated: bool = False  # a translation made from an older version of its source
    not_translated: bool = False  # the reader's language has no translation: shown in the source language


@dataclass(frozen=True)
class ShownTitle:
    """A title and, when it is not in the page's language, the language it is in (for lang="…")."""

    title: str
    language: str | None


@dataclass(frozen=True)
class TranslatedHeading:
    """A course's translated title and summary (course.<lang>.md), for lists of courses."""

    title: str
    summary: str | None
    language: str  # a BCP 47 tag, for lang="…"


def _tag(code: str) -> str:
    return code.replace("_", "-")


@dataclass
class CourseTexts:
    """A course's texts in the language a page wants (the course's own language when `original` was asked)."""

    course: Course
    wanted: str
    by_target: dict[tuple[int | None, int | None], ContentTranslation]

    @property
    def wants_translation(self) -> bool:
        return self.wanted != self.course.language

    def _shown(self, key, title, body_html, **source) -> ShownText:
        row = self.by_target.get(key)
        if row is None:
            return ShownText(
                title, body_html, _tag(self.course.language), not_translated=self.wants_translation, **source
            )
        return ShownText(
            title=row.title,
            body_html=row.body_html,
            language=_tag(row.language),
            summary=row.summary if source.get("summary") is not None else None,
            attribution=row.attribution if source.get("attribution") is not None else None,
            toc_html=row.toc_html,
            items=list(row.items or []),
            is_translation=True,
            is_outdated=not row.is_current,
        )

    def of_course(self) -> ShownText:
        course = self.course
        return self._shown((None, None), course.title, course.description_html, summary=course.summary)

    def of_session(self, course_session: CourseSession) -> ShownText:
        return self._shown(
            (course_session.id, None),
            course_session.title,
            course_session.body_html,
            items=list(course_session.breakout_prompts or []),
        )

    def cohort_session_titles(self, cohort_sessions: Sequence) -> dict[int, ShownTitle]:
        """Each cohort session's title, by its id: the translated title of the course session it was scheduled from,
        unless its trainer gave it a title of their own (shown as written). Loads the course's sessions at most once."""
        own = _tag(self.course.language) if self.wants_translation else None  # the language of a title shown as written
        if not self.by_target:
            return {s.id: ShownTitle(s.title, own) for s in cohort_sessions}
        source_titles = {cs.id: cs.title for cs in self.course.sessions}
        titles = {}
        for s in cohort_sessions:
            row = self.by_target.get((s.course_session_id, None)) if s.course_session_id else None
            if row is not None and source_titles.get(s.course_session_id) == s.title:
                titles[s.id] = ShownTitle(row.title, _tag(row.language))
            else:
                titles[s.id] = ShownTitle(s.title, own)
        return titles

    def of_reading(self, reading: Reading) -> ShownText:
        return self._shown(
            (None, reading.id),
            reading.title,
            reading.body_html,
            attribution=reading.attribution,
            toc_html=reading.toc_html,
            items=list(reading.discussion_questions or []),
        )


def course_texts(session: so.Session, course: Course, language: str, *, original: bool = False) -> CourseTexts:
    """Every stored translation of the course into `language`, in one query (none when the reader asked for the
    original or reads the course's own language)."""
    wanted = course.language if original else language
    rows = []
    if wanted != course.language:
        rows = session.scalars(
            sa.select(ContentTranslation).where(
                ContentTranslation.course_id == course.id, ContentTranslation.language == wanted
            )
        )
    return CourseTexts(course, wanted, {(r.course_session_id, r.reading_id): r for r in rows})


def translated_headings(session: so.Session, course_ids: Iterable[int], language: str) -> dict[int, TranslatedHeading]:
    """The title and summary of each of these courses that has a translation of its course.md into `language`, by
    course id, in one query however many courses a page lists. A course missing from the answer has no translation:
    show its own title."""
    ids = set(course_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(ContentTranslation.course_id, ContentTranslation.title, ContentTranslation.summary).where(
            ContentTranslation.course_id.in_(ids),
            ContentTranslation.language == language,
            ContentTranslation.course_session_id.is_(None),
            ContentTranslation.reading_id.is_(None),
        )
    )
    return {course_id: TranslatedHeading(title, summary, _tag(language)) for course_id, title, summary in rows}


def translated_titles(session: so.Session, course_ids: Iterable[int], language: str) -> dict[int, str]:
    """{course_id: title in `language`} for those of the courses translated into it, in one query (for "My courses"
    and any other list of courses; a course left out shows its own title)."""
    return {
        course_id: heading.title for course_id, heading in translated_headings(session, course_ids, language).items()
    }


def fully_translated_courses(session: so.Session, language: str) -> set[int]:
    """Ids of the courses whose every file (course, sessions, readings) has a translation into `language`."""
    translated = dict(
        session.execute(
            sa.select(ContentTranslation.course_id, sa.func.count())
            .where(ContentTranslation.language == language)
            .group_by(ContentTranslation.course_id)
        ).all()
    )
    if not translated:
        return set()
    sessions = dict(
        session.execute(
            sa.select(CourseSession.course_id, sa.func.count())
            .where(CourseSession.course_id.in_(translated))
            .group_by(CourseSession.course_id)
        ).all()
    )
    readings = dict(
        session.execute(
            sa.select(Reading.course_id, sa.func.count())
            .where(Reading.course_id.in_(translated))
            .group_by(Reading.course_id)
        ).all()
    )
    return {
        course_id
        for course_id, count in translated.items()
        if count >= 1 + sessions.get(course_id, 0) + readings.get(course_id, 0)
    }
