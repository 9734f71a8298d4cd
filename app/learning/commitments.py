"""What participants commit to do after a session, their check-ins on it, and the summary coordinators read."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import ngettext

from app.accounts.models import User
from app.cohorts.models import Cohort, CohortSession
from app.groups.models import Group
from app.groups.service import is_coordinator
from app.learning.models import Commitment, CommitmentStatus
from app.learning.service import latest_started_session
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.time import now_utc
from app.registration.participants import (
    group_participants,
    require_participant,
)

COMMITMENT_MAX_LENGTH = 1000
REFLECTION_MAX_LENGTH = 300
CHECK_IN_STATUSES = (CommitmentStatus.DONE, CommitmentStatus.IN_PROGRESS, CommitmentStatus.DROPPED)


# Commitments ---------------------------------------------------------------------------------------------------


def _clean_text(text: str | None, limit: int, field_name: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise DomainError(_("Write what you will do."), field=field_name)
    if len(text) > limit:
        raise DomainError(
            ngettext("Keep it under %(n)s character.", "Keep it under %(n)s characters.", limit, n=limit),
            field=field_name,
        )
    return text


def record_commitment(
    session: so.Session, user: User, cohort: Cohort, text: str, at: datetime | None = None
) -> Commitment:
    """Record what a participant will do before the next session, for the latest session that has started.
    Forbidden for non-participants; refused before the first session starts and for empty or over-long text."""
    at = at or now_utc()
    require_participant(session, user, cohort)
    text = _clean_text(text, COMMITMENT_MAX_LENGTH, "text", required=True)
    latest = latest_started_session(cohort, at)
    if latest is None:
        raise DomainError(_("You can record commitments once the first session has started."), field="text")
    commitment = Commitment(user_id=user.id, cohort_id=cohort.id, cohort_session=latest, text=text, created_at=at)
    session.add(commitment)
    session.flush()
    return commitment


def own_commitment(session: so.Session, user: User, commitment_id: int) -> Commitment:
    """One of the user's own commitments: NotFound for an unknown id, Forbidden for anyone else's."""
    commitment = session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound(_("There is no such commitment."))
    if not user.is_authenticated or commitment.user_id != user.id:
        raise Forbidden(_("Only the person who made a commitment can check in on it."))
    return commitment


def check_in(
    session: so.Session,
    user: User,
    commitment_id: int,
    status: CommitmentStatus | str,
    reflection: str | None = None,
    at: datetime | None = None,
) -> Commitment:
    """The owner says how a commitment went: done, in progress or dropped, with a line of reflection.
    Only the owner may (Forbidden for anyone else, administrators included); NotFound for an unknown id."""
    commitment = own_commitment(session, user, commitment_id)
    try:
        status = CommitmentStatus(status)
    except ValueError:
        status = None
    if status not in CHECK_IN_STATUSES:
        raise DomainError(_("Choose done, in progress or dropped."), field="status")
    commitment.status = status
    commitment.reflection = _clean_text(reflection, REFLECTION_MAX_LENGTH, "reflection", required=False) or None
    commitment.checked_in_at = at or now_utc()
    session.flush()
    return commitment


def my_commitments(session: so.Session, user: User, cohort: Cohort) -> list[Commitment]:
    """The user's own commitments in a cohort (nobody else's, ever)."""
    if not user.is_authenticated:
        return []
    return list(
        session.scalars(
            sa.select(Commitment)
            .where(Commitment.user_id == user.id, Commitment.cohort_id == cohort.id)
            .order_by(Commitment.created_at, Commitment.id)
        )
    )


@dataclass
class SessionSummary:
    session: CohortSession
    number: int
    people: int  # participants of the group with accounts
    committed: int  # how many of them recorded at least one commitment for this session
    by_status: dict[CommitmentStatus, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass
class CommitmentsSummary:
    cohort: Cohort
    group: Group
    people: int
    sessions: list[SessionSummary]


def commitments_summary(session: so.Session, coordinator: User, cohort: Cohort, group: Group) -> CommitmentsSummary:
    """For a group's coordinators (and administrators): per session, how many of the group's participants made
    commitments and how many commitments stand at each status. Counts only: no texts, no names.
    Forbidden for everyone else (trainers included); NotFound when the group is not confirmed in the cohort."""
    if not coordinator.is_authenticated or not (coordinator.is_admin or is_coordinator(group, coordinator)):
        raise Forbidden(_("Only the group's coordinators can see its commitments summary."))
    user_ids = {p.membership.user_id for p in group_participants(session, cohort, group) if p.user is not None}
    rows = session.execute(
        sa.select(Commitment.cohort_session_id, Commitment.user_id, Commitment.status).where(
            Commitment.cohort_id == cohort.id, Commitment.user_id.in_(user_ids)
        )
    ).all()
    counts: dict[int, Counter] = defaultdict(Counter)
    committed: dict[int, set[int]] = defaultdict(set)
    for session_id, user_id, status in rows:
        counts[session_id][CommitmentStatus(status)] += 1
        committed[session_id].add(user_id)
    sessions = [
        SessionSummary(
            session=s,
            number=number,
            people=len(user_ids),
            committed=len(committed[s.id]),
            by_status={status: counts[s.id][status] for status in CommitmentStatus},
        )
        for number, s in enumerate(cohort.sessions, start=1)
    ]
    return CommitmentsSummary(cohort=cohort, group=group, people=len(user_ids), sessions=sessions)
