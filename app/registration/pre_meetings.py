"""The groups' own meeting before session 1, and the reminders coordinators get (the deadline, the pre-meeting)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.cohorts.models import Cohort, CohortStatus
from app.groups.service import require_coordinator
from app.lib.errors import DomainError
from app.lib.text import require_length
from app.lib.time import now_utc, to_local
from app.registration.models import (
    PreMeeting,
    Registration,
    RegistrationStatus,
    SentReminder,
)
from app.registration.participants import HOLDING
from app.registration.prerequisites import checklist
from app.registration.seats import notify_coordinators
from app.registration.service import PRE_MEETING_NOTES_MAX

PRE_MEETING_REMINDER_LEADS = (timedelta(days=7), timedelta(days=2))


def pre_meeting_required(cohort: Cohort) -> bool:
    """Whether the cohort's groups meet once before session 1 (the course names a pre-meeting reading)."""
    return cohort.course.pre_meeting_reading is not None


def log_pre_meeting(
    session: so.Session,
    coordinator: User,
    registration: Registration,
    *,
    held_on: date,
    attendance: int,
    notes: str = "",
) -> PreMeeting:
    """Record (or correct) the group's pre-meeting: a date not in the future, and how many came."""
    require_coordinator(registration.group, coordinator)
    require_length(notes, PRE_MEETING_NOTES_MAX, "notes")
    if not pre_meeting_required(registration.cohort):
        raise DomainError(_("This course has no pre-meeting."))
    if registration.status not in HOLDING:
        raise DomainError(
            _(
                "A pre-meeting can no longer be logged for this registration (its status: %(status)s).",
                status=registration.status.label,
            )
        )
    today = to_local(now_utc(), registration.cohort.host_timezone).date()
    if held_on > today:
        raise DomainError(
            _("Log the meeting once it has happened: %(day)s is in the future.", day=held_on), field="held_on"
        )
    if attendance < 1 or attendance > 10_000:
        raise DomainError(_("Enter how many people took part."), field="attendance")
    meeting = registration.pre_meeting or PreMeeting(registration=registration)
    meeting.held_on, meeting.attendance = held_on, attendance
    meeting.notes = (notes or "").strip()
    meeting.logged_by_id, meeting.logged_at = coordinator.id, now_utc()
    session.add(meeting)
    session.flush()
    return meeting


def _record_once(session: so.Session, registration: Registration, kinds: list[str]) -> bool:
    """Record that the reminders `kinds` went out; False when the last (most urgent) was already recorded.
    The unique (registration, kind) pair makes a second, concurrent run fail here instead of sending again."""
    already = set(
        session.scalars(
            sa.select(SentReminder.kind).where(
                SentReminder.registration_id == registration.id, SentReminder.kind.in_(kinds)
            )
        )
    )
    if kinds[-1] in already:
        return False
    try:
        with session.begin_nested():
            session.add_all(SentReminder(registration_id=registration.id, kind=k) for k in kinds if k not in already)
    except sa.exc.IntegrityError:
        return False
    return True


DEADLINE_REMINDER_LEAD = timedelta(days=3)


def send_deadline_reminders(session: so.Session, now: datetime | None = None) -> int:
    """Three days before the deadline, tell coordinators of registrations still waiting what is missing."""
    now = now or now_utc()
    sent = 0
    waiting = session.scalars(
        sa.select(Registration)
        .join(Cohort)
        .where(
            Registration.status == RegistrationStatus.PENDING,
            Cohort.status == CohortStatus.OPEN,
            Cohort.registration_deadline_at > now,
            Cohort.registration_deadline_at <= now + DEADLINE_REMINDER_LEAD,
        )
    )
    for registration in waiting:
        if not _record_once(session, registration, ["deadline-3d"]):
            continue
        notify_coordinators(
            session,
            registration,
            "deadline_reminder",
            _l(
                "%(group)s's registration for %(course)s is not complete yet",
                group=registration.group.name,
                course=registration.cohort.course.title,
            ),
            checklist=checklist(session, registration),
        )
        sent += 1
    session.flush()
    return sent


def send_pre_meeting_reminders(session: so.Session, now: datetime | None = None) -> int:
    """Email coordinators of confirmed groups that have not logged their pre-meeting, 7 and 2 days before
    session 1. Each reminder is recorded under a unique key first, so none is ever sent twice, even by two
    runs at once; when both are due, only the later (more urgent) one goes out."""
    now = now or now_utc()
    sent = 0
    candidates = session.scalars(
        sa.select(Registration)
        .join(Cohort)
        .where(Registration.status == RegistrationStatus.CONFIRMED, ~Registration.pre_meeting.has())
        .options(so.selectinload(Registration.cohort).selectinload(Cohort.sessions))
    )
    for registration in candidates:
        first = registration.cohort.first_session_at
        if first is None or first <= now or not pre_meeting_required(registration.cohort):
            continue
        due = [lead for lead in PRE_MEETING_REMINDER_LEADS if now >= first - lead]
        if not due:
            continue
        if not _record_once(session, registration, [f"pre-meeting-{lead.days}d" for lead in due]):
            continue
        notify_coordinators(
            session,
            registration,
            "pre_meeting_reminder",
            _l(
                "Reminder: %(group)s's pre-meeting before %(course)s",
                group=registration.group.name,
                course=registration.cohort.course.title,
            ),
            days=(first - now).days,
        )
        sent += 1
    session.flush()
    return sent
