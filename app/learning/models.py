from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.cohorts.models import Cohort, CohortSession
from app.courses.models import Reading
from app.extensions import db
from app.lib.columns import string_enum
from app.lib.time import UTCDateTime, now_utc


class ReadingProgress(db.Model):
    """A participant has read a reading for a cohort (deleting the row marks it unread again)."""

    __tablename__ = "reading_progress"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "cohort_id", "reading_id"),
        sa.Index("ix_reading_progress_cohort_reading", "cohort_id", "reading_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    reading_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("readings.id", ondelete="CASCADE"))
    read_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    comment: so.Mapped[str | None] = so.mapped_column(sa.Text)  # a line for oneself: what struck me, what I doubt

    cohort: so.Mapped[Cohort] = so.relationship()
    reading: so.Mapped[Reading] = so.relationship()


class CommitmentStatus(enum.StrEnum):
    OPEN = "open"  # recorded, not yet checked in on
    DONE = "done"
    IN_PROGRESS = "in_progress"
    DROPPED = "dropped"


class Commitment(db.Model):
    """What a participant will do before the next session; private to them (their coordinators see a summary)."""

    __tablename__ = "commitments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    cohort_session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cohort_sessions.id", ondelete="RESTRICT"))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[CommitmentStatus] = so.mapped_column(string_enum(CommitmentStatus), default=CommitmentStatus.OPEN)
    reflection: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    checked_in_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    cohort: so.Mapped[Cohort] = so.relationship()
    cohort_session: so.Mapped[CohortSession] = so.relationship()
