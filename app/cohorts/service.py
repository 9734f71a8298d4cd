"""Cohort rules: scheduling a run of a course at exact instants computed in the host's time zone."""

from __future__ import annotations

import collections
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from babel import dates as babel_dates
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.accounts import events as account_events
from app.accounts.models import User
from app.accounts.service import find_user_by_email
from app.audit import service as audit
from app.cohorts import events
from app.cohorts.models import CalendarFeed, Cohort, CohortSession, CohortStatus, cohort_trainers
from app.courses.models import Course
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.text import clean_name, require_length
from app.lib.time import LocalTimeError, is_valid_timezone, local_to_utc, now_utc, to_local, zone_named


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
            _("Capacity must leave room for at least one group of %(n)s.", n=min_group_size), field="capacity"
        )
    starts: list[datetime | None] = []
    previous_end, previous_index = None, None
    for index, session_plan in enumerate(plan.sessions):
        if session_plan.remove:
            starts.append(None)
            continue
        if len(session_plan.title or "") > TITLE_MAX_LENGTH:
            raise DomainError(
                _("Session %(n)s: a title of at most %(max)s characters.", n=index + 1, max=TITLE_MAX_LENGTH),
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


# What people write or do in a session, by table, in words for the trainer who tries to remove it. Every table
# with a foreign key to cohort_sessions counts (see session_history_counts), named here or not.
SESSION_HISTORY_LABELS = {
    "attendance": _l("attendance"),
    "breakout_notes": _l("breakout notes"),
    "breakout_room_roles": _l("room roles"),
    "breakout_plans": _l("breakout rooms"),
    "commitments": _l("commitments"),
}


def _session_history_tables() -> list[tuple[sa.Table, sa.Column]]:
    """Every table that refers to a cohort session, and its referring column: found from the metadata, so a
    table added later is protected without anyone remembering to list it."""
    found = []
    for table in CohortSession.metadata.sorted_tables:
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table.name == CohortSession.__tablename__:
                found.append((table, foreign_key.parent))
    return found


def session_history_counts(session: so.Session, session_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per session id, how many rows of each referring table hang off it (only the non-zero ones): one query per
    referring table, whatever the number of sessions."""
    counts: dict[int, dict[str, int]] = {}
    if not session_ids:
        return counts
    for table, column in _session_history_tables():
        for session_id, number in session.execute(
            sa.select(column, sa.func.count()).where(column.in_(session_ids)).group_by(column)
        ):
            counts.setdefault(session_id, {})[table.name] = number
    return counts


def _to_the_minute(instant: datetime) -> datetime:
    return instant.replace(second=0, microsecond=0)


def _match_sessions(
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
        elif started and _to_the_minute(starts_at) != _to_the_minute(row.starts_at):
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
    """Write the plan onto the cohort. Rows are matched to sessions by id (see _match_sessions, which refuses
    before anything changes), so each session keeps its identity, its notes, attendance and commitments, and
    its course content; calendar entries update instead of duplicating, and a session whose time or length
    changed gets a higher sequence. New rows take the outline's sessions no kept session uses, in order.

    With an `actor` (a person using the form, not the command line), trainers added must already hold the role
    (_check_trainers) and each trainer added or removed is written to the audit log."""
    kept, removed = _match_sessions(cohort, plan, checked, at or now_utc())
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
            if _to_the_minute(starts_at) == _to_the_minute(row.starts_at):
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
    # Only sessions _match_sessions cleared are removed: they hold nothing anyone wrote or did.
    cohort.sessions = sorted(rows, key=lambda s: s.starts_at)
    for row in removed:
        so.object_session(cohort).delete(row)
    if actor is not None and so.object_session(cohort) is not None:
        _record_trainer_changes(so.object_session(cohort), actor, cohort, trainers_before)


def can_schedule(user: User, course: Course) -> bool:
    return user.is_admin or any(t.id == user.id for t in course.trainers)


def is_cohort_trainer(cohort: Cohort, user: User) -> bool:
    """A trainer of this cohort, or an administrator: who sees its registrations, rosters and rooms."""
    return user.is_admin or any(t.id == user.id for t in cohort.trainers)


def can_edit(user: User, cohort: Cohort) -> bool:
    return can_schedule(user, cohort.course) or any(t.id == user.id for t in cohort.trainers)


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
    nothing recorded in them is deleted (_match_sessions); trainers added must already train the course
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
    )


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


def find_trainers(session: so.Session, emails: list[str]) -> list[User]:
    """Users for a list of emails; raises DomainError naming the first unknown one."""
    trainers = []
    for email in emails:
        user = find_user_by_email(session, email)
        if user is None:
            raise DomainError(_("No account uses %(email)s: ask them to sign up first.", email=email), field="trainers")
        trainers.append(user)
    return trainers


# Cities on every continent, for the "find your starting time" table.
WORLD_CITIES = [
    ("Los Angeles", "America/Los_Angeles"),
    ("Mexico City", "America/Mexico_City"),
    ("New York", "America/New_York"),
    ("Bogotá", "America/Bogota"),
    ("São Paulo", "America/Sao_Paulo"),
    ("London", "Europe/London"),
    ("Lagos", "Africa/Lagos"),
    ("Berlin", "Europe/Berlin"),
    ("Johannesburg", "Africa/Johannesburg"),
    ("Nairobi", "Africa/Nairobi"),
    ("Istanbul", "Europe/Istanbul"),
    ("Delhi", "Asia/Kolkata"),
    ("Dhaka", "Asia/Dhaka"),
    ("Jakarta", "Asia/Jakarta"),
    ("Manila", "Asia/Manila"),
    ("Tokyo", "Asia/Tokyo"),
    ("Sydney", "Australia/Sydney"),
    ("Auckland", "Pacific/Auckland"),
]


@dataclass(frozen=True)
class CityTime:
    city: str
    local: datetime
    other_day: bool  # the session falls on another calendar day there than for the host


def starting_times(cohort: Cohort) -> list[tuple[str, list[CityTime]]]:
    """For each city, each session's local start, flagged where the calendar day differs from the host's."""
    rows = []
    for city, zone in WORLD_CITIES:
        times = []
        for session in cohort.sessions:
            local = to_local(session.starts_at, zone)
            host_day = to_local(session.starts_at, cohort.host_timezone).date()
            times.append(CityTime(city, local, local.date() != host_day))
        rows.append((city, times))
    return rows


def place_name(zone: str) -> str:
    """A readable place for a zone: "America/Los_Angeles" -> "Los Angeles" (a city from the table when known)."""
    for city, city_zone in WORLD_CITIES:
        if city_zone == zone:
            return city
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _day_and_time(instant: datetime, locale) -> str:
    return babel_dates.format_datetime(instant, "EEEE HH:mm", tzinfo=instant.tzinfo, locale=locale or "en")


def viewer_notes(cohort: Cohort, viewer_zone: str, locale=None) -> dict[int, list[str]]:
    """Per session id, what a viewer in `viewer_zone` should notice: another calendar day than the host's
    ("Saturday 18:00 in Johannesburg is Sunday 00:00 in Manila"), or a start time that moved since the previous
    session because a clock changed (theirs or the host's)."""
    notes: dict[int, list[str]] = {}
    previous = None
    for session in cohort.sessions:
        mine = to_local(session.starts_at, viewer_zone)
        host = to_local(session.starts_at, cohort.host_timezone)
        items = []
        if mine.date() != host.date():
            items.append(
                _(
                    "%(host_time)s in %(host_place)s is %(my_time)s in %(my_place)s.",
                    host_time=_day_and_time(host, locale),
                    host_place=place_name(cohort.host_timezone),
                    my_time=_day_and_time(mine, locale),
                    my_place=place_name(viewer_zone),
                )
            )
        if previous is not None and previous.strftime("%H:%M") != mine.strftime("%H:%M"):
            items.append(
                _(
                    "Note: this session starts at %(now)s your time, not %(before)s like the one before, "
                    "because a clock changes for daylight-saving time.",
                    now=mine.strftime("%H:%M"),
                    before=previous.strftime("%H:%M"),
                )
            )
        if items:
            notes[session.id] = items
        previous = mine
    return notes


def time_left(deadline: datetime, locale=None, at: datetime | None = None) -> str:
    """How long until `deadline`, in words ("Closes in 12 days."), or that it has passed. Days are counted
    exactly up to two months, where "in 2 weeks" would hide a difference that matters."""
    remaining = deadline - (at or now_utc())
    if remaining.total_seconds() <= 0:
        return _("The deadline has passed.")
    if timedelta(days=2) <= remaining < timedelta(days=60):
        return ngettext("Closes in %(num)d day.", "Closes in %(num)d days.", remaining.days)
    return _(
        "Closes %(when)s.",
        when=babel_dates.format_timedelta(remaining, add_direction=True, threshold=1.5, locale=locale or "en"),
    )


def seats_left(cohort: Cohort) -> int:
    """Seats still free in a cohort: its capacity less the seats held by confirmed registrations."""
    return cohort.seats_left


def schedulable_courses(session: so.Session, user: User) -> list[Course]:
    """The courses `user` may schedule cohorts of (all of them for administrators)."""
    courses = session.scalars(
        sa.select(Course)
        .where(Course.archived_at.is_(None))
        .order_by(Course.title)
        .options(so.selectinload(Course.trainers))
    )
    return [course for course in courses if can_schedule(user, course)]


# Private calendar feeds ------------------------------------------------------------------------------------------


def feed_token(session: so.Session, user: User) -> str | None:
    """The person's private calendar token, or None until they ask for one."""
    return session.scalar(sa.select(CalendarFeed.token).where(CalendarFeed.user_id == user.id))


def reset_feed_token(session: so.Session, user: User) -> str:
    """Give the person a new token (their first, or a replacement: the old feed URL stops working at once)."""
    feed = session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        session.add(feed)
    feed.token = secrets.token_urlsafe(32)
    session.flush()
    return feed.token


def user_for_feed_token(session: so.Session, token: str) -> User:
    """The owner of a feed token; NotFound for a token that is unknown or was reset."""
    user = session.scalar(sa.select(User).join(CalendarFeed).where(CalendarFeed.token == (token or "")))
    if user is None:
        raise NotFound(_("This calendar address is not valid any more. Copy the new one from Plenary."))
    return user


# Time-zone-fair start times ---------------------------------------------------------------------------------------

EARLIEST_MINUTE = 7 * 60  # 07:00 local
LATEST_MINUTE = 22 * 60  # 22:00 local


@dataclass(frozen=True)
class StartOption:
    """A candidate start time of day in the host zone, and how many people it suits."""

    host_start: datetime  # aware, in the host zone, on the reference date
    fits: int
    total: int

    @property
    def share(self) -> float:
        return self.fits / self.total if self.total else 0.0


def fair_start_times(
    zones: list[str], *, host_timezone: str, on: date, minutes: int, step_minutes: int = 30
) -> list[StartOption]:
    """For every start time of day in the host zone (every `step_minutes` on the date `on`, so that day's clock
    rules apply), how many of the people in `zones` (one entry per person) would have the whole session between
    07:00 and 22:00 their time. Best first; ties in time-of-day order. Local times that do not exist or happen
    twice on that date in the host zone are left out."""
    host = zone_named(host_timezone)
    # Each distinct zone once, weighted by its head count: the work grows with the zones named, not the people.
    people = [(zone_named(z), count) for z, count in collections.Counter(zones).items()]
    options = []
    for offset in range(0, 24 * 60, step_minutes):
        local = datetime.combine(on, time(offset // 60, offset % 60))
        try:
            instant = local_to_utc(local, host_timezone)
        except LocalTimeError:
            continue
        fits = 0
        for zone, count in people:
            start = instant.astimezone(zone)
            first_minute = start.hour * 60 + start.minute
            if first_minute >= EARLIEST_MINUTE and first_minute + minutes <= LATEST_MINUTE:
                fits += count
        options.append(StartOption(instant.astimezone(host), fits, len(zones)))
    return sorted(options, key=lambda o: -o.fits)


MAX_ZONE_LIST = 20_000  # characters pasted
MAX_ZONE_PEOPLE = 100_000  # head counts added up


def parse_zone_list(text: str) -> list[str]:
    """Zones a trainer pastes, one per line, each optionally followed by a head count ("Asia/Manila 12").
    Raises DomainError naming the first line it cannot read, or when the list is longer than MAX_ZONE_LIST
    characters or counts more than MAX_ZONE_PEOPLE people."""
    require_length(text, MAX_ZONE_LIST, "zones")
    zones: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = line.replace(",", " ").replace(";", " ").split()
        if not parts:
            continue
        name, count = parts[0], parts[1] if len(parts) > 1 else "1"
        if (
            len(name) > 64
            or not is_valid_timezone(name)
            or not count.isdigit()
            or len(parts) > 2
            or not 0 < int(count) <= 10_000
        ):
            raise DomainError(
                _(
                    "Line %(n)s, “%(line)s”: write a time zone such as Asia/Manila, then a number of people if more "
                    "than one.",
                    n=number,
                    line=line.strip(),
                ),
                field="zones",
            )
        zones.extend([name] * int(count))
        if len(zones) > MAX_ZONE_PEOPLE:
            raise DomainError(_("Count at most %(n)s people in all.", n=MAX_ZONE_PEOPLE), field="zones")
    if not zones:
        raise DomainError(_("Paste at least one time zone."), field="zones")
    return zones


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


def _trains_any(user: User, session: so.Session) -> bool:
    return (
        session.scalar(
            sa.select(sa.literal(1)).select_from(cohort_trainers).where(cohort_trainers.c.user_id == user.id).limit(1)
        )
        is not None
    )


# Accounts asks whether a person is staff (two-step sign-in may be required of staff): training one is enough.
account_events.staff_role_asked.connect(_trains_any, weak=False)
