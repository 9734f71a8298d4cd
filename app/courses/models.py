from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.models import User
from app.extensions import db
from app.lib.time import UTCDateTime, now_utc

course_prerequisites = sa.Table(
    "course_prerequisites",
    db.metadata,
    sa.Column("course_id", sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("prerequisite_id", sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
)

course_trainers = sa.Table(
    "course_trainers",
    db.metadata,
    sa.Column("course_id", sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

session_readings = sa.Table(
    "course_session_readings",
    db.metadata,
    sa.Column("course_session_id", sa.ForeignKey("course_sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("reading_id", sa.ForeignKey("readings.id", ondelete="CASCADE"), primary_key=True),
)


class Course(db.Model):
    """The database mirror of one folder in `courses/`, written only by `flask courses sync`."""

    __tablename__ = "courses"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(100), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    level: so.Mapped[str] = so.mapped_column(sa.String(20))
    summary: so.Mapped[str] = so.mapped_column(sa.Text)
    description_html: so.Mapped[str] = so.mapped_column(sa.Text)
    language: so.Mapped[str] = so.mapped_column(sa.String(16), default="en")
    min_group_size: so.Mapped[int]
    accepts_equivalent_experience: so.Mapped[bool] = so.mapped_column(default=False)
    prerequisite_share: so.Mapped[float] = so.mapped_column(default=0.5)
    completion_min_sessions: so.Mapped[int | None]
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    synced_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    archived_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    sessions: so.Mapped[list[CourseSession]] = so.relationship(
        back_populates="course", order_by="CourseSession.position", cascade="all, delete-orphan"
    )
    readings: so.Mapped[list[Reading]] = so.relationship(
        back_populates="course", order_by="Reading.id", cascade="all, delete-orphan"
    )
    # People who may schedule cohorts of this course (assigned by an administrator).
    trainers: so.Mapped[list[User]] = so.relationship(secondary=course_trainers, order_by="User.name")
    prerequisites: so.Mapped[list[Course]] = so.relationship(
        secondary=course_prerequisites,
        primaryjoin=lambda: Course.id == course_prerequisites.c.course_id,
        secondaryjoin=lambda: Course.id == course_prerequisites.c.prerequisite_id,
        order_by="Course.title",
    )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def pre_meeting_reading(self) -> Reading | None:
        """The reading groups discuss at their own meeting before session 1; when set, that meeting is required."""
        return next((r for r in self.readings if r.is_pre_meeting), None)

    @property
    def readings_in_order(self) -> list[Reading]:
        """The pre-meeting reading first, then readings in the order the sessions need them."""
        first_needed = {}
        for session in self.sessions:
            for reading in session.readings:
                first_needed.setdefault(reading.id, session.position)
        return sorted(self.readings, key=lambda r: (not r.is_pre_meeting, first_needed.get(r.id, 10_000), r.title))

    @property
    def total_minutes(self) -> int:
        return sum(s.plenary_minutes + s.breakout_minutes for s in self.sessions)

    @property
    def required_sessions(self) -> int:
        return self.completion_min_sessions or len(self.sessions)

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class CourseSession(db.Model):
    """One session of a course's outline (sessions/NN-name.md); cohorts schedule these."""

    __tablename__ = "course_sessions"
    __table_args__ = (sa.UniqueConstraint("course_id", "position"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int]
    slug: so.Mapped[str] = so.mapped_column(sa.String(120))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    plenary_minutes: so.Mapped[int]
    breakout_minutes: so.Mapped[int]
    body_html: so.Mapped[str] = so.mapped_column(sa.Text)
    # The items under the session's "Breakout prompts" heading: each room's notes start from them.
    breakout_prompts: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list, server_default="[]")

    course: so.Mapped[Course] = so.relationship(back_populates="sessions")
    readings: so.Mapped[list[Reading]] = so.relationship(secondary=session_readings, order_by="Reading.id")

    @property
    def total_minutes(self) -> int:
        return self.plenary_minutes + self.breakout_minutes


class Reading(db.Model):
    __tablename__ = "readings"
    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(120))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    estimated_minutes: so.Mapped[int]
    attribution: so.Mapped[str] = so.mapped_column(sa.Text)
    body_html: so.Mapped[str] = so.mapped_column(sa.Text)
    toc_html: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    is_pre_meeting: so.Mapped[bool] = so.mapped_column(default=False)
    # The items under the reading's "Discussion questions" heading.
    discussion_questions: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list, server_default="[]")

    course: so.Mapped[Course] = so.relationship(back_populates="readings")


class ContentTranslation(db.Model):
    """A course's text in another language, from one `X.<lang>.md` file: the course itself (no session or reading
    id), a session or a reading. Written only by `flask courses sync`, replaced on every re-sync of the course."""

    __tablename__ = "content_translations"
    __table_args__ = (sa.Index("ix_content_translations_course_language", "course_id", "language"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    course_session_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("course_sessions.id", ondelete="CASCADE"))
    reading_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("readings.id", ondelete="CASCADE"))
    language: so.Mapped[str] = so.mapped_column(sa.String(16))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    summary: so.Mapped[str | None] = so.mapped_column(sa.Text)
    attribution: so.Mapped[str | None] = so.mapped_column(sa.Text)
    body_html: so.Mapped[str] = so.mapped_column(sa.Text)
    toc_html: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # A reading's discussion questions or a session's breakout prompts, as the source has them.
    items: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list, server_default="[]")
    # The source file's hash the translation names; is_current is False when the source changed since.
    source_hash: so.Mapped[str] = so.mapped_column(sa.String(12))
    is_current: so.Mapped[bool] = so.mapped_column(default=True)
