"""A cohort's readings for its participants: the reading page, marking a reading read, and the progress trainers
see (who has read what, by group), in a constant number of queries whatever the cohort's size."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import ngettext

from app.accounts.models import User
from app.cohorts.models import Cohort, CohortSession
from app.cohorts.service import visible_cohort
from app.courses.models import Course, Reading, session_readings
from app.groups.models import Group, GroupMembership
from app.learning.models import ReadingProgress
from app.learning.service import cohort_page_options
from app.lib.errors import DomainError, Forbidden, NotFound
from app.registration import participants
from app.registration.models import Registration, RosterEntry
from app.registration.participants import (
    can_teach,
    confirmed_roster,
    require_participant,
    require_trainer,
)

COMMENT_MAX_LENGTH = 500


# Readings ------------------------------------------------------------------------------------------------------


@dataclass
class ReadingPage:
    cohort: Cohort
    reading: Reading
    is_participant: bool  # False for trainers and administrators who are not on a roster
    progress: ReadingProgress | None
    due_before: CohortSession | None
    due_number: int
    can_teach: bool


def _load_cohort_with_course(session: so.Session, cohort_id: int) -> Cohort:
    cohort = session.scalar(sa.select(Cohort).where(Cohort.id == cohort_id).options(*cohort_page_options()))
    if cohort is None:
        raise NotFound(_("There is no such cohort."))
    return cohort


# The cohort with its sessions, its trainers (who may look) and what the page shows of its course (the heading's
# texts, in the course's language or a translation), none of the course's readings. Built once: assembling the
# options costs more than running the query.
_COHORT_FOR_READING = (
    sa.select(Cohort)
    .where(Cohort.id == sa.bindparam("cohort_id"))
    .options(
        so.joinedload(Cohort.course).load_only(
            Course.id, Course.slug, Course.title, Course.language, Course.summary, Course.description_html
        ),
        so.joinedload(Cohort.trainers).load_only(User.id, User.name),
        so.selectinload(Cohort.sessions),
    )
)


@functools.cache
def _participant_query(*rule: Callable[[], sa.ColumnElement[bool]]) -> sa.Select:
    """Built once per participation rule (tests change it), with the cohort and the person bound when it runs."""
    return (
        confirmed_roster(RosterEntry.id, cohort_id=sa.bindparam("cohort_id"))
        .where(GroupMembership.user_id == sa.bindparam("user_id"))
        .limit(1)
    )


def _is_participant(session: so.Session, user: User, cohort: Cohort) -> bool:
    """Whether a confirmed roster of the cohort names the user (participation's rule, as one yes/no query)."""
    if not user.is_authenticated:
        return False
    query = _participant_query(participants.takes_part, participants.on_roster)
    return session.scalar(query, {"cohort_id": cohort.id, "user_id": user.id}) is not None


def _require_reader(session: so.Session, user: User, cohort: Cohort) -> bool:
    """Participants read; trainers and administrators may look at what they read. True for participants."""
    found = _is_participant(session, user, cohort)
    if not found and not can_teach(user, cohort):
        raise Forbidden(_("This page is for the cohort's participants and trainers."))
    return found


def cohort_reading(session: so.Session, cohort: Cohort, slug: str) -> Reading:
    """A reading of the cohort's course; NotFound for any other slug (even a reading of another course)."""
    reading = session.scalar(sa.select(Reading).where(Reading.course_id == cohort.course_id, Reading.slug == slug))
    if reading is None:
        raise NotFound(_("This course has no such reading."))
    return reading


def _due_before(session: so.Session, cohort: Cohort, reading: Reading) -> CohortSession | None:
    """The first of the cohort's sessions the reading is due for (see readings_due), without loading the course's
    readings: the pre-meeting reading is due for session 1, any other for the first session whose outline lists it."""
    if not cohort.sessions:
        return None
    if reading.is_pre_meeting:
        return cohort.sessions[0]
    listed_in = set(
        session.scalars(
            sa.select(session_readings.c.course_session_id).where(session_readings.c.reading_id == reading.id)
        )
    )
    return next((s for s in cohort.sessions if s.course_session_id in listed_in), None)


def reading_page(session: so.Session, user: User, cohort_id: int, slug: str) -> ReadingPage:
    """A reading as the cohort reads it: for its participants (with their progress) and its trainers."""
    cohort = visible_cohort(session, user, cohort_id, _COHORT_FOR_READING)
    is_participant = _require_reader(session, user, cohort)
    reading = cohort_reading(session, cohort, slug)
    progress = None
    if is_participant:
        progress = session.scalar(
            sa.select(ReadingProgress).where(
                ReadingProgress.user_id == user.id,
                ReadingProgress.cohort_id == cohort.id,
                ReadingProgress.reading_id == reading.id,
            )
        )
    due_before = _due_before(session, cohort, reading)
    return ReadingPage(
        cohort=cohort,
        reading=reading,
        is_participant=is_participant,
        progress=progress,
        due_before=due_before,
        due_number=cohort.sessions.index(due_before) + 1 if due_before is not None else 0,
        can_teach=can_teach(user, cohort),
    )


def reading_progress(session: so.Session, user: User, cohort: Cohort) -> set[int]:
    """The ids of the cohort's readings the user has marked read."""
    if not user.is_authenticated:
        return set()
    return set(
        session.scalars(
            sa.select(ReadingProgress.reading_id).where(
                ReadingProgress.user_id == user.id, ReadingProgress.cohort_id == cohort.id
            )
        )
    )


def _clean_comment(comment: str | None) -> str | None:
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX_LENGTH:
        raise DomainError(
            ngettext(
                "Keep the note under %(n)s character.",
                "Keep the note under %(n)s characters.",
                COMMENT_MAX_LENGTH,
                n=COMMENT_MAX_LENGTH,
            ),
            field="comment",
        )
    return text or None


def mark_read(
    session: so.Session, user: User, cohort: Cohort, reading: Reading, comment: str | None = None
) -> ReadingProgress:
    """Record that a participant read a reading of their cohort, with an optional note for themselves.
    Marking again replaces the note. Forbidden for anyone not on a confirmed roster of the cohort."""
    require_participant(session, user, cohort)
    if reading.course_id != cohort.course_id:
        raise NotFound(_("This course has no such reading."))
    comment = _clean_comment(comment)
    query = sa.select(ReadingProgress).where(
        ReadingProgress.user_id == user.id,
        ReadingProgress.cohort_id == cohort.id,
        ReadingProgress.reading_id == reading.id,
    )
    progress = session.scalar(query)
    if progress is None:
        try:
            with session.begin_nested():
                progress = ReadingProgress(user_id=user.id, cohort_id=cohort.id, reading_id=reading.id)
                session.add(progress)
        except sa.exc.IntegrityError:  # the same person marked it in another tab at the same moment
            progress = session.scalar(query)
    progress.comment = comment
    session.flush()
    return progress


def mark_unread(session: so.Session, user: User, cohort: Cohort, reading: Reading) -> None:
    """Take back 'read' (and the note that came with it). Nothing happens when it was not marked."""
    require_participant(session, user, cohort)
    session.execute(
        sa.delete(ReadingProgress).where(
            ReadingProgress.user_id == user.id,
            ReadingProgress.cohort_id == cohort.id,
            ReadingProgress.reading_id == reading.id,
        )
    )
    session.flush()


@dataclass
class Share:
    read: int
    total: int

    @property
    def ratio(self) -> float:
        return self.read / self.total if self.total else 0.0


class GroupNames(Protocol):
    """A group as the progress table names it: a plain row of its id, name and organization."""

    id: int
    name: str
    organization: str


@dataclass
class GroupProgress:
    group: GroupNames
    participants: int
    shares: list[Share]  # one per reading, in the order of CohortReadingStats.readings


@dataclass
class CohortReadingStats:
    cohort: Cohort
    readings: list[Reading]
    participants: int  # with accounts (people on a roster by name alone cannot mark anything)
    overall: list[Share]
    groups: list[GroupProgress]


def cohort_reading_stats(session: so.Session, trainer: User, cohort: Cohort) -> CohortReadingStats:
    """Per reading, how many of the cohort's participants with accounts marked it read, overall and per group.
    Trainers and administrators only (Forbidden otherwise); a constant number of queries."""
    require_trainer(trainer, cohort)
    cohort = _load_cohort_with_course(session, cohort.id)
    readings = cohort.course.readings_in_order
    # Plain (group, person) rows in registration order, and the groups' names: thousands of participants are read
    # without making an object of each.
    people = session.execute(
        confirmed_roster(Registration.group_id, GroupMembership.user_id, cohort_id=cohort.id).order_by(
            Registration.created_at, Registration.id, RosterEntry.id
        )
    ).all()
    named = {
        group.id: group
        for group in session.execute(
            sa.select(Group.id, Group.name, Group.organization).where(
                Group.id.in_({group_id for group_id, _user in people})
            )
        )
    }
    by_group: dict[int, tuple[GroupNames, set[int]]] = {}
    for group_id, user_id in people:
        _group, users = by_group.setdefault(group_id, (named[group_id], set()))
        if user_id is not None:
            users.add(user_id)
    everyone = set().union(*(users for _group, users in by_group.values())) if by_group else set()
    readers: dict[int, set[int]] = defaultdict(set)
    for user_id, reading_id in session.execute(
        sa.select(ReadingProgress.user_id, ReadingProgress.reading_id).where(ReadingProgress.cohort_id == cohort.id)
    ):
        readers[reading_id].add(user_id)
    groups = [
        GroupProgress(group, len(users), [Share(len(readers[r.id] & users), len(users)) for r in readings])
        for group, users in by_group.values()
    ]
    return CohortReadingStats(
        cohort=cohort,
        readings=readings,
        participants=len(everyone),
        overall=[Share(len(readers[r.id] & everyone), len(everyone)) for r in readings],
        groups=groups,
    )
