from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.models import User
from app.cohorts.models import Cohort, CohortSession
from app.extensions import db
from app.groups.models import GroupMembership
from app.lib.columns import string_enum
from app.lib.time import UTCDateTime, now_utc


class RoomStrategy(enum.StrEnum):
    KEEP_GROUPS = "keep_groups"  # each registered group forms its own rooms, split evenly when large
    MIX_ORGANIZATIONS = "mix_organizations"  # rooms spread across organizations, balanced by region and language


class BreakoutPlan(db.Model):
    """One generation of breakout rooms for a cohort.

    The plan without a session is the cohort's standing assignment, used by every session; a plan for one session
    overrides it for that session only. Regenerating replaces the current plan (`replaced_at` is set on the old one,
    whose rooms are kept while they hold notes).
    """

    __tablename__ = "breakout_plans"
    __table_args__ = (sa.CheckConstraint("target_size > 1", name="target_size_above_one"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cohort_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    cohort_session_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cohort_sessions.id", ondelete="RESTRICT"), index=True
    )
    strategy: so.Mapped[RoomStrategy] = so.mapped_column(string_enum(RoomStrategy))
    target_size: so.Mapped[int]
    seed: so.Mapped[int]
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    replaced_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    cohort: so.Mapped[Cohort] = so.relationship()
    cohort_session: so.Mapped[CohortSession | None] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()
    rooms: so.Mapped[list[BreakoutRoom]] = so.relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="BreakoutRoom.position"
    )


class BreakoutRoom(db.Model):
    """A small group of participants who meet in the breakout part of a session."""

    __tablename__ = "breakout_rooms"
    __table_args__ = (sa.UniqueConstraint("plan_id", "position"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("breakout_plans.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int]
    name: so.Mapped[str] = so.mapped_column(sa.String(120))

    plan: so.Mapped[BreakoutPlan] = so.relationship(back_populates="rooms")
    members: so.Mapped[list[RoomMember]] = so.relationship(
        back_populates="room", cascade="all, delete-orphan", order_by="RoomMember.position"
    )


class RoomMember(db.Model):
    """A rostered participant (a group membership, so people without an account are placed too) in a room."""

    __tablename__ = "breakout_room_members"
    __table_args__ = (sa.UniqueConstraint("room_id", "membership_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    room_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("breakout_rooms.id", ondelete="CASCADE"), index=True)
    membership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("group_memberships.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int] = so.mapped_column(default=0)

    room: so.Mapped[BreakoutRoom] = so.relationship(back_populates="members")
    membership: so.Mapped[GroupMembership] = so.relationship()
