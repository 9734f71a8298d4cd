"""Group rules: creating groups, coordinators, invitations by email and by link, roster members, leaving."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from app.accounts.models import User, normalise_email
from app.audit import service as audit
from app.groups import events
from app.groups.models import (
    JOIN_LINK_LIFETIME,
    Group,
    GroupInvitation,
    GroupMembership,
    MembershipRole,
    MembershipStatus,
)
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.security import hash_token
from app.lib.text import clean_name, require_length, required_name
from app.lib.time import now_utc
from app.lib.urls import external_url
from app.notifications.service import queue_email

INVITATION_LIFETIME = timedelta(days=14)
MAX_INVITATIONS_PER_PASTE = 200
MAX_INVITE_LINE = 500  # a display name (200) and an address (254), with room for quotes and spaces
MAX_INVITE_PASTE = MAX_INVITATIONS_PER_PASTE * 100  # the invitation box's bound (forms.InviteForm uses it too)
# Column lengths of the group's text fields (models.Group, models.GroupMembership), checked here and in the forms.
NAME_MAX, ORGANIZATION_MAX, LANGUAGES_MAX, DISPLAY_NAME_MAX = 160, 200, 120, 120


def _new_secret() -> str:
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
        join_code=_new_secret(),
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


@dataclass
class InviteLine:
    number: int
    text: str
    outcome: str  # "invited", "reinvited", "skipped", "error"
    message: str


@dataclass
class InviteReport:
    lines: list[InviteLine] = field(default_factory=list)

    @property
    def invited(self) -> list[InviteLine]:
        return [line for line in self.lines if line.outcome in ("invited", "reinvited")]

    @property
    def problems(self) -> list[InviteLine]:
        return [line for line in self.lines if line.outcome in ("error", "skipped")]


def _parse_address(text: str) -> str:
    """The address of one pasted line: "address", or "Name <address>" (the text inside the last <...> that ends
    the line). Linear in the line's length: no regular expression that could backtrack."""
    candidate = text.strip()
    if candidate.endswith(">"):
        _name, bracket, inside = candidate[:-1].rpartition("<")
        if bracket and inside.strip() and ">" not in inside:
            candidate = inside
    return validate_email(candidate.strip().strip(",;"), check_deliverability=False).normalized


def invite_members(session: so.Session, coordinator: User, group: Group, pasted: str) -> InviteReport:
    """Email an invitation to every address in `pasted` (one per line, "Name <address>" allowed).

    Every line gets an outcome: malformed and duplicate addresses and people already in the group are
    reported by line number, never silently dropped. Inviting someone again sends a fresh link.
    """
    require_coordinator(group, coordinator)
    require_length(pasted, MAX_INVITE_PASTE, "emails")
    lines = [(n, text.strip()) for n, text in enumerate((pasted or "").splitlines(), start=1) if text.strip()]
    if not lines:
        raise DomainError(_("Paste at least one email address, one per line."), field="emails")
    if len(lines) > MAX_INVITATIONS_PER_PASTE:
        raise DomainError(_("Invite at most %(n)s people at a time.", n=MAX_INVITATIONS_PER_PASTE), field="emails")
    report = InviteReport()
    seen: dict[str, int] = {}
    members = {
        normalise_email(m.user.email)
        for m in group.memberships
        if m.user is not None and m.status == MembershipStatus.ACTIVE
    }
    invitations = {i.email: i for i in group.invitations}
    now = now_utc()
    for number, text in lines:
        if len(text) > MAX_INVITE_LINE:
            report.lines.append(
                InviteLine(
                    number, text, "error", _("too long for an address (%(n)s characters at most)", n=MAX_INVITE_LINE)
                )
            )
            continue
        try:
            email = normalise_email(_parse_address(text))
        except EmailNotValidError as exc:
            report.lines.append(InviteLine(number, text, "error", _("not an email address (%(why)s)", why=str(exc))))
            continue
        if email in seen:
            report.lines.append(InviteLine(number, text, "skipped", _("the same address as line %(n)s", n=seen[email])))
            continue
        seen[email] = number
        if email in members:
            report.lines.append(InviteLine(number, text, "skipped", _("already a member of this group")))
            continue
        token = _new_secret()
        invitation = invitations.get(email)
        outcome = "reinvited" if invitation else "invited"
        if invitation is None:
            invitation = GroupInvitation(email=email)
            group.invitations.append(invitation)
        invitation.token_hash = hash_token(token)
        invitation.invited_by_id = coordinator.id
        invitation.created_at = now
        invitation.expires_at = now + INVITATION_LIFETIME
        invitation.accepted_at = None
        invitation.accepted_by_id = None
        queue_email(
            session,
            to=email,
            kind="group_invitation",
            subject=_("%(name)s invites you to join %(group)s on Plenary", name=coordinator.name, group=group.name),
            template="groups/email/invitation",
            group=group,
            inviter=coordinator,
            link=external_url("groups.invitation", token=token),
            days=INVITATION_LIFETIME.days,
        )
        report.lines.append(
            InviteLine(
                number, text, outcome, _("invited again with a new link") if outcome == "reinvited" else _("invited")
            )
        )
    session.flush()
    return report


def find_invitation(session: so.Session, token: str) -> GroupInvitation:
    """The open invitation for this link. Raises DomainError when it is unknown, used or expired.

    Whoever holds the link may see the address it was sent to (the page names it): the link itself came to that
    address."""
    invitation = session.scalar(sa.select(GroupInvitation).where(GroupInvitation.token_hash == hash_token(token)))
    if invitation is None:
        raise DomainError(_("This invitation link is not valid. Ask your coordinator for a new one."))
    if invitation.accepted_at is not None:
        raise DomainError(_("This invitation has already been used. Log in to see your groups."))
    if now_utc() >= invitation.expires_at:
        raise DomainError(_("This invitation has expired. Ask your coordinator to invite you again."))
    return invitation


def find_group_by_join_code(session: so.Session, code: str) -> Group:
    group = session.scalar(sa.select(Group).where(Group.join_code == (code or "")))
    if group is None:
        raise DomainError(_("This join link is not valid any more. Ask your coordinator for the current one."))
    if group.join_code_expires_at <= now_utc():
        raise DomainError(_("This join link has expired. Ask your coordinator for a new one."))
    return group


def _add_member(session: so.Session, group: Group, user: User) -> GroupMembership:
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


class InvitationForAnotherAddress(DomainError):
    """The signed-in account's email is not the address the invitation was sent to."""

    def __init__(self, invited_email: str):
        super().__init__(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.", email=invited_email)
        )
        self.invited_email = invited_email


def invitation_is_for(invitation: GroupInvitation, user: User) -> bool:
    """An invitation belongs to the account whose email is the invited address (compared case-insensitively)."""
    return normalise_email(user.email) == invitation.email


def accept_invitation(session: so.Session, user: User, token: str, *, as_another_address: bool = False) -> Group:
    """Join the group of an open invitation as `user`; the invitation then stops working.

    An invitation is bound to the address it was sent to: only the account with that email accepts it, else
    InvitationForAnotherAddress. With `as_another_address` a person signed in with another address accepts it on
    purpose: the inviter is told by email and the acceptance is audited (refused if they are already a member, so the
    invitation stays usable by the person it was meant for). Two acceptances at the same moment: one conditional
    update takes the invitation, the other is refused as "already used". Raises DomainError for an unknown, used or
    expired link.
    """
    invitation = find_invitation(session, token)
    group = invitation.group
    own = invitation_is_for(invitation, user)
    if not own:
        if not as_another_address:
            raise InvitationForAnotherAddress(invitation.email)
        if is_active_member(group, user):
            raise DomainError(
                _(
                    "You are already a member of %(group)s. This invitation is for %(email)s: leave it for them.",
                    group=group.name,
                    email=invitation.email,
                )
            )
    now = now_utc()
    taken = session.execute(
        sa.update(GroupInvitation)
        .where(
            GroupInvitation.id == invitation.id,
            GroupInvitation.token_hash == hash_token(token),
            GroupInvitation.accepted_at.is_(None),
        )
        .values(accepted_at=now, accepted_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise DomainError(_("This invitation has already been used. Log in to see your groups."))
    session.refresh(invitation)
    _add_member(session, group, user)
    if not own:
        _tell_inviter_accepted_elsewhere(session, invitation, user)
        audit.record(
            session,
            user,
            "group.invitation_accepted_as_other",
            f"group {group.id}",
            group=group.name,
            invited=invitation.email,
            accepted_as=user.email,
        )
    session.flush()
    return group


def _tell_inviter_accepted_elsewhere(session: so.Session, invitation: GroupInvitation, user: User) -> None:
    inviter = invitation.invited_by
    if inviter is None:
        return
    queue_email(
        session,
        to=inviter.email,
        kind="group_invitation_accepted_as_other",
        subject=_(
            "Your invitation to %(email)s for %(group)s was accepted by another account",
            email=invitation.email,
            group=invitation.group.name,
        ),
        template="groups/email/invitation_accepted_as_other",
        group=invitation.group,
        inviter=inviter,
        invited_email=invitation.email,
        member=user,
        link=external_url("groups.group_page", group_id=invitation.group_id),
    )


def join_with_code(session: so.Session, user: User, code: str) -> Group:
    group = find_group_by_join_code(session, code)
    _add_member(session, group, user)
    return group


def reset_join_code(session: so.Session, coordinator: User, group: Group) -> None:
    """Make a new join link (valid for JOIN_LINK_LIFETIME); the old one stops working at once."""
    require_coordinator(group, coordinator)
    group.join_code = _new_secret()
    group.join_code_expires_at = now_utc() + JOIN_LINK_LIFETIME
    session.flush()


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
