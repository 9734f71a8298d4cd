"""A person's own data: everything the platform holds about them, as JSON, and deleting their account.

Deleting keeps what belongs to their group — the text of shared breakout notes, attestations a coordinator wrote
for the group — with the author shown as "former member"; everything else about the person goes: the account,
memberships, roster places, reading progress, commitments, attendance, completions, sessions, invitations and
emails addressed to them, and their name in the audit log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts.models import User, UserSession, normalise_email
from app.accounts.reauth import require_proof
from app.attendance.models import Attendance
from app.audit import service as audit
from app.audit.models import AuditEvent
from app.cohorts.models import CalendarFeed
from app.groups.models import Group, GroupInvitation, GroupMembership, MembershipRole, MembershipStatus
from app.learning.models import Commitment, ReadingProgress
from app.lib.errors import DomainError
from app.lib.time import now_utc
from app.notes.models import NoteRevision
from app.notifications.models import OutboxMessage
from app.oidc.service import identities_of
from app.registration.models import Completion, PreMeeting, Registration, RosterEntry
from app.registration.participants import HOLDING
from app.registration.service import member_left, registrations_for_group, withdraw


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _row(obj, *fields: str) -> dict:
    return {name: _plain(getattr(obj, name)) for name in fields}


def export_personal_data(session: so.Session, user: User) -> dict:
    """Everything stored about `user`, readable by a person and by a program."""
    memberships = list(
        session.scalars(
            sa.select(GroupMembership)
            .where(GroupMembership.user_id == user.id)
            .options(so.selectinload(GroupMembership.group))
        )
    )
    membership_ids = [m.id for m in memberships]
    roster = list(
        session.scalars(
            sa.select(RosterEntry)
            .where(RosterEntry.membership_id.in_(membership_ids))
            .options(so.selectinload(RosterEntry.registration).selectinload(Registration.cohort))
        )
    )
    attendance = list(
        session.scalars(
            sa.select(Attendance)
            .where(Attendance.membership_id.in_(membership_ids))
            .options(so.selectinload(Attendance.cohort_session))
        )
    )
    data = {
        "exported_at": _plain(now_utc()),
        "account": _row(user, "id", "email", "name", "timezone", "locale", "is_admin", "created_at", "last_login_at")
        | {"two_step_sign_in": user.has_two_factor},
        "groups": [
            {"group": m.group.name, "organization": m.group.organization} | _row(m, "role", "status", "joined_at")
            for m in memberships
        ],
        "cohorts_on_roster": [
            {
                "cohort": e.registration.cohort.label,
                "course_id": e.registration.cohort.course_id,
                "registration_status": _plain(e.registration.status),
            }
            for e in roster
        ],
        "attendance": [
            {"session": a.cohort_session.title, "starts_at": _plain(a.cohort_session.starts_at)}
            | _row(a, "present", "source", "recorded_at")
            for a in attendance
        ],
        "reading_progress": [
            {"reading": p.reading.title, "cohort": p.cohort.label} | _row(p, "read_at", "comment")
            for p in session.scalars(
                sa.select(ReadingProgress)
                .where(ReadingProgress.user_id == user.id)
                .options(so.selectinload(ReadingProgress.reading), so.selectinload(ReadingProgress.cohort))
            )
        ],
        "commitments": [
            {"cohort": c.cohort.label} | _row(c, "text", "status", "reflection", "created_at", "checked_in_at")
            for c in session.scalars(
                sa.select(Commitment).where(Commitment.user_id == user.id).options(so.selectinload(Commitment.cohort))
            )
        ],
        "note_revisions_written": [
            _row(r, "note_id", "number", "body", "created_at")
            for r in session.scalars(sa.select(NoteRevision).where(NoteRevision.author_id == user.id))
        ],
        "completions": [
            {"course": c.course.title} | _row(c, "cohort_id", "completed_at")
            for c in session.scalars(
                sa.select(Completion).where(Completion.user_id == user.id).options(so.selectinload(Completion.course))
            )
        ],
        "pre_meetings_logged": [
            _row(p, "held_on", "attendance", "notes", "logged_at")
            for p in session.scalars(sa.select(PreMeeting).where(PreMeeting.logged_by_id == user.id))
        ],
        "invitations_to_this_email": [
            _row(i, "created_at", "expires_at", "accepted_at")
            for i in session.scalars(sa.select(GroupInvitation).where(GroupInvitation.email == user.email))
        ],
        "linked_sign_in_providers": [  # app/oidc: never the provider's subject identifier
            _row(i, "provider", "email_at_link", "created_at", "last_used_at") for i in identities_of(session, user)
        ],
        "sign_in_sessions": [
            _row(s, "created_at", "last_seen_at", "ended_at")
            for s in session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id))
        ],
        "emails_sent_to_you": [
            _row(m, "subject", "kind", "created_at", "sent_at")
            for m in session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == user.email))
        ],
        "actions_recorded_in_the_audit_log": [
            _row(e, "action", "subject", "created_at")
            for e in session.scalars(sa.select(AuditEvent).where(AuditEvent.actor_id == user.id))
        ],
        "private_calendar_feed": session.scalar(sa.select(CalendarFeed.id).where(CalendarFeed.user_id == user.id))
        is not None,
    }
    audit.record(session, user, "export.personal_data", f"user {user.id}")
    return data


def delete_account(session: so.Session, user: User, password: str, confirmation: str) -> None:
    """Delete the account after checking the password and the typed confirmation.

    Refused while the person is the only coordinator of a group that has other members: the group would be left
    without anyone who can manage it.
    """
    require_proof(session, user, password)  # or the emailed code, for a person without a password
    if normalise_email(confirmation) != user.email:
        raise DomainError(_("Type your email address to confirm."), field="confirmation")
    groups_of_one = []
    for membership in session.scalars(
        sa.select(GroupMembership)
        .where(
            GroupMembership.user_id == user.id,
            GroupMembership.status == MembershipStatus.ACTIVE,
            GroupMembership.role == MembershipRole.COORDINATOR,
        )
        .options(so.selectinload(GroupMembership.group).selectinload(Group.memberships))
    ):
        group = membership.group
        others = [m for m in group.active_members if m.id != membership.id]
        if not others:
            groups_of_one.append(group)
        elif not any(m.role == MembershipRole.COORDINATOR for m in others):
            raise DomainError(
                _(
                    "You are the only coordinator of %(group)s. Make another member a coordinator first.",
                    group=group.name,
                ),
                field="confirmation",
            )
    for group in groups_of_one:  # a group of one is the person's own: it goes too, giving back any seats it held
        for registration in registrations_for_group(session, group):
            if registration.status in HOLDING:
                withdraw(session, user, registration)
        session.delete(group)
    for membership in session.scalars(
        sa.select(GroupMembership).where(
            GroupMembership.user_id == user.id, GroupMembership.status == MembershipStatus.ACTIVE
        )
    ):
        member_left(session, membership)  # their seats go back to the cohorts (and the waitlists)
    email, user_id = user.email, user.id
    session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_address == email))
    session.execute(sa.delete(GroupInvitation).where(GroupInvitation.email == email))
    session.execute(sa.update(AuditEvent).where(AuditEvent.actor_id == user_id).values(actor_name=""))
    audit.record(session, None, "account.deleted", f"user {user_id}")
    session.delete(user)
    session.flush()
