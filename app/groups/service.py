"""Group rules: creating groups, coordinators, roster members, leaving (joining: groups/invitations)."""

from __future__ import annotations

import re
import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts.models import User
from app.audit import service as audit
from app.groups import events
from app.groups.models import (
    Group,
    GroupMembership,
    MembershipRole,
    MembershipStatus,
)
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.text import clean_name, require_length, required_name
from app.lib.time import now_utc

# Column lengths of the group's text fields (models.Group, models.GroupMembership), checked here and in the forms.
NAME_MAX, ORGANIZATION_MAX, LANGUAGES_MAX, DISPLAY_NAME_MAX = 160, 200, 120, 120


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def _membership_of(group: Group, user: User) -> GroupMembership | None:
    return next((m for m in group.memberships if m.user_id == user.id), None)


def is_active_member(group: Group, user: User) -> bool:
    membership = _membership_of(group, user)
    return membership is not None and membership.status == MembershipStatus.ACTIVE


def is_coordinator(group: Group, user: User) -> bool:
    membership = _membership_of(group, user)
    return (
        membership is not None
        and membership.status == MembershipStatus.ACTIVE
        and membership.role == MembershipRole.COORDINATOR
    )


def require_coordinator(group: Group, user: User) -> None:
    if not (is_coordinator(group, user) or user.is_admin):
        raise Forbidden(_("Only this group's coordinators can do that."))


def create_group(
    session: so.Session,
    user: User,
    *,
    name: str,
    organization: str,
    country: str | None = None,
    languages: str | None = None,
) -> Group:
    """Create a group with `user` as its first coordinator. Names are cleaned (app.lib.text.clean_name) and bounded
    by their columns; raises DomainError next to the field otherwise."""
    name = required_name(name, NAME_MAX, "name", _("Give the group a name."))
    organization = required_name(
        organization, ORGANIZATION_MAX, "organization", _("Name the organization the group belongs to.")
    )
    require_length(country, 2 * 4, "country")
    country = clean_name(country).upper() or None
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise DomainError(_("Use the two-letter country code, such as KE or BR."), field="country")
    require_length(languages, LANGUAGES_MAX, "languages")
    languages = clean_name(languages) or None
    group = Group(
        name=name,
        organization=organization,
        country=country,
        languages=languages,
        join_code=new_secret(),
    )
    group.memberships.append(
        GroupMembership(user=user, role=MembershipRole.COORDINATOR, status=MembershipStatus.ACTIVE)
    )
    session.add(group)
    session.flush()
    return group


def _load_group(session: so.Session, group_id: int) -> Group:
    group = session.scalar(
        sa.select(Group)
        .where(Group.id == group_id)
        .options(
            so.selectinload(Group.memberships).selectinload(GroupMembership.user),
            so.selectinload(Group.invitations),
        )
    )
    if group is None:
        raise NotFound(_("There is no such group."))
    return group


def get_group(session: so.Session, user: User, group_id: int) -> Group:
    """A group for one of its active members (or an admin). Others get Forbidden: members' names are private."""
    group = _load_group(session, group_id)
    if not (is_active_member(group, user) or user.is_admin):
        raise Forbidden(_("You are not a member of this group."))
    return group


def groups_of(session: so.Session, user: User) -> list[Group]:
    return list(
        session.scalars(
            sa.select(Group)
            .join(GroupMembership)
            .where(GroupMembership.user_id == user.id, GroupMembership.status == MembershipStatus.ACTIVE)
            .options(so.selectinload(Group.memberships))
            .order_by(Group.name)
        )
    )


def add_member(session: so.Session, group: Group, user: User) -> GroupMembership:
    membership = session.scalar(
        sa.select(GroupMembership).where(GroupMembership.group_id == group.id, GroupMembership.user_id == user.id)
    )
    if membership is None:
        membership = GroupMembership(group=group, user=user, role=MembershipRole.MEMBER, status=MembershipStatus.ACTIVE)
        session.add(membership)
    elif membership.status != MembershipStatus.ACTIVE:
        membership.status = MembershipStatus.ACTIVE
        membership.role = MembershipRole.MEMBER
        membership.joined_at = now_utc()
    session.flush()
    return membership


def add_roster_member(session: so.Session, coordinator: User, group: Group, display_name: str) -> GroupMembership:
    """Add someone by name alone (no email, no account): they count toward the group's size."""
    require_coordinator(group, coordinator)
    display_name = required_name(display_name, DISPLAY_NAME_MAX, "display_name", _("Enter the person's name."))
    membership = GroupMembership(
        group=group, display_name=display_name, role=MembershipRole.MEMBER, status=MembershipStatus.ACTIVE
    )
    session.add(membership)
    session.flush()
    return membership


def _membership_in(group: Group, membership_id: int) -> GroupMembership:
    membership = next((m for m in group.memberships if m.id == membership_id), None)
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        raise NotFound(_("That person is not an active member of this group."))
    return membership


def _check_not_last_coordinator(session: so.Session, group: Group, leaving: GroupMembership) -> None:
    """Refuse to let the last active coordinator go. The group's row is locked first (FOR UPDATE on PostgreSQL; on
    SQLite the write transaction is already exclusive) and the coordinators counted afresh from the database, so two
    last coordinators leaving at the same moment cannot both pass the check."""
    if leaving.role != MembershipRole.COORDINATOR:
        return
    session.execute(sa.select(Group.id).where(Group.id == group.id).with_for_update())
    others = session.scalar(
        sa.select(sa.func.count())
        .select_from(GroupMembership)
        .where(
            GroupMembership.group_id == group.id,
            GroupMembership.id != leaving.id,
            GroupMembership.role == MembershipRole.COORDINATOR,
            GroupMembership.status == MembershipStatus.ACTIVE,
        )
    )
    if not others:
        raise DomainError(_("A group needs a coordinator: make someone else a coordinator first."))


def _give_back_places(session: so.Session, membership: GroupMembership) -> None:
    events.member_left.send(membership, session=session)  # registration gives their seats back


def remove_member(session: so.Session, coordinator: User, group: Group, membership_id: int) -> None:
    require_coordinator(group, coordinator)
    membership = _membership_in(group, membership_id)
    _check_not_last_coordinator(session, group, membership)
    membership.status = MembershipStatus.LEFT
    session.flush()
    _give_back_places(session, membership)
    audit.record(
        session, coordinator, "group.member_removed", f"group {group.id}", group=group.name, member=membership.name
    )


def make_coordinator(session: so.Session, coordinator: User, group: Group, membership_id: int) -> None:
    require_coordinator(group, coordinator)
    membership = _membership_in(group, membership_id)
    if membership.is_roster_only:
        raise DomainError(_("Only members with an account can coordinate the group."))
    membership.role = MembershipRole.COORDINATOR
    session.flush()
    audit.record(
        session, coordinator, "group.coordinator_added", f"group {group.id}", group=group.name, member=membership.name
    )


def leave_group(session: so.Session, user: User, group: Group) -> None:
    membership = _membership_of(group, user)
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        raise DomainError(_("You are not a member of this group."))
    _check_not_last_coordinator(session, group, membership)
    membership.status = MembershipStatus.LEFT
    session.flush()
    _give_back_places(session, membership)
