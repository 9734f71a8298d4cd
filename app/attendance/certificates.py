"""The certificate a participant prints once their completion is recorded."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts.models import User
from app.attendance.models import Attendance
from app.cohorts.models import Cohort, CohortSession
from app.cohorts.service import visible_cohort
from app.groups.models import GroupMembership
from app.lib.errors import NotFound
from app.registration.models import Completion

# Certificates


@dataclass(frozen=True)
class Certificate:
    user: User
    completion: Completion
    cohort: Cohort
    sessions: list[CohortSession]
    attended: int


def certificate(session: so.Session, user: User, cohort_id: int) -> Certificate:
    """The signed-in person's own certificate for a cohort; NotFound when they did not complete it there (or the
    cohort is a draft hidden from them)."""
    visible_cohort(session, user, cohort_id)
    completion = session.scalar(
        sa.select(Completion)
        .where(Completion.user_id == user.id, Completion.cohort_id == cohort_id)
        .options(
            so.joinedload(Completion.cohort).selectinload(Cohort.sessions),
            so.joinedload(Completion.cohort).selectinload(Cohort.trainers),
            so.joinedload(Completion.course),
        )
    )
    if completion is None:
        raise NotFound(
            _(
                "You have no certificate for this cohort. Certificates appear here once the trainers mark the "
                "cohort completed, for everyone who met the course's completion rule."
            )
        )
    cohort = completion.cohort
    attended = session.scalar(
        sa.select(sa.func.count(sa.distinct(Attendance.cohort_session_id)))
        .join(CohortSession, Attendance.cohort_session_id == CohortSession.id)
        .join(GroupMembership, Attendance.membership_id == GroupMembership.id)
        .where(CohortSession.cohort_id == cohort.id, GroupMembership.user_id == user.id, Attendance.present.is_(True))
    )
    return Certificate(
        user=user, completion=completion, cohort=cohort, sessions=list(cohort.sessions), attended=attended or 0
    )
