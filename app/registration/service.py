"""Registration rules: groups register together, above a threshold, before a deadline, with prerequisites met,
and never beyond the cohort's capacity.

State machine: pending -> confirmed | waitlisted -> withdrawn; pending -> declined | lapsed; waitlisted ->
confirmed (promotion) | lapsed; confirmed -> withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.accounts.models import User
from app.audit import service as audit
from app.cohorts import events as cohort_events
from app.cohorts.models import Cohort, CohortStatus
from app.cohorts.service import apply_registration_deadline, is_cohort_trainer
from app.courses.models import Course
from app.groups import events as group_events
from app.groups.models import Group, GroupMembership, MembershipRole, MembershipStatus
from app.groups.service import is_coordinator, require_coordinator
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.markdown import render_markdown
from app.lib.text import require_length
from app.lib.time import now_utc
from app.registration.deadline import close_registration
from app.registration.models import (
    EvidenceStatus,
    PrerequisiteEvidence,
    Registration,
    RegistrationStatus,
    RosterEntry,
)
from app.registration.participants import HOLDING
from app.registration.prerequisites import accepts_attestation, prerequisites_of_people
from app.registration.seats import (
    check_capacity,
    cohort_changed,
    evaluate,
    lock_cohort,
    lock_registration,
    notify_coordinators,
    promote_waitlist,
    release_seats,
    set_status,
    take_seats,
    waitlist,
)

# Bounds of what coordinators and trainers type (the forms carry the same ones).
ATTESTATION_MAX = 5000
DECLINE_REASON_MAX = 1000
PRE_MEETING_NOTES_MAX = 5000


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
            ngettext(
                "This cohort has %(capacity)s seat in all: a roster of %(n)s people cannot take part.",
                "This cohort has %(capacity)s seats in all: a roster of %(n)s people cannot take part.",
                cohort.capacity,
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
    apply_registration_deadline(session, cohort)
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
    set_status(registration, RegistrationStatus.PENDING)
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
    lock_registration(session, registration)
    if registration.status not in HOLDING:
        raise DomainError(
            _(
                "This registration can no longer change (its status: %(status)s). Register the group again instead.",
                status=registration.status.label,
            )
        )
    cohort = registration.cohort
    members = _roster_members(registration.group, membership_ids)
    if not members:
        raise DomainError(_("Name at least one member who will take part; withdraw instead."), field="members")
    _check_fits_cohort(cohort, members)
    if registration.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED):
        if len(members) < cohort.min_group_size:
            raise DomainError(
                ngettext(
                    "The group needs at least %(n)s member on its roster to keep its place; withdraw instead.",
                    "The group needs at least %(n)s members on its roster to keep its place; withdraw instead.",
                    cohort.min_group_size,
                    n=cohort.min_group_size,
                ),
                field="members",
            )
        prerequisites = prerequisites_of_people(session, registration, members)
        if not prerequisites.met:
            raise DomainError(
                ngettext(
                    "With this roster only %(n)s of the %(need)s member the prerequisite asks for completed the "
                    "prerequisite course, so the group would lose its place: the roster is unchanged.",
                    "With this roster only %(n)s of the %(need)s members the prerequisite asks for completed the "
                    "prerequisite course, so the group would lose its place: the roster is unchanged.",
                    prerequisites.needed,
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
        if extra > 0 and not take_seats(session, cohort, extra):
            raise DomainError(
                ngettext(
                    "There are not enough free seats for %(n)s more person.",
                    "There are not enough free seats for %(n)s more people.",
                    extra,
                    n=extra,
                ),
                field="members",
            )
        if extra > 0:
            registration.seats += extra
        release_seats(session, registration, -extra)
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
            release_seats(session, registration, registration.seats - len(registration.active_roster))
    session.flush()
    for cohort in cohorts:
        promote_waitlist(session, cohort)


def withdraw(session: so.Session, coordinator: User, registration: Registration) -> None:
    """Withdraw the group; its seats go to the waitlist at once."""
    require_coordinator(registration.group, coordinator)
    lock_registration(session, registration)
    if registration.status not in HOLDING:
        raise DomainError(
            _(
                "Nothing to withdraw: this registration's status is already “%(status)s”.",
                status=registration.status.label,
            )
        )
    release_seats(session, registration)
    set_status(registration, RegistrationStatus.WITHDRAWN)
    session.flush()
    promote_waitlist(session, registration.cohort)


def submit_attestation(session: so.Session, coordinator: User, registration: Registration, text: str) -> None:
    """Send the group's account of its experience for a trainer's review. Raises DomainError when it is empty,
    when the registration does not need evidence now, or when the course does not accept equivalent experience."""
    require_coordinator(registration.group, coordinator)
    require_length(text, ATTESTATION_MAX, "attestation")
    lock_registration(session, registration)
    _refuse_attestation_unless_accepted(registration.cohort.course)
    if not (text or "").strip():
        raise DomainError(_("Describe the group's experience."), field="attestation")
    if registration.status not in (RegistrationStatus.PENDING, RegistrationStatus.DECLINED):
        raise DomainError(_("This registration does not need evidence now."))
    registration.evidence_history.append(PrerequisiteEvidence(attestation=text.strip()))
    if registration.status == RegistrationStatus.DECLINED:
        set_status(registration, RegistrationStatus.PENDING)
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
    lock_registration(session, registration)
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
        release_seats(session, registration)
        set_status(registration, RegistrationStatus.DECLINED)
        notify_coordinators(
            session,
            registration,
            "declined",
            _l(
                "About %(group)s's registration for %(course)s",
                group=registration.group.name,
                course=registration.cohort.course.title,
            ),
            reason=evidence.reason,
        )
        session.flush()
    promote_waitlist(session, registration.cohort)


def get_registration(session: so.Session, user: User, registration_id: int) -> Registration:
    """A registration for its group's active members, the cohort's trainers and admins; Forbidden otherwise."""
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_("There is no such registration."))
    group = registration.group
    member = any(m.user_id == user.id for m in group.active_members)
    if not (member or is_cohort_trainer(registration.cohort, user)):
        raise Forbidden(_("This registration belongs to another group."))
    apply_registration_deadline(session, registration.cohort)
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


# Lower domains announce; registration reacts in the same transaction (see app/groups/events.py, app/cohorts/events.py).
group_events.member_left.connect(lambda membership, session: member_left(session, membership), weak=False)
cohort_events.cohort_changing.connect(
    lambda cohort, session, capacity: check_capacity(session, cohort, capacity), weak=False
)
cohort_events.cohort_changed.connect(lambda cohort, session: cohort_changed(session, cohort), weak=False)
cohort_events.registration_deadline_passed.connect(
    lambda cohort, session: close_registration(session, cohort), weak=False
)
