"""Who facilitates a room's conversation and who takes its notes in a session: a rotation through the room's
members, which the room may change for one session.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts.models import User
from app.breakouts.models import BreakoutRoom
from app.cohorts.models import CohortSession
from app.groups.models import GroupMembership
from app.lib.errors import DomainError
from app.lib.time import now_utc
from app.notes.models import RoomRoles
from app.notes.service import NotePage, require_writer


@dataclass(frozen=True)
class Roles:
    facilitator: GroupMembership | None
    note_taker: GroupMembership | None
    changed: RoomRoles | None  # the room's own choice, when it changed the rotation


def _find_roles(session: so.Session, room: BreakoutRoom, cohort_session: CohortSession) -> RoomRoles | None:
    return session.scalar(
        sa.select(RoomRoles).where(RoomRoles.room_id == room.id, RoomRoles.cohort_session_id == cohort_session.id)
    )


def default_roles(
    members: list[GroupMembership], position: int
) -> tuple[GroupMembership | None, GroupMembership | None]:
    """The rotation: in session n, member n facilitates and member n+1 takes notes (wrapping around the room)."""
    if not members:
        return None, None
    count = len(members)
    return members[(position - 1) % count], members[position % count]


def room_roles(session: so.Session, page: NotePage) -> Roles:
    """Who facilitates and who takes notes: the room's own choice when it made one, else the rotation.

    A chosen person who is no longer in the room falls back to the rotation for that role.
    """
    members = page.members
    facilitator, note_taker = default_roles(members, page.position)
    changed = _find_roles(session, page.room, page.cohort_session)
    if changed is not None:
        ids = {m.id: m for m in members}
        facilitator = ids.get(changed.facilitator_id, facilitator)
        note_taker = ids.get(changed.note_taker_id, note_taker)
    return Roles(facilitator=facilitator, note_taker=note_taker, changed=changed)


def change_roles(session: so.Session, user: User, page: NotePage, facilitator_id: int, note_taker_id: int) -> RoomRoles:
    """Any member of the room may choose its facilitator and note-taker for the session, among the room's members."""
    require_writer(session, user, page.room)
    ids = {m.id for m in page.members}
    if facilitator_id not in ids:
        raise DomainError(_("Choose the facilitator among the room's members."), field="facilitator")
    if note_taker_id not in ids:
        raise DomainError(_("Choose the note-taker among the room's members."), field="note_taker")
    roles = _find_roles(session, page.room, page.cohort_session)
    if roles is None:
        try:
            with session.begin_nested():
                roles = RoomRoles(room_id=page.room.id, cohort_session_id=page.cohort_session.id)
                session.add(roles)
        except sa.exc.IntegrityError:
            roles = _find_roles(session, page.room, page.cohort_session)
            if roles is None:
                raise
    roles.facilitator_id = facilitator_id
    roles.note_taker_id = note_taker_id
    roles.changed_by_id = user.id
    roles.changed_at = now_utc()
    session.flush()
    return roles
