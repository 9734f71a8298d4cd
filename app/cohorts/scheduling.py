"""Scheduling a cohort and changing it: the trainer's plan (sessions in the host's local time, deadline, seats,
trainers), checked against the course, and written onto the cohort without losing anything people recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.accounts.models import User
from app.accounts.service import find_user_by_email
from app.audit import service as audit
from app.cohorts import events
from app.cohorts.models import Cohort, CohortSession, CohortStatus
from app.cohorts.service import can_edit, can_schedule
from app.cohorts.session_history import SESSION_HISTORY_LABELS, session_history_counts
from app.courses.models import Course
from app.lib.errors import DomainError, Forbidden
from app.lib.text import clean_name, require_length
from app.lib.time import LocalTimeError, is_valid_timezone, local_to_utc, now_utc, to_local


@dataclass(frozen=True)
class SessionPlan:
    """One session as the trainer enters it: a wall-clock start in the host zone and its two parts.

    `session_id` names the existing session the row edits (None for a new one): sessions are matched by id, never
    by position, so what happened in a session stays with it. `remove` asks to delete that existing session."""

    local_start: datetime | None
    plenary_minutes: int
    breakout_minutes: int
    title: str = ""
    session_id: int | None = None
    remove: bool = False


@dataclass
class CohortPlan:
    """Everything a trainer decides about a cohort, in the host's local times."""

    label: str
    host_timezone: str
    sessions: list[SessionPlan]
    deadline_local: datetime
    capacity: int
    min_group_size: int | None = None
    opens_local: datetime | None = None
    status: CohortStatus = CohortStatus.DRAFT
    trainers: list[User] = field(default_factory=list)
    video_url: str | None = None
    languages: list[str] = field(default_factory=list)  # working languages, codes checked by the form


def _instant(local: datetime, tz_name: str, field_name: str) -> datetime:
    try:
        return local_to_utc(local, tz_name)
    except LocalTimeError as exc:
        raise DomainError(str(exc), field=field_name) from None


@dataclass(frozen=True)
class _CheckedPlan:
    starts: list[datetime | None]  # one per plan row; None for a row that removes its session
    deadline: datetime
    opens: datetime | None
    min_group_size: int


TITLE_MAX_LENGTH = 200  # cohort_sessions.title


def _check(course: Course, plan: CohortPlan) -> _CheckedPlan:
    """Validate a plan and compute each session's UTC instant from its own local date and time."""
    if not is_valid_timezone(plan.host_timezone):
        raise DomainError(_("'%(zone)s' is not a time zone we know.", zone=plan.host_timezone), field="host_timezone")
    if not clean_name(plan.label):
        raise DomainError(_("Give the cohort a label, such as “October 2026”."), field="label")
    require_length(clean_name(plan.label), 120, "label")  # cohorts.label
    if not any(not s.remove for s in plan.sessions):
        raise DomainError(_("A cohort needs at least one session."), field="sessions")
    min_group_size = plan.min_group_size or course.min_group_size
    if min_group_size < course.min_group_size:
        raise DomainError(
            _("The minimum group size cannot be below the course's %(n)s.", n=course.min_group_size),
            field="min_group_size",
        )
    if plan.capacity < min_group_size:
        raise DomainError(
            ngettext(
                "Capacity must leave room for at least one group of %(n)s person.",
                "Capacity must leave room for at least one group of %(n)s people.",
                min_group_size,
                n=min_group_size,
            ),
            field="capacity",
        )
    starts: list[datetime | None] = []
    previous_end, previous_index = None, None
    for index, session_plan in enumerate(plan.sessions):
        if session_plan.remove:
            starts.append(None)
            continue
        if len(session_plan.title or "") > TITLE_MAX_LENGTH:
            raise DomainError(
                ngettext(
                    "Session %(n)s: a title of at most %(max)s character.",
                    "Session %(n)s: a title of at most %(max)s characters.",
                    TITLE_MAX_LENGTH,
                    n=index + 1,
                    max=TITLE_MAX_LENGTH,
                ),
                field=f"sessions-{index}",
            )
        if session_plan.local_start is None:
            raise DomainError(_("Give session %(n)s a date and a start time.", n=index + 1), field=f"sessions-{index}")
        if (
            session_plan.plenary_minutes < 0
            or session_plan.breakout_minutes < 0
            or (session_plan.plenary_minutes + session_plan.breakout_minutes == 0)
        ):
            raise DomainError(_("Session %(n)s needs a plenary or a breakout.", n=index + 1), field=f"sessions-{index}")
        starts_at = _instant(session_plan.local_start, plan.host_timezone, f"sessions-{index}")
        if previous_end is not None and starts_at < previous_end:
            raise DomainError(
                _(
                    "Session %(n)s starts before session %(p)s ends: sessions must be in order and must not overlap.",
                    n=index + 1,
                    p=previous_index + 1,
                ),
                field=f"sessions-{index}",
            )
        previous_end = starts_at + timedelta(minutes=session_plan.plenary_minutes + session_plan.breakout_minutes)
        previous_index = index
        starts.append(starts_at)
    first_start = next(s for s in starts if s is not None)
    deadline = _instant(plan.deadline_local, plan.host_timezone, "deadline")
    if deadline >= first_start:
        raise DomainError(_("The registration deadline must be before the first session."), field="deadline")
    opens = _instant(plan.opens_local, plan.host_timezone, "opens") if plan.opens_local else None
    if opens and opens >= deadline:
        raise DomainError(_("Registration must open before its deadline."), field="opens")
    return _CheckedPlan(starts, deadline, opens, min_group_size)


def to_the_minute(instant: datetime) -> datetime:
    return instant.replace(second=0, microsecond=0)


def match_sessions(
    cohort: Cohort, plan: CohortPlan, checked: _CheckedPlan, at: datetime
) -> tuple[dict[int, CohortSession], list[CohortSession]]:
    """Match the plan's rows to the cohort's sessions by id and enforce what an edit may do to them, before
    anything changes. Returns the sessions kept (by id) and the ones to delete.

    Refuses (DomainError naming the row): an id that is not one of this cohort's sessions, or given twice; an
    existing session left out of the plan (leaving a row out never deletes anything); moving or removing a
    session that has started; removing a session that holds anything people wrote or did."""
    existing = {s.id: s for s in cohort.sessions if s.id is not None}
    if not existing:
        if any(s.session_id is not None for s in plan.sessions):
            raise DomainError(_("These sessions are not part of this cohort: reload the page."), field="sessions")
        return {}, []
    seen: set[int] = set()
    removed: list[tuple[int, CohortSession]] = []
    for index, (session_plan, starts_at) in enumerate(zip(plan.sessions, checked.starts, strict=True)):
        if session_plan.session_id is None:
            if starts_at is not None and starts_at <= at:
                raise DomainError(
                    _("Session %(n)s would start in the past: choose a date to come.", n=index + 1),
                    field=f"sessions-{index}",
                )
            continue
        row = existing.get(session_plan.session_id)
        if row is None or session_plan.session_id in seen:
            raise DomainError(
                _("Session %(n)s is not one of this cohort's sessions: reload the page and try again.", n=index + 1),
                field=f"sessions-{index}",
            )
        seen.add(session_plan.session_id)
        started = row.starts_at <= at
        if session_plan.remove:
            if started:
                raise DomainError(
                    _("Session %(n)s has already started: it cannot be removed.", n=index + 1),
                    field=f"sessions-{index}",
                )
            removed.append((index, row))
        elif started and to_the_minute(starts_at) != to_the_minute(row.starts_at):
            raise DomainError(
                _("Session %(n)s has already started: its date and start time cannot change.", n=index + 1),
                field=f"sessions-{index}",
            )
        elif not started and starts_at <= at:
            raise DomainError(
                _("Session %(n)s would start in the past: choose a date to come.", n=index + 1),
                field=f"sessions-{index}",
            )
    missing = [s for s_id, s in existing.items() if s_id not in seen]
    if missing:
        raise DomainError(
            ngettext(
                "%(num)d session of this cohort is missing from the form, so nothing was saved: leaving a row out "
                "never removes a session. Reload the page; to remove a session, tick its “Remove” box.",
                "%(num)d sessions of this cohort are missing from the form, so nothing was saved: leaving a row out "
                "never removes a session. Reload the page; to remove a session, tick its “Remove” box.",
                len(missing),
            ),
            field="sessions",
        )
    history = session_history_counts(so.object_session(cohort), [row.id for _index, row in removed])
    for index, row in removed:
        held = history.get(row.id)
        if held:
            what = ", ".join(str(SESSION_HISTORY_LABELS.get(name, _l("other records"))) for name in sorted(held))
            raise DomainError(
                _(
                    "Session %(n)s cannot be removed: people have already recorded things in it (%(what)s), and an "
                    "edit never deletes them. Change its date instead, or leave it.",
                    n=index + 1,
                    what=what,
                ),
                field=f"sessions-{index}",
            )
    kept = {s_id: s for s_id, s in existing.items() if s_id in seen}
    for _index, row in removed:
        kept.pop(row.id)
    return kept, [row for _index, row in removed]


def _check_trainers(course: Course, current: list[User], wanted: list[User]) -> None:
    """Nobody becomes a trainer of a cohort without having agreed to train: a person added must already train
    the course (an administrator made them its trainer, with their agreement) or be an administrator; those
    already training the cohort stay. Raises DomainError naming the first person who does not."""
    allowed = {u.id for u in current} | {u.id for u in course.trainers}
    for user in wanted:
        if user.id not in allowed and not user.is_admin:
            raise DomainError(
                _(
                    "%(email)s does not train %(course)s, so they cannot be added to this cohort: people train a "
                    "course's cohorts once an administrator has made them trainers of the course, with their "
                    "agreement.",
                    email=user.email,
                    course=course.title,
                ),
                field="trainers",
            )


def _record_trainer_changes(session: so.Session, actor: User, cohort: Cohort, before: list[User]) -> None:
    before_ids, after_ids = {u.id for u in before}, {u.id for u in cohort.trainers}
    for user in cohort.trainers:
        if user.id not in before_ids:
            audit.record(session, actor, "cohort.trainer_added", f"cohort {cohort.id}", trainer=user.email)
    for user in before:
        if user.id not in after_ids:
            audit.record(session, actor, "cohort.trainer_removed", f"cohort {cohort.id}", trainer=user.email)


def _apply(
    cohort: Cohort,
    course: Course,
    plan: CohortPlan,
    checked: _CheckedPlan,
    at: datetime | None = None,
    actor: User | None = None,
) -> None:
    """Write the plan onto the cohort. Rows are matched to sessions by id (see match_sessions, which refuses
    before anything changes), so each session keeps its identity, its notes, attendance and commitments, and
    its course content; calendar entries update instead of duplicating, and a session whose time or length
    changed gets a higher sequence. New rows take the outline's sessions no kept session uses, in order.

    With an `actor` (a person using the form, not the command line), trainers added must already hold the role
    (_check_trainers) and each trainer added or removed is written to the audit log."""
    kept, removed = match_sessions(cohort, plan, checked, at or now_utc())
    trainers_before = list(cohort.trainers)
    if actor is not None:
        _check_trainers(course, trainers_before, plan.trainers)
    cohort.label = clean_name(plan.label)
    cohort.host_timezone = plan.host_timezone
    cohort.status = plan.status
    cohort.registration_opens_at = checked.opens
    cohort.registration_deadline_at = checked.deadline
    cohort.capacity = plan.capacity
    cohort.min_group_size = checked.min_group_size
    cohort.video_url = (plan.video_url or "").strip() or None
    cohort.languages = list(plan.languages)
    cohort.trainers = list(plan.trainers)
    used = {s.course_session_id for s in kept.values()}
    spare_outline = [o for o in course.sessions if o.id is None or o.id not in used]
    rows = []
    for session_plan, starts_at in zip(plan.sessions, checked.starts, strict=True):
        if session_plan.remove:
            continue
        if session_plan.session_id is None:
            row = CohortSession(sequence=0)
            row.course_session = spare_outline.pop(0) if spare_outline else None
        else:
            row = kept[session_plan.session_id]
            if to_the_minute(starts_at) == to_the_minute(row.starts_at):
                starts_at = row.starts_at  # the form shows minutes: an unchanged row keeps its exact instant
        changed = row.id is not None and (
            row.starts_at != starts_at
            or row.plenary_minutes != session_plan.plenary_minutes
            or row.breakout_minutes != session_plan.breakout_minutes
        )
        row.starts_at = starts_at
        row.plenary_minutes = session_plan.plenary_minutes
        row.breakout_minutes = session_plan.breakout_minutes
        template = row.course_session
        title = (session_plan.title or "").strip()
        row.title = title or (template.title if template else row.title) or _("Session %(n)s", n=len(rows) + 1)
        if changed:
            row.sequence = (row.sequence or 0) + 1
        rows.append(row)
    # Only sessions match_sessions cleared are removed: they hold nothing anyone wrote or did.
    cohort.sessions = sorted(rows, key=lambda s: s.starts_at)
    for row in removed:
        so.object_session(cohort).delete(row)
    if actor is not None and so.object_session(cohort) is not None:
        _record_trainer_changes(so.object_session(cohort), actor, cohort, trainers_before)


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
    languages: list[str] = (),
    actor: User | None = None,
) -> Cohort:
    """Create a cohort whose session instants are computed one by one from the host's local times.

    `actor`, when given, must be an admin or a trainer of the course (Forbidden otherwise); the command line
    and the demo schedule without one. Raises DomainError (with the field concerned) for an unknown zone, a
    local time skipped or repeated by a daylight-saving change, sessions out of order or overlapping, a
    deadline not before the first session, a capacity below one group, or a minimum group size below the
    course's.
    """
    if actor is not None and not can_schedule(actor, course):
        raise Forbidden(_("Only this course's trainers and administrators schedule its cohorts."))
    plan = CohortPlan(
        label=label,
        host_timezone=host_timezone,
        sessions=list(sessions),
        deadline_local=deadline_local,
        capacity=capacity,
        min_group_size=min_group_size,
        opens_local=opens_local,
        status=status,
        trainers=list(trainers),
        video_url=video_url,
        languages=list(languages),
    )
    checked = _check(course, plan)
    cohort = Cohort(course=course, sessions=[], trainers=[])
    _apply(cohort, course, plan, checked, actor=actor)
    session.add(cohort)
    session.flush()
    if actor is not None:
        _record_trainer_changes(session, actor, cohort, [])
    return cohort


def update_cohort(session: so.Session, actor: User, cohort: Cohort, plan: CohortPlan) -> Cohort:
    """Change a scheduled cohort; the same checks as scheduling, and seats already taken (and every group waiting for
    seats) must still fit. Freed seats go to the waitlist, first come first served. Sessions are matched by id and
    nothing recorded in them is deleted (match_sessions); trainers added must already train the course
    (_check_trainers)."""
    if not can_edit(actor, cohort):
        raise Forbidden(_("Only this cohort's trainers and administrators can change it."))
    checked = _check(cohort.course, plan)
    events.cohort_changing.send(cohort, session=session, capacity=plan.capacity)  # registration may refuse it
    _apply(cohort, cohort.course, plan, checked, actor=actor)
    session.flush()
    events.cohort_changed.send(cohort, session=session)  # a higher capacity or a lower minimum lets groups in
    return cohort


def plan_of(cohort: Cohort) -> CohortPlan:
    """The cohort as the trainer entered it, in the host's local times (to prefill the edit form)."""
    zone = cohort.host_timezone

    def local(instant):
        return to_local(instant, zone).replace(tzinfo=None) if instant else None

    return CohortPlan(
        label=cohort.label,
        host_timezone=zone,
        sessions=[
            SessionPlan(local(s.starts_at), s.plenary_minutes, s.breakout_minutes, s.title, session_id=s.id)
            for s in cohort.sessions
        ],
        deadline_local=local(cohort.registration_deadline_at),
        capacity=cohort.capacity,
        min_group_size=cohort.min_group_size,
        opens_local=local(cohort.registration_opens_at),
        status=cohort.status,
        trainers=list(cohort.trainers),
        video_url=cohort.video_url,
        languages=list(cohort.languages or []),
    )


def find_trainers(session: so.Session, emails: list[str]) -> list[User]:
    """Users for a list of emails; raises DomainError naming the first unknown one."""
    trainers = []
    for email in emails:
        user = find_user_by_email(session, email)
        if user is None:
            raise DomainError(_("No account uses %(email)s: ask them to sign up first.", email=email), field="trainers")
        trainers.append(user)
    return trainers


def schedulable_courses(session: so.Session, user: User) -> list[Course]:
    """The courses `user` may schedule cohorts of (all of them for administrators)."""
    courses = session.scalars(
        sa.select(Course)
        .where(Course.archived_at.is_(None))
        .order_by(Course.title)
        .options(so.selectinload(Course.trainers))
    )
    return [course for course in courses if can_schedule(user, course)]
