from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.cohorts.models import Cohort
from app.courses.models import Course
from app.extensions import db
from app.groups.models import Group, GroupMembership, MembershipStatus
from app.lib.columns import string_enum
from app.lib.time import UTCDateTime, now_utc


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"  # submitted; waiting for the threshold and/or the prerequisite review
    CONFIRMED = "confirmed"  # threshold met, prerequisites met, seats taken
    WAITLISTED = "waitlisted"  # everything met but the cohort is full; promoted first-come first-served
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"  # a trainer declined the prerequisite evidence
    LAPSED = "lapsed"  # the deadline passed with the threshold or prerequisites unmet

    @property
    def label(self) -> str:
        """The status as people read it, in their language."""
        return str(REGISTRATION_STATUS_LABELS[self])


REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.PENDING: _l("waiting"),
    RegistrationStatus.CONFIRMED: _l("confirmed"),
    RegistrationStatus.WAITLISTED: _l("on the waitlist"),
    RegistrationStatus.WITHDRAWN: _l("withdrawn"),
    RegistrationStatus.DECLINED: _l("declined"),
    RegistrationStatus.LAPSED: _l("lapsed"),
}


class EvidenceStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class Registration(db.Model):
    """A group in a cohort. One per group and cohort, enforced by the database."""

    __tablename__ = "registrations"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "group_id"),
        sa.CheckConstraint("seats >= 0", name="seats_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cohort_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    status: so.Mapped[RegistrationStatus] = so.mapped_column(
        string_enum(RegistrationStatus), default=RegistrationStatus.PENDING
    )
    seats: so.Mapped[int] = so.mapped_column(default=0)  # seats this registration holds (while confirmed)
    submitted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    status_changed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
    waitlisted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    cohort: so.Mapped[Cohort] = so.relationship()
    group: so.Mapped[Group] = so.relationship()
    roster: so.Mapped[list[RosterEntry]] = so.relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="RosterEntry.id"
    )
    evidence_history: so.Mapped[list[PrerequisiteEvidence]] = so.relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="PrerequisiteEvidence.id"
    )

    pre_meeting: so.Mapped[PreMeeting | None] = so.relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )

    @property
    def evidence(self) -> PrerequisiteEvidence | None:
        """The latest attestation; earlier ones stay as the record of what was decided, by whom and when."""
        return self.evidence_history[-1] if self.evidence_history else None

    @property
    def active_roster(self) -> list[GroupMembership]:
        return [e.membership for e in self.roster if e.membership.status == MembershipStatus.ACTIVE]


class RosterEntry(db.Model):
    """A group member named by the coordinator as taking part in this cohort."""

    __tablename__ = "registration_roster"
    __table_args__ = (sa.UniqueConstraint("registration_id", "membership_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    membership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("group_memberships.id", ondelete="CASCADE"), index=True
    )

    registration: so.Mapped[Registration] = so.relationship(back_populates="roster")
    membership: so.Mapped[GroupMembership] = so.relationship()


class PrerequisiteEvidence(db.Model):
    """A coordinator's account of equivalent experience, which a trainer approves or declines."""

    __tablename__ = "prerequisite_evidence"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    attestation: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[EvidenceStatus] = so.mapped_column(string_enum(EvidenceStatus), default=EvidenceStatus.PENDING)
    reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)

    registration: so.Mapped[Registration] = so.relationship(back_populates="evidence_history")
    decided_by: so.Mapped[User | None] = so.relationship()


class Completion(db.Model):
    """A person completed a course (from attendance); prerequisites are checked against these."""

    __tablename__ = "completions"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    # The cohort it was earned in (its certificate page); NULL for completions recorded before or outside the platform.
    cohort_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    completed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)

    course: so.Mapped[Course] = so.relationship()
    cohort: so.Mapped[Cohort | None] = so.relationship()
    user: so.Mapped[User] = so.relationship()


class PreMeeting(db.Model):
    """The group's own meeting before session 1 to discuss the course's preface and introduction."""

    __tablename__ = "pre_meetings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    held_on: so.Mapped[date]
    attendance: so.Mapped[int]
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    logged_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    logged_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)

    registration: so.Mapped[Registration] = so.relationship(back_populates="pre_meeting")


class SentReminder(db.Model):
    """A reminder that went out; the unique pair makes sending the same one twice impossible."""

    __tablename__ = "sent_reminders"
    __table_args__ = (sa.UniqueConstraint("registration_id", "kind"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    sent_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=now_utc)
