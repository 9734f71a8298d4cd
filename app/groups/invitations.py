"""Joining a group: invitations by email (one link per address, single use) and the group's join link."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.exceptions import HTTPException

from app.accounts import events as account_events
from app.accounts.models import User, normalise_email
from app.audit import service as audit
from app.groups.models import (
    JOIN_LINK_LIFETIME,
    Group,
    GroupInvitation,
    MembershipStatus,
)
from app.groups.service import add_member, is_active_member, new_secret, require_coordinator
from app.lib.errors import DomainError
from app.lib.security import hash_token
from app.lib.text import require_length
from app.lib.time import now_utc
from app.lib.urls import external_url
from app.notifications.service import queue_email

INVITATION_LIFETIME = timedelta(days=14)


MAX_INVITATIONS_PER_PASTE = 200


MAX_INVITE_LINE = 500  # a display name (200) and an address (254), with room for quotes and spaces


MAX_INVITE_PASTE = MAX_INVITATIONS_PER_PASTE * 100  # the invitation box's bound (forms.InviteForm uses it too)


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
        raise DomainError(
            ngettext(
                "Invite at most %(n)s person at a time.",
                "Invite at most %(n)s people at a time.",
                MAX_INVITATIONS_PER_PASTE,
                n=MAX_INVITATIONS_PER_PASTE,
            ),
            field="emails",
        )
    report = InviteReport()
    seen: dict[str, int] = {}
    members = {
        normalise_email(m.user.email)
        for m in group.memberships
        if m.user is not None and m.status == MembershipStatus.ACTIVE
    }
    invitations = {i.email: i for i in group.invitations}
    now = now_utc()
    to_send: list[tuple[str, str]] = []
    for number, text in lines:
        if len(text) > MAX_INVITE_LINE:
            report.lines.append(
                InviteLine(
                    number,
                    text,
                    "error",
                    ngettext(
                        "too long for an address (%(n)s character at most)",
                        "too long for an address (%(n)s characters at most)",
                        MAX_INVITE_LINE,
                        n=MAX_INVITE_LINE,
                    ),
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
        token = new_secret()
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
        to_send.append((email, token))
        report.lines.append(
            InviteLine(
                number, text, outcome, _("invited again with a new link") if outcome == "reinvited" else _("invited")
            )
        )
    _email_invitations(session, coordinator, group, to_send)
    session.flush()
    return report


def _email_invitations(session: so.Session, coordinator: User, group: Group, to_send: list[tuple[str, str]]) -> None:
    """One email per invitation, in the invitee's language if they have an account (one query for all of them),
    else in their inviter's."""
    addresses = [email for email, _token in to_send]
    query = sa.select(User.email, User.locale).where(User.email.in_(addresses))
    known = {email: locale for email, locale in session.execute(query)} if addresses else {}
    for email, token in to_send:
        queue_email(
            session,
            to=email,
            locale=known.get(email) or coordinator.locale,
            kind="group_invitation",
            subject=_l("%(name)s invites you to join %(group)s on Plenary", name=coordinator.name, group=group.name),
            template="groups/email/invitation",
            group=group,
            inviter=coordinator,
            link=external_url("groups.invitation", token=token),
            days=INVITATION_LIFETIME.days,
        )


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
    add_member(session, group, user)
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
        locale=inviter.locale,
        kind="group_invitation_accepted_as_other",
        subject=_l(
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
    add_member(session, group, user)
    return group


def reset_join_code(session: so.Session, coordinator: User, group: Group) -> None:
    """Make a new join link (valid for JOIN_LINK_LIFETIME); the old one stops working at once."""
    require_coordinator(group, coordinator)
    group.join_code = new_secret()
    group.join_code_expires_at = now_utc() + JOIN_LINK_LIFETIME
    session.flush()


def join_where_they_signed_up(user: User, session: so.Session, next_url: str) -> str | None:
    """A person who signed up from an invitation or a join link (their confirmed sign-up was on its way to that
    page) joins the group as they asked; returns the group page to land on. An invitation is accepted only for
    the address it was sent to (someone who signed up with another address lands on the invitation page, which
    offers to join on purpose); a link that stopped working, or a refused join, leaves them on that page too, which
    says why. Nothing of a refused join is kept (a savepoint)."""
    try:
        endpoint, args = current_app.url_map.bind("localhost").match(urlsplit(next_url or "").path, method="GET")
    except HTTPException:
        return None
    joins = {
        "groups.invitation": lambda: accept_invitation(session, user, args.get("token", "")),
        "groups.join": lambda: join_with_code(session, user, args.get("code", "")),
    }
    if endpoint not in joins:
        return None
    try:
        with session.begin_nested():
            group = joins[endpoint]()
    except DomainError:
        return None
    return url_for("groups.group_page", group_id=group.id)


account_events.signed_up.connect(join_where_they_signed_up, weak=False)
