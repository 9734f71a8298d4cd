"""Seats and the waitlist: the part of the registration state machine that takes and gives back a cohort's seats.

Every change that frees or adds seats runs `promote_waitlist`, under the cohort's lock (`lock_cohort`), so groups
are confirmed strictly in the order they joined the waitlist and seats are never oversold.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel.speaklater import LazyString

from app.cohorts.models import Cohort
from app.lib.errors import DomainError
from app.lib.time import now_utc
from app.lib.urls import external_url
from app.notifications.service import queue_email
from app.registration.models import (
    Registration,
    RegistrationStatus,
)
from app.registration.prerequisites import prerequisites_of, roster_counts


def set_status(registration: Registration, status: RegistrationStatus) -> None:
    registration.status = status
    registration.status_changed_at = now_utc()
    if status == RegistrationStatus.WAITLISTED and registration.waitlisted_at is None:
        registration.waitlisted_at = registration.status_changed_at


def notify_coordinators(
    session: so.Session, registration: Registration, template: str, subject: LazyString, **context
) -> None:
    link = external_url("registration.registration_page", registration_id=registration.id)
    for membership in registration.group.coordinators:
        queue_email(
            session,
            to=membership.user.email,
            locale=membership.user.locale,
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


def lock_cohort(session: so.Session, cohort: Cohort) -> None:
    """Serialize every change to a cohort's seats and waitlist, and reread its seat count and capacity.

    On PostgreSQL this is the cohort row's FOR NO KEY UPDATE lock: it waits for any other transaction that
    takes, gives back or promotes seats in the cohort, or changes its capacity, but not for transactions that
    only insert rows referring to the cohort (their FOR KEY SHARE does not conflict), so it cannot deadlock with
    them. On SQLite FOR UPDATE compiles to nothing, but the statement begins the transaction with BEGIN
    IMMEDIATE, which waits for every other writer (app.lib.database). Take it before changing any registration
    of the cohort: one lock order, cohort first.
    """
    session.execute(sa.select(Cohort.id).where(Cohort.id == cohort.id).with_for_update(key_share=True))
    session.refresh(cohort, ["seats_taken", "capacity"])


def lock_registration(session: so.Session, registration: Registration) -> None:
    """The cohort's lock, then the registration as it is now (another request may have changed it while this
    one waited for the lock: withdrawing twice at once must not give the seats back twice)."""
    lock_cohort(session, registration.cohort)
    session.refresh(registration)
    session.expire(registration, ["roster", "evidence_history"])


def take_seats(session: so.Session, cohort: Cohort, seats: int) -> bool:
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


def release_seats(session: so.Session, registration: Registration, seats: int | None = None) -> None:
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


def is_ready(session: so.Session, registration: Registration) -> bool:
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
    if not take_seats(session, registration.cohort, size):
        return False
    registration.seats = size
    was_waiting = registration.status == RegistrationStatus.WAITLISTED
    set_status(registration, RegistrationStatus.CONFIRMED)
    if was_waiting:
        subject = _l(
            "A seat freed up: %(group)s is confirmed for %(course)s",
            group=registration.group.name,
            course=registration.cohort.course.title,
        )
    else:
        subject = _l(
            "%(group)s is confirmed for %(course)s",
            group=registration.group.name,
            course=registration.cohort.course.title,
        )
    notify_coordinators(session, registration, "promoted" if was_waiting else "confirmed", subject)
    return True


def evaluate(session: so.Session, registration: Registration) -> RegistrationStatus:
    """Move a pending registration forward when everything it needs is there: confirmed when its seats are free
    and no group is waiting ahead of it, otherwise at the end of the waitlist. Waitlisted registrations move
    only through promote_waitlist. The caller holds the cohort lock."""
    if registration.status != RegistrationStatus.PENDING or not is_ready(session, registration):
        return registration.status
    if waitlist(session, registration.cohort) or not _confirm(session, registration):
        set_status(registration, RegistrationStatus.WAITLISTED)
        notify_coordinators(
            session,
            registration,
            "waitlisted",
            _l(
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
    blocked = False  # once a group does not fit, nobody behind it is confirmed; those who fall short still leave
    for registration in waitlist(session, cohort):
        if not is_ready(session, registration):
            registration.waitlisted_at = None
            set_status(registration, RegistrationStatus.PENDING)
        elif not blocked and _confirm(session, registration):
            promoted.append(registration)
        else:
            blocked = True
    session.flush()
    return promoted


def check_capacity(session: so.Session, cohort: Cohort, capacity: int) -> None:
    """Lock the cohort (see lock_cohort) and refuse a capacity below the seats taken, or below the roster of a
    group still waiting for seats (it could never be confirmed, and would hold up the waitlist). The caller
    then sets the capacity in the same transaction, under the lock, and runs promote_waitlist."""
    lock_cohort(session, cohort)
    if capacity < cohort.seats_taken:
        raise DomainError(
            ngettext(
                "%(n)s seat is already taken: capacity cannot go below that.",
                "%(n)s seats are already taken: capacity cannot go below that.",
                cohort.seats_taken,
                n=cohort.seats_taken,
            ),
            field="capacity",
        )
    counts = roster_counts(cohort, cohort.course)
    largest = session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(counts.c.members), 0))
        .join(Registration, Registration.id == counts.c.registration_id)
        .where(Registration.status.in_([RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED]))
    )
    if capacity < largest:
        raise DomainError(
            ngettext(
                "A group of %(n)s person is waiting for seats in this cohort: capacity cannot go below that.",
                "A group of %(n)s people is waiting for seats in this cohort: capacity cannot go below that.",
                largest,
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
