from __future__ import annotations

import enum
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.courses.models import Course, CourseSession
from app.extensions import db
from app.lib.columns import string_enum
from app.lib.time import UTCDateTime, now_utc


class CohortStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The status as people read it, in their language."""
        return str(COHORT_STATUS_LABELS[self])


COHORT_STATUS_LABELS = {
    CohortStatus.DRAFT: _l("Draft (not public)"),
    CohortStatus.OPEN: _l("Open for registration"),
    CohortStatus.CLOSED: _l("Registration closed"),
    CohortStatus.RUNNING: _l("Running"),
    CohortStatus.COMPLETED: _l("Completed"),
    CohortStatus.CANCELLED: _l("Cancelled"),
}


cohort_trainers = sa.Table(
    "cohort_trainers",
    db.metadata,
    sa.Column("cohort_id", sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Cohort(db.Model):
    """One scheduled run of a course, with its sessions at fixed instants."""

    __tablename__ = "cohorts"
    __table_args__ = (
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("min_group_size > 0", name="min_group_size_positive"),
        sa.CheckConstraint("seats_taken >= 0", name="seats_taken_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courses.id"), index=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(120))
    host_timezone: so.Mapped[str] = so.mapped_column(sa.String(64))
    status: so.Mapped[CohortStatus] = so.mapped_column(string_enum(CohortStatus), default=CohortStatus.DRAFT)
    registration_opens_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    registration_deadline_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    capacity: so.Mapped[int]
    min_group_size: so.Mapped[int]
    video_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    # The cohort's working languages, codes such as "es" or "sw" (app.lib.languages.parse_language_list).
    languages: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list, server_default="[]")
    # Seats held by confirmed registrations; only changed by one conditional UPDATE (see registration.service).
    seats_taken: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)

    course: so.Mapped[Course] = so.relationship()
    # delete-orphan deletes only the session row: whatever refers to it makes the database refuse (RESTRICT).
    sessions: so.Mapped[list[CohortSession]] = so.relationship(
        back_populates="cohort", order_by="CohortSession.starts_at", cascade="all, delete-orphan"
    )
    trainers: so.Mapped[list[User]] = so.relationship(secondary=cohort_trainers, order_by="User.name")

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def first_session_at(self) -> datetime | None:
        return self.sessions[0].starts_at if self.sessions else None

    def registration_is_open(self, at: datetime | None = None) -> bool:
        at = at or now_utc()
        opened = self.registration_opens_at is None or self.registration_opens_at <= at
        return self.status == CohortStatus.OPEN and opened and at < self.registration_deadline_at

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.label!r}>"


class CohortSession(db.Model):
    """A session of a cohort at one UTC instant, computed from the host's local date and time.

    What people record in a session (attendance, notes, room roles and rooms, commitments) refers to it with
    ON DELETE RESTRICT: the database refuses to delete a session that holds history; edits check it first and say
    why (cohorts.scheduling.match_sessions)."""

    __tablename__ = "cohort_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cohort_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    course_session_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("course_sessions.id", ondelete="SET NULL")
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    starts_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    plenary_minutes: so.Mapped[int]
    breakout_minutes: so.Mapped[int]
    # Grows each time the session's time or length changes: calendars replace the event instead of adding one.
    sequence: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    cohort: so.Mapped[Cohort] = so.relationship(back_populates="sessions")
    course_session: so.Mapped[CourseSession | None] = so.relationship()

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.plenary_minutes + self.breakout_minutes)


class CalendarFeed(db.Model):
    """A person's private calendar feed: a secret token in the URL stands for them (calendar apps cannot log in).
    Resetting it replaces the token, so an old, leaked URL stops working."""

    __tablename__ = "calendar_feeds"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)

    user: so.Mapped[User] = so.relationship()
