"""Registration rules: groups register together, above a threshold, before a deadline, with prerequisites met,
and never beyond the cohort's capacity.

State machine: pending -> confirmed | waitlisted -> withdrawn; pending -> declined | lapsed; waitlisted ->
confirmed (promotion) | lapsed; confirmed -> withdrawn.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts.models import User
from app.audit import service as audit
from app.cohorts import events as cohort_events
from app.cohorts.models import Cohort, CohortStatus
from app.cohorts.service import is_cohort_trainer
from app.courses.models import Course
from app.groups import events as group_events
from app.groups.models import Group, GroupMembership, MembershipRole, MembershipStatus
from app.groups.service import is_coordinator, require_coordinator
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.markdown import render_markdown
from app.lib.text import require_length
from app.lib.time import now_utc, to_local
from app.lib.urls import external_url
from app.notifications.service import queue_email
from app.registration.models import (
    Completion,
    EvidenceStatus,
    PreMeeting,
    PrerequisiteEvidence,
    Registration,
    RegistrationStatus,
    RosterEntry,
    SentReminder,
)

# Bounds of what coordinators and trainers type (the forms carry the same ones).
ATTESTATION_MAX = 5000
DECLINE_REASON_MAX = 1000
PRE_MEETING_NOTES_MAX = 5000

HOLDING = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


@dataclass(frozen=True)
class Prerequisites:
    """Where a registration stands on the course's prerequisites."""

    state: str  # "none", "met", "review", "declined", "missing"
    completed: int = 0
    needed: int = 0

    @property
    def met(self) -> bool:
        return self.state in ("none", "met")


@dataclass(frozen=True)
class Checklist:
    """What a registration still needs, in words a coordinator can act on."""

    members: int
    threshold: int
    prerequisites: Prerequisites
    seats_left: int

    @property
    def threshold_met(self) -> bool:
        return self.members >= self.threshold


def _set_status(registration: Registration, status: RegistrationStatus) -> None:
    registration.status = status
    registration.status_changed_at = now_utc()
    if status == RegistrationStatus.WAITLISTED and registration.waitlisted_at is None:
        registration.waitlisted_at = registration.status_changed_at


def _notify_coordinators(
    session: so.Session, registration: Registration, template: str, subject: str, **context
) -> None:
    link = external_url("registration.registration_page", registration_id=registration.id)
    for membership in registration.group.coordinators:
        queue_email(
            session,
            to=membership.user.email,
            subject=subject,
            template=f"registration/email/{template}",
            kind=f"registration_{template}",
            registration=registration,
            cohort=registration.cohort,
            group=registration.group,
            coordinator=membership.user,
            link=link,
            **context,
        )


def _prerequisites(
    course: Course, roster_size: int, completed: int, evidence_status: EvidenceStatus | None
) -> Prerequisites:
    """The rule, from plain numbers: met when `completed` of the `roster_size` people on the roster completed one
    of the course's prerequisite courses and that is at least the course's share of them; otherwise the latest
    attestation's status decides."""
    if not course.prerequisites:
        return Prerequisites("none")
    needed = max(1, math.ceil(round(course.prerequisite_share * roster_size, 6)))
    if roster_size and completed >= needed:
        return Prerequisites("met", completed, needed)
    if evidence_status is None:
        return Prerequisites("missing", completed, needed)
    state = {EvidenceStatus.APPROVED: "met", EvidenceStatus.PENDING: "review", EvidenceStatus.DECLINED: "declined"}[
        evidence_status
    ]
    return Prerequisites(state, completed, needed)


def accepts_attestation(course: Course) -> bool:
    """Whether a trainer may accept a group's account of equivalent experience instead of the prerequisite
    courses (the course's `accepts_equivalent_experience`); without it only completions count."""
    return bool(course.prerequisites) and course.accepts_equivalent_experience


def _prerequisites_of_people(
    session: so.Session, registration: Registration, people: list[GroupMembership]
) -> Prerequisites:
    """Where `people` (a roster, current or proposed) stand on the course's prerequisites."""
    course: Course = registration.cohort.course
    if not course.prerequisites:
        return Prerequisites("none")
    user_ids = [m.user_id for m in people if m.user_id is not None]
    completed = (
        session.scalar(
            sa.select(sa.func.count(sa.distinct(Completion.user_id))).where(
                Completion.user_id.in_(user_ids),
                Completion.course_id.in_([p.id for p in course.prerequisites]),
            )
        )
        if user_ids
        else 0
    )
    evidence = registration.evidence
    evidence_status = evidence.status if evidence and accepts_attestation(course) else None
    return _prerequisites(course, len(people), completed, evidence_status)


def prerequisites_of(session: so.Session, registration: Registration) -> Prerequisites:
    """Automatic when enough rostered members completed a prerequisite course; else the attestation decides
    (only when the course accepts equivalent experience)."""
    return _prerequisites_of_people(session, registration, registration.active_roster)


def _checklist(cohort: Cohort, members: int, prerequisites: Prerequisites) -> Checklist:
    return Checklist(
        members=members, threshold=cohort.min_group_size, prerequisites=prerequisites, seats_left=cohort.seats_left
    )


def checklist(session: so.Session, registration: Registration) -> Checklist:
    """What the registration still needs (its page's checklist)."""
    return _checklist(registration.cohort, len(registration.active_roster), prerequisites_of(session, registration))


def lock_cohort(session: so.Session, cohort: Cohort) -> None:
    """Serialize every change to a cohort's seats and waitlist, and reread its seat count and capacity.

    On PostgreSQL this is the cohort row's FOR NO KEY UPDATE lock: it waits for any other transaction that
    takes, gives back or promotes seats in the cohort, or changes its capacity, but not for transactions that
    only insert rows referring to the cohort (their FOR KEY SHARE does not conflict), so it cannot deadlock with
    them. On SQLite every write transaction is already serial (BEGIN IMMEDIATE) and FOR UPDATE compiles to
    nothing. Take it before changing any registration of the cohort: one lock order, cohort first.
    """
    session.execute(sa.select(Cohort.id).where(Cohort.id == cohort.id).with_for_update(key_share=True))
    session.refresh(cohort, ["seats_taken", "capacity"])


def _lock(session: so.Session, registration: Registration) -> None:
    """The cohort's lock, then the registration as it is now (another request may have changed it while this
    one waited for the lock: withdrawing twice at once must not give the seats back twice)."""
    lock_cohort(session, registration.cohort)
    session.refresh(registration)
    session.expire(registration, ["roster", "evidence_history"])


def _take_seats(session: so.Session, cohort: Cohort, seats: int) -> bool:
    """Take seats with one conditional UPDATE: two confirmations at the same instant can never both pass
    the capacity check, on PostgreSQL or SQLite, because the check and the increment are one statement."""
    result = session.execute(
        sa.update(Cohort)
        .where(Cohort.id == cohort.id, Cohort.seats_taken + seats <= Cohort.capacity)
        .values(seats_taken=Cohort.seats_taken + seats)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        session.refresh(cohort, ["seats_taken"])
        return True
    return False


def _release_seats(session: so.Session, registration: Registration, seats: int | None = None) -> None:
    """The one place seats are given back to the cohort: `seats` of the registration's (all by default). The
    caller then runs promote_waitlist, so the freed seats go to the groups waiting."""
    seats = registration.seats if seats is None else min(seats, registration.seats)
    if seats > 0:
        session.execute(
            sa.update(Cohort)
            .where(Cohort.id == registration.cohort_id)
            .values(seats_taken=Cohort.seats_taken - seats)
            .execution_options(synchronize_session=False)
        )
        registration.seats -= seats
        session.refresh(registration.cohort, ["seats_taken"])


def _is_ready(session: so.Session, registration: Registration) -> bool:
    """Everything but a seat: the threshold and the prerequisites are met."""
    size = len(registration.active_roster)
    return size >= registration.cohort.min_group_size and prerequisites_of(session, registration).met


def waitlist(session: so.Session, cohort: Cohort) -> list[Registration]:
    """The cohort's waitlist in the order the groups joined it (read afresh: the caller holds the cohort lock)."""
    return list(
        session.scalars(
            sa.select(Registration)
            .where(Registration.cohort_id == cohort.id, Registration.status == RegistrationStatus.WAITLISTED)
            .order_by(Registration.waitlisted_at, Registration.id)
            .execution_options(populate_existing=True)
        )
    )


def waitlist_place(session: so.Session, registration: Registration) -> int | None:
    """The registration's place on its cohort's waitlist (1 is next), or None when it is not waiting."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.cohort_id == registration.cohort_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            sa.or_(
                Registration.waitlisted_at < registration.waitlisted_at,
                sa.and_(Registration.waitlisted_at == registration.waitlisted_at, Registration.id < registration.id),
            ),
        )
    )
    return ahead + 1


def _confirm(session: so.Session, registration: Registration) -> bool:
    """Take the group's seats and confirm it, telling its coordinators; False (nothing changed) when the seats
    are not free."""
    size = len(registration.active_roster)
    if not _take_seats(session, registration.cohort, size):
        return False
    registration.seats = size
    was_waiting = registration.status == RegistrationStatus.WAITLISTED
    _set_status(registration, RegistrationStatus.CONFIRMED)
    if was_waiting:
        subject = _(
            "A seat freed up: %(group)s is confirmed for %(course)s",
            group=registration.group.name,
            course=registration.cohort.course.title,
        )
    else:
        subject = _(
            "%(group)s is confirmed for %(course)s",
            group=registration.group.name,
            course=registration.cohort.course.title,
        )
    _notify_coordinators(session, registration, "promoted" if was_waiting else "confirmed", subject)
    return True


def evaluate(session: so.Session, registration: Registration) -> RegistrationStatus:
    """Move a pending registration forward when everything it needs is there: confirmed when its seats are free
    and no group is waiting ahead of it, otherwise at the end of the waitlist. Waitlisted registrations move
    only through promote_waitlist. The caller holds the cohort lock."""
    if registration.status != RegistrationStatus.PENDING or not _is_ready(session, registration):
        return registration.status
    if waitlist(session, registration.cohort) or not _confirm(session, registration):
        _set_status(registration, RegistrationStatus.WAITLISTED)
        _notify_coordinators(
            session,
            registration,
            "waitlisted",
            _(
                "%(group)s is on the waitlist for %(course)s",
                group=registration.group.name,
                course=registration.cohort.course.title,
            ),
        )
    session.flush()
    return registration.status


def promote_waitlist(session: so.Session, cohort: Cohort) -> list[Registration]:
    """Give free seats to waitlisted registrations in the order they joined the list, strictly: a group
    that does not fit yet keeps its place, and no later group jumps ahead of it.

    The one promotion: every change that frees or adds seats (a withdrawal, a smaller roster, a member leaving,
    a higher capacity, a decision on evidence, a lapse) runs it. A waitlisted group that no longer meets the
    threshold or the prerequisites (someone left it) goes back to pending and leaves the list; it joins the end
    again once it is ready. The caller holds the cohort lock."""
    promoted = []
    for registration in waitlist(session, cohort):
        if not _is_ready(session, registration):
            registration.waitlisted_at = None
            _set_status(registration, RegistrationStatus.PENDING)
            continue
        if not _confirm(session, registration):
            break
        promoted.append(registration)
    session.flush()
    return promoted


def _roster_members(group: Group, membership_ids: Iterable[int]) -> list[GroupMembership]:
    wanted = set(membership_ids)
    members = [m for m in group.active_members if m.id in wanted]
    if len(members) != len(wanted):
        raise DomainError(_("Choose the roster from the group's active members."), field="members")
    return members


def _check_fits_cohort(cohort: Cohort, members: list[GroupMembership]) -> None:
    """A group larger than the whole cohort could never be confirmed, and would hold up the waitlist forever."""
    if len(members) > cohort.capacity:
        raise DomainError(
            _(
                "This cohort has %(capacity)s seats in all: a roster of %(n)s people cannot take part.",
                capacity=cohort.capacity,
                n=len(members),
            ),
            field="members",
        )


def _set_roster(registration: Registration, members: list[GroupMembership]) -> None:
    """Change the roster in place (keeping unchanged rows), so the unique (registration, member) pair holds."""
    wanted = {m.id for m in members}
    for entry in list(registration.roster):
        if entry.membership_id not in wanted:
            registration.roster.remove(entry)
    present = {entry.membership_id for entry in registration.roster}
    registration.roster.extend(RosterEntry(membership=m) for m in members if m.id not in present)


def ensure_registration_closed(session: so.Session, cohort: Cohort) -> bool:
    """Apply the deadline if it has passed; safe to call on every page view. True when it just did (there is
    something to commit)."""
    if cohort.status == CohortStatus.OPEN and now_utc() >= cohort.registration_deadline_at:
        close_registration(session, cohort)
        return True
    return False


def _refuse_attestation_unless_accepted(course: Course) -> None:
    if not accepts_attestation(course):
        raise DomainError(
            _(
                "%(course)s does not accept equivalent experience: enough of the group's members need to have "
                "completed the prerequisite course.",
                course=course.title,
            ),
            field="attestation",
        )


def register_group(
    session: so.Session,
    coordinator: User,
    group: Group,
    cohort: Cohort,
    membership_ids: Iterable[int],
    attestation: str | None = None,
) -> Registration:
    """Register a group for an open cohort before its deadline, with the members who will take part.

    Raises DomainError when registration is closed, the group is already registered (also when a second request
    registers it at the same moment), the roster is not made of the group's active members or is larger than the
    cohort, or an attestation is given for a course that does not accept equivalent experience.
    """
    require_coordinator(group, coordinator)
    require_length(attestation, ATTESTATION_MAX, "attestation")
    lock_cohort(session, cohort)  # registrations of one cohort, one at a time: see lock_cohort
    ensure_registration_closed(session, cohort)
    if not cohort.registration_is_open():
        raise DomainError(
            _(
                "Registration for this cohort is closed. The deadline was %(when)s UTC.",
                when=cohort.registration_deadline_at.strftime("%Y-%m-%d %H:%M"),
            )
        )
    existing = session.scalar(
        sa.select(Registration)
        .where(Registration.cohort_id == cohort.id, Registration.group_id == group.id)
        .execution_options(populate_existing=True)
    )
    if existing is not None and existing.status in HOLDING:
        raise DomainError(_("This group is already registered for this cohort."))
    members = _roster_members(group, membership_ids)
    if not members:
        raise DomainError(_("Name at least one member who will take part."), field="members")
    _check_fits_cohort(cohort, members)
    attestation = (attestation or "").strip()
    if attestation and cohort.course.prerequisites:
        _refuse_attestation_unless_accepted(cohort.course)
    registration = existing or Registration(cohort=cohort, group=group)
    registration.submitted_by_id = coordinator.id
    _set_roster(registration, members)
    registration.seats = 0
    registration.waitlisted_at = None
    _set_status(registration, RegistrationStatus.PENDING)
    if attestation:
        registration.evidence_history.append(PrerequisiteEvidence(attestation=attestation))
    try:
        with session.begin_nested():
            session.add(registration)
            session.flush()
    except sa.exc.IntegrityError:
        # The unique (cohort, group) pair: another request registered the group first.
        raise DomainError(_("This group is already registered for this cohort.")) from None
    evaluate(session, registration)
    return registration


def update_roster(
    session: so.Session, coordinator: User, registration: Registration, membership_ids: Iterable[int]
) -> None:
    """Change who takes part; every rule is judged again on the new roster.

    A confirmed or waitlisted registration's change is refused, with the reason, when the group would fall below
    the minimum size or miss the prerequisites, and a confirmed group cannot grow into seats that are not free or
    that a waitlisted group is waiting for; a refused change leaves the registration exactly as it was (a
    confirmed group never silently loses its seats). A pending registration may change freely, and is confirmed
    or waitlisted as soon as it meets every rule. No roster may be larger than the cohort. A group that shrinks
    gives its seats back to the waitlist.
    """
    require_coordinator(registration.group, coordinator)
    _lock(session, registration)
    if registration.status not in HOLDING:
        raise DomainError(_("This registration is %(status)s; register again instead.", status=registration.status))
    cohort = registration.cohort
    members = _roster_members(registration.group, membership_ids)
    if not members:
        raise DomainError(_("Name at least one member who will take part; withdraw instead."), field="members")
    _check_fits_cohort(cohort, members)
    if registration.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED):
        if len(members) < cohort.min_group_size:
            raise DomainError(
                _(
                    "The group needs at least %(n)s members on its roster to keep its place; withdraw instead.",
                    n=cohort.min_group_size,
                ),
                field="members",
            )
        prerequisites = _prerequisites_of_people(session, registration, members)
        if not prerequisites.met:
            raise DomainError(
                _(
                    "With this roster only %(n)s of the %(need)s members the prerequisite asks for completed the "
                    "prerequisite course, so the group would lose its place: the roster is unchanged.",
                    n=prerequisites.completed,
                    need=prerequisites.needed,
                ),
                field="members",
            )
    if registration.status == RegistrationStatus.CONFIRMED:
        extra = len(members) - registration.seats
        if extra > 0 and waitlist(session, cohort):
            raise DomainError(
                _(
                    "Other groups are waiting for seats in this cohort: a confirmed group can add people only "
                    "when nobody is waiting."
                ),
                field="members",
            )
        if extra > 0 and not _take_seats(session, cohort, extra):
            raise DomainError(_("There are not enough free seats for %(n)s more people.", n=extra), field="members")
        if extra > 0:
            registration.seats += extra
        _release_seats(session, registration, -extra)
    _set_roster(registration, members)
    session.flush()
    evaluate(session, registration)
    promote_waitlist(session, cohort)


def member_left(session: so.Session, membership: GroupMembership) -> None:
    """Someone left their group (or was removed, or deleted their account): take them off the rosters of cohorts
    that have not started. A confirmed group keeps its place (leaving cannot be refused, and a group never loses
    its seats to it) and gives their seat back, so the waitlist moves; a waitlisted group that falls short of a
    rule goes back to pending. (In a cohort under way they stay on the roster: its attendance and completions are
    history.)"""
    holding = (
        sa.select(RosterEntry.id)
        .join(Registration)
        .join(Cohort, Registration.cohort_id == Cohort.id)
        .where(
            RosterEntry.membership_id == membership.id,
            Registration.status.in_(HOLDING),
            Cohort.status.in_([CohortStatus.DRAFT, CohortStatus.OPEN, CohortStatus.CLOSED]),  # not started yet
        )
    )
    cohorts = session.scalars(
        sa.select(Cohort).where(Cohort.id.in_(holding.with_only_columns(Registration.cohort_id))).order_by(Cohort.id)
    ).all()
    for cohort in cohorts:  # in id order, so two people leaving at once take the locks in the same order
        lock_cohort(session, cohort)
    entries = session.scalars(
        sa.select(RosterEntry).where(RosterEntry.id.in_(holding)).execution_options(populate_existing=True)
    ).all()
    for entry in entries:
        registration = entry.registration
        session.refresh(registration)
        registration.roster.remove(entry)
        if registration.status == RegistrationStatus.CONFIRMED:
            _release_seats(session, registration, registration.seats - len(registration.active_roster))
    session.flush()
    for cohort in cohorts:
        promote_waitlist(session, cohort)


def withdraw(session: so.Session, coordinator: User, registration: Registration) -> None:
    """Withdraw the group; its seats go to the waitlist at once."""
    require_coordinator(registration.group, coordinator)
    _lock(session, registration)
    if registration.status not in HOLDING:
        raise DomainError(_("This registration is already %(status)s.", status=registration.status))
    _release_seats(session, registration)
    _set_status(registration, RegistrationStatus.WITHDRAWN)
    session.flush()
    promote_waitlist(session, registration.cohort)


def submit_attestation(session: so.Session, coordinator: User, registration: Registration, text: str) -> None:
    """Send the group's account of its experience for a trainer's review. Raises DomainError when it is empty,
    when the registration does not need evidence now, or when the course does not accept equivalent experience."""
    require_coordinator(registration.group, coordinator)
    require_length(text, ATTESTATION_MAX, "attestation")
    _lock(session, registration)
    _refuse_attestation_unless_accepted(registration.cohort.course)
    if not (text or "").strip():
        raise DomainError(_("Describe the group's experience."), field="attestation")
    if registration.status not in (RegistrationStatus.PENDING, RegistrationStatus.DECLINED):
        raise DomainError(_("This registration does not need evidence now."))
    registration.evidence_history.append(PrerequisiteEvidence(attestation=text.strip()))
    if registration.status == RegistrationStatus.DECLINED:
        _set_status(registration, RegistrationStatus.PENDING)
    session.flush()


def review_evidence(
    session: so.Session, trainer: User, registration: Registration, *, approve: bool, reason: str = ""
) -> None:
    """A trainer of the cohort approves or declines a group's attestation; who and when are recorded. An approved
    group is confirmed or waitlisted like any other (first come, first served). Raises DomainError when nothing
    waits for review, when declining without a reason, or when approving for a course that does not accept
    equivalent experience (declining stays possible)."""
    require_reviewer(registration, trainer)
    require_length(reason, DECLINE_REASON_MAX, "reason")
    _lock(session, registration)
    evidence = registration.evidence
    if (
        evidence is None
        or evidence.status != EvidenceStatus.PENDING
        or registration.status != RegistrationStatus.PENDING
    ):
        raise DomainError(_("There is no evidence waiting for review."))
    if approve:
        _refuse_attestation_unless_accepted(registration.cohort.course)
    if not approve and not (reason or "").strip():
        raise DomainError(_("Give the group a reason, so they know what to do next."), field="reason")
    evidence.status = EvidenceStatus.APPROVED if approve else EvidenceStatus.DECLINED
    evidence.reason = (reason or "").strip() or None
    evidence.decided_by_id = trainer.id
    evidence.decided_at = now_utc()
    session.flush()
    audit.record(
        session,
        trainer,
        "prerequisite.approved" if approve else "prerequisite.declined",
        f"registration {registration.id}",
        group=registration.group.name,
        cohort=registration.cohort.label,
        reason=evidence.reason,
    )
    if approve:
        evaluate(session, registration)
    else:
        _release_seats(session, registration)
        _set_status(registration, RegistrationStatus.DECLINED)
        _notify_coordinators(
            session,
            registration,
            "declined",
            _(
                "About %(group)s's registration for %(course)s",
                group=registration.group.name,
                course=registration.cohort.course.title,
            ),
            reason=evidence.reason,
        )
        session.flush()
    promote_waitlist(session, registration.cohort)


def check_capacity(session: so.Session, cohort: Cohort, capacity: int) -> None:
    """Lock the cohort (see lock_cohort) and refuse a capacity below the seats taken, or below the roster of a
    group still waiting for seats (it could never be confirmed, and would hold up the waitlist). The caller
    then sets the capacity in the same transaction, under the lock, and runs promote_waitlist."""
    lock_cohort(session, cohort)
    if capacity < cohort.seats_taken:
        raise DomainError(
            _("%(n)s seats are already taken: capacity cannot go below that.", n=cohort.seats_taken), field="capacity"
        )
    counts = _roster_counts(cohort, cohort.course)
    largest = session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(counts.c.members), 0))
        .join(Registration, Registration.id == counts.c.registration_id)
        .where(Registration.status.in_([RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED]))
    )
    if capacity < largest:
        raise DomainError(
            _(
                "A group of %(n)s people is waiting for seats in this cohort: capacity cannot go below that.",
                n=largest,
            ),
            field="capacity",
        )


def cohort_changed(session: so.Session, cohort: Cohort) -> None:
    """After a trainer changed the cohort (its capacity, its minimum group size): the waitlist moves first, then
    pending registrations that now meet every rule are confirmed or waitlisted, in the order they came in. The
    caller holds the cohort lock (check_capacity)."""
    promote_waitlist(session, cohort)
    pending = session.scalars(
        sa.select(Registration)
        .where(Registration.cohort_id == cohort.id, Registration.status == RegistrationStatus.PENDING)
        .order_by(Registration.created_at, Registration.id)
    ).all()
    for registration in pending:
        evaluate(session, registration)


def close_registration(session: so.Session, cohort: Cohort) -> list[Registration]:
    """After the deadline: registrations still waiting on the threshold or prerequisites lapse (their
    coordinators are told), and the cohort stops taking registrations. Running it again changes nothing."""
    if now_utc() < cohort.registration_deadline_at:
        return []
    lock_cohort(session, cohort)
    lapsed = list(
        session.scalars(
            sa.select(Registration)
            .where(
                Registration.cohort_id == cohort.id,
                Registration.status.in_([RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED]),
            )
            .execution_options(populate_existing=True)
        )
    )
    for registration in lapsed:
        _release_seats(session, registration)
        _set_status(registration, RegistrationStatus.LAPSED)
        _notify_coordinators(
            session,
            registration,
            "lapsed",
            _(
                "%(group)s's registration for %(course)s has lapsed",
                group=registration.group.name,
                course=registration.cohort.course.title,
            ),
        )
    if cohort.status == CohortStatus.OPEN:
        cohort.status = CohortStatus.CLOSED
    session.flush()
    promote_waitlist(session, cohort)
    return lapsed


def close_due_registrations(session: so.Session) -> list[Registration]:
    """Close every open cohort whose deadline has passed (for cron)."""
    lapsed = []
    for cohort in session.scalars(
        sa.select(Cohort).where(Cohort.status == CohortStatus.OPEN, Cohort.registration_deadline_at <= now_utc())
    ):
        lapsed.extend(close_registration(session, cohort))
    return lapsed


def get_registration(session: so.Session, user: User, registration_id: int) -> Registration:
    """A registration for its group's active members, the cohort's trainers and admins; Forbidden otherwise."""
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_("There is no such registration."))
    group = registration.group
    member = any(m.user_id == user.id for m in group.active_members)
    if not (member or is_cohort_trainer(registration.cohort, user)):
        raise Forbidden(_("This registration belongs to another group."))
    ensure_registration_closed(session, registration.cohort)
    return registration


def registrations_for_group(session: so.Session, group: Group) -> list[Registration]:
    return list(
        session.scalars(
            sa.select(Registration).where(Registration.group_id == group.id).order_by(Registration.created_at.desc())
        )
    )


def coordinated_groups(session: so.Session, user: User) -> list[Group]:
    return list(
        session.scalars(
            sa.select(Group)
            .join(GroupMembership)
            .where(
                GroupMembership.user_id == user.id,
                GroupMembership.status == MembershipStatus.ACTIVE,
                GroupMembership.role == MembershipRole.COORDINATOR,
            )
            .order_by(Group.name)
        )
    )


def can_manage(registration: Registration, user: User) -> bool:
    return is_coordinator(registration.group, user) or user.is_admin


def require_manager(registration: Registration, user: User) -> None:
    """Only the group's coordinators (and admins) change its registration."""
    require_coordinator(registration.group, user)


def require_reviewer(registration: Registration, user: User) -> None:
    if not is_cohort_trainer(registration.cohort, user):
        raise Forbidden(_("Only this cohort's trainers review its registrations."))


def attestation_html(registration: Registration):
    return render_markdown(registration.evidence.attestation) if registration.evidence else ""


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


def _roster_counts(cohort: Cohort, course: Course) -> sa.Subquery:
    """Per registration of the cohort: its active roster's size, and how many of those people completed a
    prerequisite course (roster entries are unique per registration and people per group, so these are people)."""
    if course.prerequisites:
        holds_completion = sa.exists().where(
            Completion.user_id == GroupMembership.user_id,
            Completion.course_id.in_([p.id for p in course.prerequisites]),
        )
        completed = sa.func.count(sa.case((holds_completion, GroupMembership.user_id)))
    else:
        completed = sa.literal(0)
    return (
        sa.select(
            RosterEntry.registration_id,
            sa.func.count().label("members"),
            completed.label("completed"),
        )
        .join(GroupMembership, RosterEntry.membership_id == GroupMembership.id)
        .join(Registration, RosterEntry.registration_id == Registration.id)
        .where(Registration.cohort_id == cohort.id, GroupMembership.status == MembershipStatus.ACTIVE)
        .group_by(RosterEntry.registration_id)
        .subquery()
    )


def registration_board(
    session: so.Session, trainer: User, cohort: Cohort, status: RegistrationStatus | None = None
) -> list[BoardRow]:
    """Every group registered for the cohort with what it still needs, in the order they registered; for the
    cohort's trainers and admins. One query, however many groups and participants."""
    _require_trainer(cohort, trainer)
    ensure_registration_closed(session, cohort)
    course = cohort.course
    counts = _roster_counts(cohort, course)
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
            checklist=_checklist(
                cohort,
                row.members,
                _prerequisites(
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
    ensure_registration_closed(session, cohort)
    confirmed = sa.and_(Registration.cohort_id == cohort.id, Registration.status == RegistrationStatus.CONFIRMED)
    registrations = session.execute(
        sa.select(Registration.id, Group.name, Group.organization)
        .join(Group, Registration.group_id == Group.id)
        .where(confirmed)
        .order_by(Registration.created_at, Registration.id)
    ).all()
    people: dict[int, list[list[str]]] = {registration_id: [] for registration_id, _group, _org in registrations}
    entries = session.execute(
        sa.select(
            RosterEntry.registration_id, User.id, User.name, User.email, User.timezone, GroupMembership.display_name
        )
        .join(Registration, RosterEntry.registration_id == Registration.id)
        .join(GroupMembership, RosterEntry.membership_id == GroupMembership.id)
        .outerjoin(User, GroupMembership.user_id == User.id)
        .where(confirmed, GroupMembership.status == MembershipStatus.ACTIVE)
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
        raise DomainError(_("This registration is %(status)s.", status=registration.status))
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
        _notify_coordinators(
            session,
            registration,
            "deadline_reminder",
            _(
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
        _notify_coordinators(
            session,
            registration,
            "pre_meeting_reminder",
            _(
                "Reminder: %(group)s's pre-meeting before %(course)s",
                group=registration.group.name,
                course=registration.cohort.course.title,
            ),
            days=(first - now).days,
        )
        sent += 1
    session.flush()
    return sent


# Lower domains announce; registration reacts in the same transaction (see app/groups/events.py, app/cohorts/events.py).
group_events.member_left.connect(lambda membership, session: member_left(session, membership), weak=False)
cohort_events.cohort_changing.connect(
    lambda cohort, session, capacity: check_capacity(session, cohort, capacity), weak=False
)
cohort_events.cohort_changed.connect(lambda cohort, session: cohort_changed(session, cohort), weak=False)
