from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.cohorts.models import CohortSession
from app.extensions import db
from app.groups.models import GroupMembership
from app.lib.columns import string_enum
from app.lib.time import UTCDateTime, now_utc


class AttendanceSource(enum.StrEnum):
    CHECKLIST = "checklist"  # a trainer ticked it on the room checklist
    IMPORT = "import"  # matched by email from a video tool's attendance report
    COORDINATOR = "coordinator"  # a coordinator recorded it (people around one screen without an account)


class Attendance(db.Model):
    """Whether a rostered participant took part in one session; the last recording wins."""

    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("cohort_session_id", "membership_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cohort_session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cohort_sessions.id", ondelete="RESTRICT"), index=True
    )
    membership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("group_memberships.id", ondelete="CASCADE"), index=True
    )
    present: so.Mapped[bool]
    source: so.Mapped[AttendanceSource] = so.mapped_column(string_enum(AttendanceSource))
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)

    cohort_session: so.Mapped[CohortSession] = so.relationship()
    membership: so.Mapped[GroupMembership] = so.relationship()
