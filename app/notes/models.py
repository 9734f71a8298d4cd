from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.models import User
from app.breakouts.models import BreakoutRoom
from app.cohorts.models import CohortSession
from app.extensions import db
from app.groups.models import GroupMembership
from app.lib.time import UTCDateTime, now_utc


class BreakoutNote(db.Model):
    """A room's shared Markdown notes for one session.

    `version` is the number of the latest revision: a save names the version it was based on and is applied only
    if that is still the latest (one conditional UPDATE), so two people saving at once never overwrite each other.
    """

    __tablename__ = "breakout_notes"
    __table_args__ = (
        sa.UniqueConstraint("room_id", "cohort_session_id"),
        sa.CheckConstraint("version >= 0", name="version_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    room_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("breakout_rooms.id", ondelete="CASCADE"), index=True)
    cohort_session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cohort_sessions.id", ondelete="RESTRICT"), index=True
    )
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    version: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    shared_with_plenary: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)

    room: so.Mapped[BreakoutRoom] = so.relationship()
    cohort_session: so.Mapped[CohortSession] = so.relationship()
    revisions: so.Mapped[list[NoteRevision]] = so.relationship(
        back_populates="note", cascade="all, delete-orphan", order_by="NoteRevision.number"
    )


class NoteRevision(db.Model):
    """Every accepted save, append-only. The author is kept as NULL ("former member") when their account goes."""

    __tablename__ = "breakout_note_revisions"
    __table_args__ = (sa.UniqueConstraint("note_id", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    note_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("breakout_notes.id", ondelete="CASCADE"), index=True)
    number: so.Mapped[int]
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    restored_from: so.Mapped[int | None]  # the revision number this save put back, when it was a restore

    note: so.Mapped[BreakoutNote] = so.relationship(back_populates="revisions")
    author: so.Mapped[User | None] = so.relationship()


class RoomRoles(db.Model):
    """Who facilitates and who takes notes in a room for one session, when the room changed the default rotation."""

    __tablename__ = "breakout_room_roles"
    __table_args__ = (sa.UniqueConstraint("room_id", "cohort_session_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    room_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("breakout_rooms.id", ondelete="CASCADE"), index=True)
    cohort_session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cohort_sessions.id", ondelete="RESTRICT"))
    facilitator_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("group_memberships.id", ondelete="SET NULL"))
    note_taker_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("group_memberships.id", ondelete="SET NULL"))
    changed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)

    facilitator: so.Mapped[GroupMembership | None] = so.relationship(foreign_keys=[facilitator_id])
    note_taker: so.Mapped[GroupMembership | None] = so.relationship(foreign_keys=[note_taker_id])
