"""Recording sensitive actions, and reading them back for administrators."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.audit.models import AuditEvent
from app.lib.errors import Forbidden

# The actions recorded, with how the log page names them (marked for translation).
ACTIONS = {
    "prerequisite.approved": _l("Prerequisite evidence approved"),
    "prerequisite.declined": _l("Prerequisite evidence declined"),
    "group.coordinator_added": _l("Made a group coordinator"),
    "group.member_removed": _l("Removed a group member"),
    "group.invitation_accepted_as_other": _l("Accepted a group invitation sent to another address"),
    "course.trainer_added": _l("Made a course trainer"),
    "cohort.trainer_added": _l("Added a trainer to a cohort"),
    "cohort.trainer_removed": _l("Removed a trainer from a cohort"),
    "user.admin_granted": _l("Made an administrator"),
    "export.roster_csv": _l("Downloaded a cohort roster"),
    "export.breakouts_csv": _l("Downloaded a breakout assignment"),
    "export.attendance_csv": _l("Downloaded attendance"),
    "export.personal_data": _l("Downloaded their own data"),
    "account.deleted": _l("Deleted their account"),
    "account.email_changed": _l("Changed their email address"),
    "account.two_factor_changed": _l("Turned two-step sign-in on or off"),
    # Signing in through an identity provider (app/oidc)
    "account.identity_linked": _l("Linked an identity provider to their account"),
    "account.identity_unlinked": _l("Removed a linked identity provider"),
    "account.created_by_provider": _l("Created their account through an identity provider"),
}

# What an event is about ("cohort 12") and the names of its details, as the log page shows them. The stored values
# stay as they were written (machine-readable); unknown ones are shown as stored.
SUBJECTS = {
    "cohort": _l("cohort %(id)s"),
    "course": _l("course %(id)s"),
    "group": _l("group %(id)s"),
    "registration": _l("registration %(id)s"),
    "user": _l("person %(id)s"),
}
DETAILS = {
    "accepted_as": _l("accepted as"),
    "cohort": _l("cohort"),
    "email": _l("email"),
    "group": _l("group"),
    "invited": _l("invited"),
    "kind": _l("kind"),
    "member": _l("member"),
    "new": _l("new"),
    "old": _l("old"),
    "reason": _l("reason"),
    "rows": _l("rows"),
    "state": _l("state"),
    "trainer": _l("trainer"),
    "via": _l("via"),
}
DETAIL_VALUES = {"on": _l("on"), "off": _l("off"), "roster": _l("roster")}


def subject_label(subject: str) -> str:
    kind, _space, identifier = subject.partition(" ")
    return str(SUBJECTS[kind] % {"id": identifier}) if kind in SUBJECTS and identifier else subject


def details_labels(details: dict) -> list[tuple[str, str]]:
    return [
        (str(DETAILS.get(key, key)), str(DETAIL_VALUES.get(value, value)) if isinstance(value, str) else str(value))
        for key, value in details.items()
    ]


if TYPE_CHECKING:  # the log sits below accounts in the house: every domain, accounts too, records to it
    from app.accounts.models import User


def record(session: so.Session, actor: User | None, action: str, subject: str = "", **details) -> AuditEvent:
    """Write one audit event in the same transaction as the action, so one never exists without the other."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.name if actor is not None else "",
        action=action,
        subject=subject,
        details={k: v for k, v in details.items() if v is not None},
        ip_address=request.remote_addr if has_request_context() else None,
    )
    session.add(event)
    session.flush()
    return event


def recent_events(session: so.Session, admin: User, *, action: str | None = None, limit: int = 200) -> list[AuditEvent]:
    """The latest events, newest first, for administrators only."""
    if not admin.is_admin:
        raise Forbidden(_("Only administrators can read the audit log."))
    query = sa.select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)
    if action in ACTIONS:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query))
