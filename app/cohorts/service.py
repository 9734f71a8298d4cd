"""Cohort rules: who may see, edit and train a cohort; loading it for a page; the catalogue's upcoming cohorts."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts import events as account_events
from app.accounts.models import User
from app.cohorts import events
from app.cohorts.models import Cohort, CohortStatus, cohort_trainers
from app.courses import events as course_events
from app.courses.models import Course
from app.lib.errors import NotFound
from app.lib.time import now_utc


def can_schedule(user: User, course: Course) -> bool:
    return user.is_admin or any(t.id == user.id for t in course.trainers)


def is_cohort_trainer(cohort: Cohort, user: User) -> bool:
    """A trainer of this cohort, or an administrator: who sees its registrations, rosters and rooms."""
    return user.is_admin or any(t.id == user.id for t in cohort.trainers)


def can_edit(user: User, cohort: Cohort) -> bool:
    return can_schedule(user, cohort.course) or any(t.id == user.id for t in cohort.trainers)


# The cohort with its sessions, trainers and course: what most pages that take a cohort id read. Built once.
COHORT_WITH_SCHEDULE = (
    sa.select(Cohort)
    .where(Cohort.id == sa.bindparam("cohort_id"))
    .options(so.selectinload(Cohort.sessions), so.selectinload(Cohort.trainers), so.joinedload(Cohort.course))
)


def get_cohort(session: so.Session, cohort_id: int) -> Cohort:
    """Any cohort, drafts included, for code that acts for nobody in particular (the command line, the demo).
    Pages load cohorts with `visible_cohort`."""
    cohort = session.scalars(COHORT_WITH_SCHEDULE, {"cohort_id": cohort_id}).unique().first()
    if cohort is None:
        raise NotFound(_("There is no such cohort."))
    return cohort


def can_see(viewer: User, cohort: Cohort) -> bool:
    """Whether `viewer` may know the cohort exists: a draft exists only for the people who may edit it (its trainers,
    its course's trainers and administrators); every other status is there for anyone to find (a cancelled cohort
    stays visible, so the groups that had registered learn what happened)."""
    return cohort.status != CohortStatus.DRAFT or (viewer.is_authenticated and can_edit(viewer, cohort))


def visible_cohort(
    session: so.Session, viewer: User, cohort_id: int, query: sa.Select = COHORT_WITH_SCHEDULE
) -> Cohort:
    """The one loader of a cohort for a person: every page and endpoint that takes a cohort id goes through it.

    A draft the viewer may not see raises NotFound with the same words as an unknown id, so its existence is not
    revealed. `query` selects the cohort by the bound parameter `cohort_id`, with the loader options a page needs.
    """
    cohort = session.scalars(query, {"cohort_id": cohort_id}).unique().first()
    if cohort is None or not can_see(viewer, cohort):
        raise NotFound(_("There is no such cohort."))
    return cohort


def seats_left(cohort: Cohort) -> int:
    """Seats still free in a cohort: its capacity less the seats held by confirmed registrations."""
    return cohort.seats_left


def upcoming_cohorts(session: so.Session, course: Course) -> list[Cohort]:
    """Cohorts of this course that people can still look forward to, soonest first."""
    visible = (CohortStatus.OPEN, CohortStatus.CLOSED, CohortStatus.RUNNING)
    cohorts = session.scalars(
        sa.select(Cohort)
        .where(Cohort.course_id == course.id, Cohort.status.in_(visible))
        .options(so.selectinload(Cohort.sessions))
        .order_by(Cohort.registration_deadline_at)
    )
    now = now_utc()
    return [c for c in cohorts if c.sessions and c.sessions[-1].ends_at > now]


def apply_registration_deadline(session: so.Session, cohort: Cohort) -> bool:
    """Safe on every page view: when the cohort still takes registrations after its deadline, announce it
    (registration closes it in this transaction). True when it did (there is something to commit)."""
    if cohort.status == CohortStatus.OPEN and now_utc() >= cohort.registration_deadline_at:
        events.registration_deadline_passed.send(cohort, session=session)
        return True
    return False


def _courses_working_in(language: str, session: so.Session) -> set[int]:
    """Courses with a public cohort still to come or running whose working languages include `language`."""
    visible = (CohortStatus.OPEN, CohortStatus.CLOSED, CohortStatus.RUNNING)
    rows = session.execute(sa.select(Cohort.course_id, Cohort.languages).where(Cohort.status.in_(visible)))
    return {course_id for course_id, languages in rows if language in (languages or [])}


course_events.courses_in_language_asked.connect(_courses_working_in, weak=False)


def _trains_any(user: User, session: so.Session) -> bool:
    return (
        session.scalar(
            sa.select(sa.literal(1)).select_from(cohort_trainers).where(cohort_trainers.c.user_id == user.id).limit(1)
        )
        is not None
    )


# Accounts asks whether a person is staff (two-step sign-in may be required of staff): training one is enough.
account_events.staff_role_asked.connect(_trains_any, weak=False)
