"""Completion follows from attendance: the course's rule (at least `required_sessions` sessions, and the group's
pre-meeting when the course has one) decides who gets a `Completion`, which other courses' prerequisite checks
count. Also the cohort's attendance CSV, which shows where each person stands on the rule."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.accounts.models import User
from app.attendance.models import Attendance
from app.attendance.records import Person, Recorded, attendance_map, attended_counts, insert_attendance, people_of
from app.cohorts.models import Cohort, CohortSession, CohortStatus
from app.groups.models import GroupMembership
from app.lib.errors import DomainError
from app.lib.time import now_utc, to_local
from app.lib.urls import external_url
from app.notifications.service import queue_email
from app.registration.models import Completion, PreMeeting, Registration
from app.registration.participants import (
    Participant,
    cohort_participants,
    confirmed_roster,
    require_trainer,
)

# Completion


@dataclass(frozen=True)
class CompletionStatus:
    """Where one participant stands on the course's completion rule."""

    participant: Participant | Person  # Person on the trainer's page and in the spreadsheet
    attended: int
    required: int
    pre_meeting_required: bool
    pre_meeting_logged: bool
    completion: Completion | None  # a completion of this course they already hold (from any cohort)

    @property
    def qualifies(self) -> bool:
        return self.attended >= self.required and (self.pre_meeting_logged or not self.pre_meeting_required)

    @property
    def reasons(self) -> list[str]:
        reasons = []
        if self.attended < self.required:
            reasons.append(
                ngettext(
                    "attended %(n)s of %(required)s required session",
                    "attended %(n)s of %(required)s required sessions",
                    self.required,
                    n=self.attended,
                    required=self.required,
                )
            )
        if self.pre_meeting_required and not self.pre_meeting_logged:
            reasons.append(_("group's pre-meeting not logged"))
        return reasons

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def standing(self) -> tuple[int, bool]:
        """What the reasons depend on: the same for everyone with the same attendance and pre-meeting."""
        return self.attended, self.pre_meeting_logged

    @property
    def summary(self) -> str:
        """The words "2 of 2 sessions attended", for pages that show a participant's progress."""
        return ngettext(
            "%(n)s of %(required)s session attended",
            "%(n)s of %(required)s sessions attended",
            self.required,
            n=self.attended,
            required=self.required,
        )


def _reasons_once(statuses: list[CompletionStatus]) -> dict[tuple[int, bool], str]:
    """The reason of each standing among these statuses, translated once per standing rather than per person."""
    reasons: dict[tuple[int, bool], str] = {}
    for status in statuses:
        if status.standing not in reasons:
            reasons[status.standing] = status.reason
    return reasons


def required_sessions(cohort: Cohort) -> int:
    """The course's minimum (all its sessions by default), never more than the cohort actually holds."""
    required = cohort.course.required_sessions
    return min(required, len(cohort.sessions)) if cohort.sessions else required


def _pre_meetings_logged(session: so.Session, cohort: Cohort) -> set[int]:
    """The registrations of the cohort whose group logged its pre-meeting."""
    return set(
        session.scalars(
            sa.select(PreMeeting.registration_id)
            .join(Registration, PreMeeting.registration_id == Registration.id)
            .where(Registration.cohort_id == cohort.id)
        )
    )


def statuses_of_people(
    session: so.Session, cohort: Cohort, people: list[Person], attended: dict[int, int]
) -> list[CompletionStatus]:
    """Where each person stands on the rule, for the trainer's page and the spreadsheet, which show the rule, not
    who holds the course already (`completion` is left None; run_completion reads it)."""
    pre_meeting_needed = cohort.course.pre_meeting_reading is not None
    logged = _pre_meetings_logged(session, cohort)
    required = required_sessions(cohort)
    return [
        CompletionStatus(
            participant=p,
            attended=attended.get(p.membership_id, 0),
            required=required,
            pre_meeting_required=pre_meeting_needed,
            pre_meeting_logged=p.registration_id in logged,
            completion=None,
        )
        for p in people
    ]


def _completion_statuses(
    session: so.Session,
    cohort: Cohort,
    participants: list[Participant],
    records: dict[tuple[int, int], Recorded],
) -> list[CompletionStatus]:
    course = cohort.course
    pre_meeting_needed = course.pre_meeting_reading is not None
    logged = _pre_meetings_logged(session, cohort)
    user_ids = [p.user.id for p in participants if p.user is not None]
    held = {}
    if user_ids:
        held = {
            c.user_id: c
            for c in session.scalars(
                sa.select(Completion).where(Completion.course_id == course.id, Completion.user_id.in_(user_ids))
            )
        }
    attended = attended_counts(records)  # records hold only this cohort's sessions (see attendance_map)
    required = required_sessions(cohort)
    return [
        CompletionStatus(
            participant=p,
            attended=attended.get(p.membership.id, 0),
            required=required,
            pre_meeting_required=pre_meeting_needed,
            pre_meeting_logged=p.registration.id in logged,
            completion=held.get(p.user.id) if p.user is not None else None,
        )
        for p in participants
    ]


def completion_status(session: so.Session, cohort: Cohort, membership: GroupMembership) -> CompletionStatus | None:
    """Where one participant (by group membership) stands on the completion rule; None if not a participant."""
    participant = next((p for p in cohort_participants(session, cohort) if p.membership.id == membership.id), None)
    if participant is None:
        return None
    records = {
        (a.cohort_session_id, a.membership_id): a
        for a in session.scalars(
            sa.select(Attendance)
            .join(CohortSession, Attendance.cohort_session_id == CohortSession.id)
            .where(CohortSession.cohort_id == cohort.id, Attendance.membership_id == membership.id)
        )
    }
    return _completion_statuses(session, cohort, [participant], records)[0]


@dataclass(frozen=True)
class CompletionPreview:
    """Whether the cohort can be marked completed now, and how many would complete."""

    cohort_id: int
    can_complete: bool
    refusal: str | None
    is_completed: bool
    statuses: list[CompletionStatus]  # of Person rows (see statuses_of_people)
    required: int  # sessions to attend, as the completion rule counts them
    certificates: int  # participants holding a completion earned in this cohort

    @classmethod
    def of(
        cls, session: so.Session, cohort: Cohort, statuses: list[CompletionStatus], at: datetime
    ) -> CompletionPreview:
        refusal = _completion_refusal(cohort, at)
        earned = session.scalar(
            confirmed_roster(sa.func.count(), cohort_id=cohort.id)
            .join(Completion, Completion.user_id == GroupMembership.user_id)
            .where(Completion.cohort_id == cohort.id, Completion.course_id == cohort.course_id)
        )
        return cls(
            cohort.id,
            refusal is None,
            refusal,
            cohort.status == CohortStatus.COMPLETED,
            statuses,
            required_sessions(cohort),
            earned or 0,
        )

    @property
    def qualifying(self) -> int:
        return sum(1 for s in self.statuses if s.qualifies)

    @property
    def missing(self) -> list[CompletionStatus]:
        """Who does not meet the rule (yet)."""
        return [s for s in self.statuses if not s.qualifies]

    @property
    def not_qualifying(self) -> int:
        return len(self.missing)

    @property
    def missing_by_reason(self) -> list[tuple[str, int, list[tuple[str, list[str]]]]]:
        """Who does not meet the rule: each reason (said once) with how many, and under it each group (said once)
        with its people's names; reasons, groups and people in the order people come (registration order)."""
        by_reason: dict[str, dict[int, tuple[str, list[str]]]] = {}
        counts: Counter[str] = Counter()
        missing = self.missing
        reasons = _reasons_once(missing)
        for status in missing:
            person = status.participant
            reason = reasons[status.standing]
            counts[reason] += 1
            groups = by_reason.setdefault(reason, {})
            groups.setdefault(person.registration_id, (person.group_name, []))[1].append(person.name)
        return [(reason, counts[reason], list(groups.values())) for reason, groups in by_reason.items()]

    @property
    def without_account(self) -> int:
        return sum(1 for s in self.statuses if not s.participant.has_account)


def _completion_refusal(cohort: Cohort, at: datetime) -> str | None:
    if cohort.status == CohortStatus.CANCELLED:
        return _("This cohort was cancelled, so it cannot be completed.")
    if not cohort.sessions:
        return _("This cohort has no sessions, so nobody can complete it.")
    last = cohort.sessions[-1]
    if last.starts_at > at:
        local = to_local(last.starts_at, cohort.host_timezone)
        return _(
            "The last session starts on %(when)s (%(zone)s). Mark the cohort completed once it has begun.",
            when=local.strftime("%Y-%m-%d %H:%M"),
            zone=cohort.host_timezone.replace("_", " "),
        )
    return None


@dataclass
class CompletionReport:
    """What completing a cohort did."""

    completed: list[CompletionStatus] = field(default_factory=list)  # new completions, one email each
    already: list[CompletionStatus] = field(default_factory=list)  # qualified, already held the course
    not_qualified: list[CompletionStatus] = field(default_factory=list)
    without_account: list[CompletionStatus] = field(default_factory=list)  # qualified, but no account to hold it


def complete_cohort(session: so.Session, trainer: User, cohort: Cohort, at: datetime | None = None) -> CompletionReport:
    """A trainer (or admin) marks the cohort completed; see run_completion for what that does."""
    require_trainer(trainer, cohort)
    return run_completion(session, cohort, at)


def run_completion(session: so.Session, cohort: Cohort, at: datetime | None = None) -> CompletionReport:
    """Mark the cohort completed and give a Completion to each qualifying participant with an account who does
    not already hold one of this course; each new one is emailed a link to their certificate.

    Idempotent: running it again creates nothing new (unless attendance was corrected in between; completions
    are never taken away). Raises DomainError for a cancelled cohort or before its last session has started.
    Without an acting user: for the command line and the demo; pages call complete_cohort.
    """
    at = at or now_utc()
    refusal = _completion_refusal(cohort, at)
    if refusal:
        raise DomainError(refusal)
    participants = cohort_participants(session, cohort)
    statuses = _completion_statuses(session, cohort, participants, attendance_map(session, cohort))
    report = CompletionReport()
    candidates: list[CompletionStatus] = []
    for status in statuses:
        if not status.qualifies:
            report.not_qualified.append(status)
        elif status.participant.user is None:
            report.without_account.append(status)
        elif status.completion is not None:
            report.already.append(status)
        else:
            candidates.append(status)
    created = _create_completions(session, cohort, {s.participant.user.id for s in candidates}, at)
    link = external_url("attendance.certificate", cohort_id=cohort.id)
    emailed: set[int] = set()
    for status in candidates:
        user = status.participant.user
        if user.id not in created:  # a concurrent run made it first
            report.already.append(status)
            continue
        report.completed.append(status)
        if user.id in emailed:  # one person in two groups of the cohort
            continue
        emailed.add(user.id)
        queue_email(
            session,
            to=user.email,
            locale=user.locale,
            subject=_l("You completed %(course)s", course=cohort.course.title),
            template="attendance/email/completed",
            kind="attendance_completed",
            user=user,
            cohort=cohort,
            status=status,
            link=link,
        )
    cohort.status = CohortStatus.COMPLETED
    session.flush()
    return report


def _create_completions(session: so.Session, cohort: Cohort, user_ids: set[int], at: datetime) -> set[int]:
    """Insert the completions in one statement, skipping anyone who holds the course already (even if a concurrent
    run just added it): returns the people for whom a row was created."""
    if not user_ids:
        return set()
    insert = insert_attendance(session)
    statement = (
        insert(Completion)
        .values(
            [
                {"user_id": user_id, "course_id": cohort.course_id, "cohort_id": cohort.id, "completed_at": at}
                for user_id in sorted(user_ids)
            ]
        )
        .on_conflict_do_nothing(index_elements=[Completion.user_id, Completion.course_id])
        .returning(Completion.user_id)
    )
    return set(session.scalars(statement))


def attendance_rows(session: so.Session, trainer: User, cohort: Cohort) -> list[list[str]]:
    """The whole cohort's attendance for a spreadsheet: a header, then one row per participant (registration order)
    with each session's state (present, absent, or blank when not recorded) and where they stand on the completion
    rule. Constant queries of plain rows."""
    require_trainer(trainer, cohort)
    people = people_of(session, cohort)
    records = attendance_map(session, cohort)
    statuses = statuses_of_people(session, cohort, people, attended_counts(records))
    session_ids = [cohort_session.id for cohort_session in cohort.sessions]
    header = [_("Name"), _("Email"), _("Group"), _("Organization")]
    header += [_("Session %(n)s", n=n) for n in range(1, len(session_ids) + 1)]
    header += [_("Sessions attended"), _("Meets the completion rule")]
    words = {None: "", True: _("present"), False: _("absent")}
    yes = _("yes")
    reasons = _reasons_once(statuses)
    rows = [header]
    for status in statuses:
        person = status.participant
        states = []
        for session_id in session_ids:
            record = records.get((session_id, person.membership_id))
            states.append(words[None if record is None else record.present])
        rows.append(
            [
                person.name,
                person.email or "",
                person.group_name,
                person.organization,
                *states,
                str(status.attended),
                yes if status.qualifies else reasons[status.standing],
            ]
        )
    return rows
