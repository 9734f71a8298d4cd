"""Breakout rooms: which room a participant is in for a session, and (below) generating and editing rooms."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.models import User
from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember
from app.cohorts.models import Cohort, CohortSession
from app.groups.models import GroupMembership


def current_plan(
    session: so.Session, cohort: Cohort, cohort_session: CohortSession | None = None
) -> BreakoutPlan | None:
    """The plan in force for a session: its own override if the trainer made one, else the cohort's standing plan.
    With no session, the standing plan."""
    query = sa.select(BreakoutPlan).where(BreakoutPlan.cohort_id == cohort.id, BreakoutPlan.replaced_at.is_(None))
    if cohort_session is not None:
        override = session.scalar(query.where(BreakoutPlan.cohort_session_id == cohort_session.id))
        if override is not None:
            return override
    return session.scalar(query.where(BreakoutPlan.cohort_session_id.is_(None)))


def rooms_for_session(
    session: so.Session, cohort: Cohort, cohort_session: CohortSession | None = None
) -> list[BreakoutRoom]:
    """The rooms in force for a session, with their members (memberships and users) loaded; [] before generation."""
    plan = current_plan(session, cohort, cohort_session)
    if plan is None:
        return []
    return list(
        session.scalars(
            sa.select(BreakoutRoom)
            .where(BreakoutRoom.plan_id == plan.id)
            .options(
                so.selectinload(BreakoutRoom.members)
                .selectinload(RoomMember.membership)
                .selectinload(GroupMembership.user),
                so.selectinload(BreakoutRoom.members)
                .selectinload(RoomMember.membership)
                .selectinload(GroupMembership.group),
            )
            .order_by(BreakoutRoom.position)
        )
    )


def room_of(
    session: so.Session, cohort: Cohort, cohort_session: CohortSession | None, membership_id: int
) -> BreakoutRoom | None:
    """The room a participant (by group membership) is in for a session, or None."""
    plan = current_plan(session, cohort, cohort_session)
    if plan is None:
        return None
    return session.scalar(
        sa.select(BreakoutRoom)
        .join(RoomMember)
        .where(BreakoutRoom.plan_id == plan.id, RoomMember.membership_id == membership_id)
    )


def is_room_member(room: BreakoutRoom, user: User) -> bool:
    return user.is_authenticated and any(m.membership.user_id == user.id for m in room.members)
