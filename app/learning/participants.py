"""Who takes part in a cohort, shared by every learning page: home, readings, rooms, notes, attendance.

A participant is an active member of a group, named on the roster of that group's confirmed registration for the
cohort. Roster-only members (no account, no email) are participants too: they are placed in rooms and their
attendance is recorded, but they cannot sign in.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts.models import User
from app.cohorts.models import Cohort
from app.cohorts.service import is_cohort_trainer
from app.groups.models import Group, GroupMembership, MembershipStatus
from app.lib.errors import Forbidden, NotFound
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


def confirmed_roster(*columns, cohort_id: int) -> sa.Select:
    """`columns` of the cohort's participants, the one rule of who takes part: named on the roster of a confirmed
    registration for the cohort, and still an active member of the group. Over roster entries joined to their
    registration and membership, so callers may read columns of all three."""
    return (
        sa.select(*columns)
        .select_from(RosterEntry)
        .join(Registration, RosterEntry.registration_id == Registration.id)
        .join(GroupMembership, RosterEntry.membership_id == GroupMembership.id)
        .where(
            Registration.cohort_id == cohort_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            GroupMembership.status == MembershipStatus.ACTIVE,
        )
    )


def participant_membership_ids(cohort_id: int) -> sa.Select:
    """The memberships of the cohort's participants, as a subquery of its own (never correlated to the query
    it is used in, which may read memberships too)."""
    return confirmed_roster(RosterEntry.membership_id, cohort_id=cohort_id).correlate(None)


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
