"""Who takes part in a cohort: the one rule, for every page, CSV and service that needs it.

A participant is an active member of a group, named on the roster of that group's confirmed registration for the
cohort. Roster-only members (no account, no email) are participants too: they are placed in rooms and their
attendance is recorded, but they cannot sign in. The rule is written once, as SQL criteria (`on_roster`,
`takes_part`) that other queries compose through `roster`, `confirmed_roster` and `participant_membership_ids`;
change it here and the board, the CSVs, rooms, notes, attendance and the participant's pages all follow.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts.models import User
from app.cohorts.models import Cohort, CohortSession, CohortStatus, cohort_trainers
from app.cohorts.service import is_cohort_trainer
from app.courses.models import CourseSession
from app.groups.models import Group, GroupMembership, MembershipStatus
from app.lib.errors import Forbidden, NotFound
from app.lib.time import is_valid_timezone
from app.registration.models import Registration, RegistrationStatus, RosterEntry


@dataclass(frozen=True)
class Participant:
    membership: GroupMembership
    registration: Registration

    @property
    def user(self) -> User | None:
        return self.membership.user

    @property
    def name(self) -> str:
        return self.membership.name

    @property
    def email(self) -> str | None:
        return self.membership.user.email if self.membership.user else None

    @property
    def group(self) -> Group:
        return self.registration.group


# The live registrations: the group holds (or waits for) a place in the cohort.
HOLDING = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


def on_roster() -> sa.ColumnElement[bool]:
    """Over a roster entry joined to its membership: the person still counts on their group's roster (they have
    not left it and were not removed)."""
    return GroupMembership.status == MembershipStatus.ACTIVE


def takes_part() -> sa.ColumnElement[bool]:
    """Over a roster entry joined to its registration and membership: the person takes part in the cohort."""
    return sa.and_(Registration.status == RegistrationStatus.CONFIRMED, on_roster())


def roster(*columns) -> sa.Select:
    """`columns` over every roster entry still counted (`on_roster`), joined to its registration and membership,
    whatever the registration's status: callers add the cohort, the statuses, the person."""
    return (
        sa.select(*columns)
        .select_from(RosterEntry)
        .join(Registration, RosterEntry.registration_id == Registration.id)
        .join(GroupMembership, RosterEntry.membership_id == GroupMembership.id)
        .where(on_roster())
    )


def confirmed_roster(*columns, cohort_id: int) -> sa.Select:
    """`columns` of the cohort's participants (`takes_part`). Over roster entries joined to their registration
    and membership, so callers may read columns of all three."""
    return roster(*columns).where(Registration.cohort_id == cohort_id, takes_part())


def participant_membership_ids(cohort_id: int) -> sa.Select:
    """The memberships of the cohort's participants, as a subquery of its own (never correlated to the query
    it is used in, which may read memberships too)."""
    return confirmed_roster(RosterEntry.membership_id, cohort_id=cohort_id).correlate(None)


def takes_part_in(cohort_id, membership_id) -> sa.ColumnElement[bool]:
    """Whether the membership (a column of the outer query, or a value) is one of the cohort's participants, as a
    correlated EXISTS: one index lookup per outer row. For queries over a few rows (a room's members), where
    `participant_membership_ids` as an IN list would have the database list the whole cohort first, and for
    filters the planner would otherwise drive from that list (SQLite looks every listed person up in every room)."""
    return (
        confirmed_roster(RosterEntry.id, cohort_id=cohort_id)
        .where(RosterEntry.membership_id == membership_id)
        .correlate_except(RosterEntry, Registration, GroupMembership)
        .exists()
    )


def _confirmed_roster_query(cohort_id: int) -> sa.Select:
    return (
        confirmed_roster(RosterEntry, cohort_id=cohort_id)
        .options(
            so.contains_eager(RosterEntry.membership).selectinload(GroupMembership.user),
            so.selectinload(RosterEntry.registration).selectinload(Registration.group),
        )
        .order_by(Registration.created_at, Registration.id, RosterEntry.id)
    )


def cohort_participants(session: so.Session, cohort: Cohort) -> list[Participant]:
    """Every participant of the cohort, in registration order, loaded in a constant number of queries."""
    entries = session.scalars(_confirmed_roster_query(cohort.id)).unique()
    return [Participant(e.membership, e.registration) for e in entries]


def participation(session: so.Session, user: User, cohort: Cohort) -> Participant | None:
    """The user's place in the cohort, or None when no confirmed registration names them."""
    if not user.is_authenticated:
        return None
    entry = session.scalars(_confirmed_roster_query(cohort.id).where(GroupMembership.user_id == user.id)).first()
    return Participant(entry.membership, entry.registration) if entry else None


def can_teach(user: User, cohort: Cohort) -> bool:
    """The cohort's trainers and administrators."""
    return user.is_authenticated and is_cohort_trainer(cohort, user)


def require_trainer(user: User, cohort: Cohort) -> None:
    if not can_teach(user, cohort):
        raise Forbidden(_("Only this cohort's trainers can do this."))


def require_participant(session: so.Session, user: User, cohort: Cohort) -> Participant:
    """The user's participation; Forbidden for anyone not on a confirmed roster of the cohort."""
    found = participation(session, user, cohort)
    if found is None:
        raise Forbidden(_("This page is for the cohort's confirmed participants."))
    return found


def load_group(session: so.Session, group_id: int) -> Group:
    """A group with its memberships (what the coordinator checks read); NotFound for an unknown id."""
    group = session.scalar(sa.select(Group).where(Group.id == group_id).options(so.selectinload(Group.memberships)))
    if group is None:
        raise NotFound(_("There is no such group."))
    return group


def group_participants(session: so.Session, cohort: Cohort, group: Group) -> list[Participant]:
    """The group's participants in the cohort; NotFound when the group has no confirmed registration in it."""
    confirmed = session.scalar(
        sa.select(Registration.id).where(
            Registration.cohort_id == cohort.id,
            Registration.group_id == group.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )
    if confirmed is None:
        raise NotFound(_("This group is not taking part in this cohort."))
    return [p for p in cohort_participants(session, cohort) if p.group.id == group.id]


def cohorts_taken_part_in(session: so.Session, user: User) -> list[tuple[Cohort, bool]]:
    """The cohorts `user` trains or is on the roster of (a registration pending, confirmed or waitlisted), drafts
    excluded, each with whether they may see the video link (trainers and confirmed participants only)."""
    confirmed: set[int] = set()
    rostered: set[int] = set()
    for cohort_id, taking_part in session.execute(
        roster(Registration.cohort_id, takes_part()).where(
            GroupMembership.user_id == user.id, Registration.status.in_(HOLDING)
        )
    ):
        rostered.add(cohort_id)
        if taking_part:
            confirmed.add(cohort_id)
    trained = set(session.scalars(sa.select(cohort_trainers.c.cohort_id).where(cohort_trainers.c.user_id == user.id)))
    ids = trained | rostered
    if not ids:
        return []
    cohorts = session.scalars(
        sa.select(Cohort)
        .where(Cohort.id.in_(ids), Cohort.status != CohortStatus.DRAFT)
        .options(
            so.selectinload(Cohort.sessions)
            .selectinload(CohortSession.course_session)
            .selectinload(CourseSession.readings),
            so.joinedload(Cohort.course),
        )
    ).unique()
    entries = [(c, c.id in trained or c.id in confirmed) for c in cohorts]
    return sorted(entries, key=lambda e: (e[0].first_session_at is None, e[0].first_session_at, e[0].id))


def participant_zones(session: so.Session, cohort: Cohort) -> tuple[list[str], int]:
    """The profile zones of the people on the rosters of the cohort's live registrations (pending, confirmed,
    waitlisted), and how many rostered people have no account (so no known zone)."""
    rows = session.execute(
        roster(User.timezone)
        .outerjoin(User, User.id == GroupMembership.user_id)
        .where(Registration.cohort_id == cohort.id, Registration.status.in_(HOLDING))
    ).all()
    zones = [zone for (zone,) in rows if zone and is_valid_timezone(zone)]
    return zones, len(rows) - len(zones)
