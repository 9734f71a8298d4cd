"""What trainers read about their cohorts' registrations: the board, the review queue, the roster CSV and the
dashboard of the cohorts they train. Every query here is a constant number of statements, whatever the cohort size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from markupsafe import Markup

from app.accounts.models import User
from app.audit import service as audit
from app.cohorts.models import Cohort, CohortSession, CohortStatus, cohort_trainers
from app.cohorts.service import apply_registration_deadline, is_cohort_trainer
from app.groups.models import Group, GroupMembership
from app.lib.errors import Forbidden
from app.lib.html_text import escape_text
from app.lib.time import now_utc
from app.registration.models import (
    EvidenceStatus,
    PreMeeting,
    PrerequisiteEvidence,
    Registration,
    RegistrationStatus,
    RosterEntry,
)
from app.registration.participants import HOLDING, confirmed_roster
from app.registration.prerequisites import (
    Checklist,
    accepts_attestation,
    checklist_from,
    judge_prerequisites,
    roster_counts,
)


def _require_trainer(cohort: Cohort, user: User) -> None:
    if not is_cohort_trainer(cohort, user):
        raise Forbidden(_("Only this cohort's trainers see its registrations."))


@dataclass(frozen=True)
class BoardRow:
    """One registration as the trainer's board shows it: plain values, read for all rows in one query."""

    id: int
    status: RegistrationStatus
    seats: int
    group_name: str
    organization: str
    pre_meeting_held_on: date | None
    pre_meeting_attendance: int | None
    checklist: Checklist


def registration_board(
    session: so.Session, trainer: User, cohort: Cohort, status: RegistrationStatus | None = None
) -> list[BoardRow]:
    """Every group registered for the cohort with what it still needs, in the order they registered; for the
    cohort's trainers and admins. One query, however many groups and participants."""
    _require_trainer(cohort, trainer)
    apply_registration_deadline(session, cohort)
    course = cohort.course
    counts = roster_counts(cohort, course)
    latest_evidence = (
        sa.select(PrerequisiteEvidence.status)
        .where(PrerequisiteEvidence.registration_id == Registration.id)
        .order_by(PrerequisiteEvidence.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        sa.select(
            Registration.id,
            Registration.status,
            Registration.seats,
            Group.name.label("group_name"),
            Group.organization,
            PreMeeting.held_on,
            PreMeeting.attendance,
            latest_evidence.label("evidence_status"),
            sa.func.coalesce(counts.c.members, 0).label("members"),
            sa.func.coalesce(counts.c.completed, 0).label("completed"),
        )
        .join(Group, Registration.group_id == Group.id)
        .outerjoin(PreMeeting, PreMeeting.registration_id == Registration.id)
        .outerjoin(counts, counts.c.registration_id == Registration.id)
        .where(Registration.cohort_id == cohort.id)
        .order_by(Registration.created_at, Registration.id)
    )
    if status is not None:
        query = query.where(Registration.status == status)
    return [
        BoardRow(
            id=row.id,
            status=RegistrationStatus(row.status),
            seats=row.seats,
            group_name=row.group_name,
            organization=row.organization,
            pre_meeting_held_on=row.held_on,
            pre_meeting_attendance=row.attendance,
            checklist=checklist_from(
                cohort,
                row.members,
                judge_prerequisites(
                    course,
                    row.members,
                    row.completed,
                    EvidenceStatus(row.evidence_status)
                    if row.evidence_status and accepts_attestation(course)
                    else None,
                ),
            ),
        )
        for row in session.execute(query)
    ]


def board_rows_html(rows: list[BoardRow], registration_url: str, *, pre_meeting_required: bool) -> Markup:
    """The board's table rows, exactly as registration/board.html wrote them row by row: the group (a link to
    `registration_url` with the registration's id appended) and organization, status, members of the threshold,
    prerequisites, pre-meeting and seats. People's values are escaped; the translated words are the house's own
    and written as Jinja writes `_()`, unescaped, each translated once for the page (not once per row)."""
    of_threshold = _("%(n)s of %(min)s")
    completions = _("completions (%(n)s)")
    # Translated outside f-strings, where pybabel would not find them.
    review, not_yet = _("waiting for your review"), _("not yet")
    words = {
        "met": _("experience accepted"),
        "review": f"<strong>{review}</strong>",
        "declined": _("declined"),
        "missing": _("missing"),
    }
    pre_meeting_missing = f"<strong>{not_yet}</strong>" if pre_meeting_required else "—"
    statuses = {status: escape_text(status.label) for status in RegistrationStatus}
    parts = []
    for row in rows:
        checklist = row.checklist
        p = checklist.prerequisites
        if p.state == "none":
            prerequisites = "—"
        elif p.state == "met" and p.completed >= p.needed:
            prerequisites = completions % {"n": p.completed}
        else:
            prerequisites = words.get(p.state, words["missing"])
        if row.pre_meeting_held_on is not None:
            pre_meeting = f"{row.pre_meeting_held_on.isoformat()} ({row.pre_meeting_attendance})"
        else:
            pre_meeting = pre_meeting_missing
        parts.append(
            f'  <tr>\n    <th scope="row"><a href="{registration_url}{row.id}">{escape_text(row.group_name)}</a>'
            f'<br><span class="muted">{escape_text(row.organization)}</span></th>\n'
            f"    <td>{statuses[row.status]}</td>\n"
            f"    <td>{of_threshold % {'n': checklist.members, 'min': checklist.threshold}}</td>\n"
            f"    <td>{prerequisites}</td>\n"
            f"    <td>{pre_meeting}</td>\n"
            f"    <td>{row.seats}</td>\n  </tr>\n"
        )
    return Markup("".join(parts))


def review_queue(session: so.Session, trainer: User) -> list[Registration]:
    """Attestations waiting for a decision in every cohort the person trains (every cohort for an admin),
    oldest first, so nobody's evidence is forgotten on a board they did not open."""
    query = (
        sa.select(Registration)
        .join(Cohort, Registration.cohort_id == Cohort.id)
        .where(
            Registration.status == RegistrationStatus.PENDING,
            Cohort.status.in_([CohortStatus.OPEN, CohortStatus.CLOSED]),
        )
        .options(
            so.selectinload(Registration.evidence_history),
            so.selectinload(Registration.group),
            so.selectinload(Registration.cohort).selectinload(Cohort.course),
        )
    )
    if not trainer.is_admin:
        query = query.where(Cohort.trainers.any(User.id == trainer.id))
    waiting = [r for r in session.scalars(query) if r.evidence and r.evidence.status == EvidenceStatus.PENDING]
    return sorted(waiting, key=lambda r: (r.evidence.created_at, r.id))


def roster_rows(session: so.Session, trainer: User, cohort: Cohort) -> list[list[str]]:
    """The confirmed participants, for a CSV: name, email, group, organization, time zone; registrations in the order
    they came in, each roster in the order its people were named. Two queries (the groups, then every roster entry:
    sorting the wide joined rows in the database costs more than putting them in order here). The export is
    recorded in the audit log."""
    _require_trainer(cohort, trainer)
    apply_registration_deadline(session, cohort)
    registrations = session.execute(
        sa.select(Registration.id, Group.name, Group.organization)
        .join(Group, Registration.group_id == Group.id)
        .where(Registration.cohort_id == cohort.id, Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(Registration.created_at, Registration.id)
    ).all()
    people: dict[int, list[list[str]]] = {registration_id: [] for registration_id, _group, _org in registrations}
    entries = session.execute(
        confirmed_roster(
            RosterEntry.registration_id,
            User.id,
            User.name,
            User.email,
            User.timezone,
            GroupMembership.display_name,
            cohort_id=cohort.id,
        )
        .outerjoin(User, GroupMembership.user_id == User.id)
        .order_by(RosterEntry.id)
    )
    for registration_id, user_id, name, email, timezone, display_name in entries:
        # A person on the roster by name alone (no account) has no email or time zone.
        person = [name, email, timezone] if user_id is not None else [display_name or "", "", ""]
        people[registration_id].append(person)
    rows = [
        [name, email, group, organization, timezone]
        for registration_id, group, organization in registrations
        for name, email, timezone in people[registration_id]
    ]
    audit.record(session, trainer, "export.roster_csv", f"cohort {cohort.id}", rows=len(rows))
    return rows


# Trainer dashboard -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardRow:
    cohort: Cohort
    groups: int  # live registrations: pending, confirmed or waitlisted
    next_session: CohortSession | None  # None once every session has started


def trainer_dashboard(session: so.Session, user: User, at: datetime | None = None) -> list[DashboardRow]:
    """The cohorts `user` trains, soonest next session first (finished ones last), in three queries whatever
    their number."""
    at = at or now_utc()
    cohorts = session.scalars(
        sa.select(Cohort)
        .join(cohort_trainers)
        .where(cohort_trainers.c.user_id == user.id)
        .options(so.selectinload(Cohort.sessions), so.joinedload(Cohort.course))
    ).unique()
    cohorts = list(cohorts)
    groups = dict(
        session.execute(
            sa.select(Registration.cohort_id, sa.func.count(Registration.id))
            .where(Registration.cohort_id.in_([c.id for c in cohorts]), Registration.status.in_(HOLDING))
            .group_by(Registration.cohort_id)
        ).all()
    )
    rows = [
        DashboardRow(c, groups.get(c.id, 0), next((s for s in c.sessions if s.starts_at > at), None)) for c in cohorts
    ]
    far = datetime.max.replace(tzinfo=at.tzinfo)
    return sorted(rows, key=lambda r: (r.next_session is None, r.next_session.starts_at if r.next_session else far))
