from __future__ import annotations

import enum
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.models import User
from app.extensions import db
from app.lib.columns import string_enum
from app.lib.time import UTCDateTime, now_utc

JOIN_LINK_LIFETIME = timedelta(days=30)


class MembershipRole(enum.StrEnum):
    COORDINATOR = "coordinator"
    MEMBER = "member"


class MembershipStatus(enum.StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class Group(db.Model):
    """A team from one organization that registers for cohorts together."""

    __tablename__ = "groups"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160))
    organization: so.Mapped[str] = so.mapped_column(sa.String(200))
    country: so.Mapped[str | None] = so.mapped_column(sa.String(2))
    languages: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    # The shareable join link's secret; resetting it makes every old link stop working. Links also expire, so one
    # that spread further than meant stops working by itself.
    join_code: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    join_code_expires_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime, default=lambda: now_utc() + JOIN_LINK_LIFETIME
    )

    memberships: so.Mapped[list[GroupMembership]] = so.relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="GroupMembership.id"
    )
    invitations: so.Mapped[list[GroupInvitation]] = so.relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="GroupInvitation.id"
    )

    @property
    def active_members(self) -> list[GroupMembership]:
        return [m for m in self.memberships if m.status == MembershipStatus.ACTIVE]

    @property
    def coordinators(self) -> list[GroupMembership]:
        return [m for m in self.active_members if m.role == MembershipRole.COORDINATOR]


class GroupMembership(db.Model):
    """A person in a group: an account holder, or a roster entry by name alone (no email, no account)."""

    __tablename__ = "group_memberships"
    __table_args__ = (sa.UniqueConstraint("group_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    display_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    role: so.Mapped[MembershipRole] = so.mapped_column(string_enum(MembershipRole), default=MembershipRole.MEMBER)
    status: so.Mapped[MembershipStatus] = so.mapped_column(
        string_enum(MembershipStatus), default=MembershipStatus.ACTIVE
    )
    joined_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)

    group: so.Mapped[Group] = so.relationship(back_populates="memberships")
    user: so.Mapped[User | None] = so.relationship()

    @property
    def name(self) -> str:
        return self.user.name if self.user else (self.display_name or "")

    @property
    def is_roster_only(self) -> bool:
        """Counted in the group, without an account or email (people meeting around one screen)."""
        return self.user_id is None


class GroupInvitation(db.Model):
    """An emailed invitation: a random token (only its hash is stored) that expires and works once."""

    __tablename__ = "group_invitations"
    __table_args__ = (sa.UniqueConstraint("group_id", "email"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    invited_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    accepted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    accepted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    group: so.Mapped[Group] = so.relationship(back_populates="invitations")
    invited_by: so.Mapped[User | None] = so.relationship(foreign_keys=[invited_by_id])

    def is_open(self, at: datetime) -> bool:
        return self.accepted_at is None and at < self.expires_at
