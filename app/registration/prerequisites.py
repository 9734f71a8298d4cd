"""Where a registration stands on its cohort's rules: the group's size against the threshold, and the course's
prerequisites (completions by the people on the roster, or an attestation where the course accepts one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.cohorts.models import Cohort
from app.courses.models import Course
from app.groups.models import GroupMembership
from app.registration.models import (
    Completion,
    EvidenceStatus,
    Registration,
    RosterEntry,
)
from app.registration.participants import roster


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


def judge_prerequisites(
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


def prerequisites_of_people(
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
    return judge_prerequisites(course, len(people), completed, evidence_status)


def prerequisites_of(session: so.Session, registration: Registration) -> Prerequisites:
    """Automatic when enough rostered members completed a prerequisite course; else the attestation decides
    (only when the course accepts equivalent experience)."""
    return prerequisites_of_people(session, registration, registration.active_roster)


def checklist_from(cohort: Cohort, members: int, prerequisites: Prerequisites) -> Checklist:
    return Checklist(
        members=members, threshold=cohort.min_group_size, prerequisites=prerequisites, seats_left=cohort.seats_left
    )


def checklist(session: so.Session, registration: Registration) -> Checklist:
    """What the registration still needs (its page's checklist)."""
    return checklist_from(registration.cohort, len(registration.active_roster), prerequisites_of(session, registration))


def roster_counts(cohort: Cohort, course: Course) -> sa.Subquery:
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
        roster(RosterEntry.registration_id, sa.func.count().label("members"), completed.label("completed"))
        .where(Registration.cohort_id == cohort.id)
        .group_by(RosterEntry.registration_id)
        .subquery()
    )
