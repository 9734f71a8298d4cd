"""The registration deadline: what lapses when it passes, and the cohort stops taking registrations."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.cohorts.models import Cohort, CohortStatus
from app.lib.time import now_utc
from app.registration.models import (
    Registration,
    RegistrationStatus,
)
from app.registration.seats import (
    lock_cohort,
    notify_coordinators,
    promote_waitlist,
    release_seats,
    set_status,
)


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
        release_seats(session, registration)
        set_status(registration, RegistrationStatus.LAPSED)
        notify_coordinators(
            session,
            registration,
            "lapsed",
            _l(
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
