"""Every model, imported in one place so the metadata (and Alembic's comparison) sees the whole schema."""

from app.accounts.models import User
from app.cohorts.models import CalendarFeed, Cohort, CohortSession, cohort_trainers
from app.courses.models import Course, CourseSession, Reading, course_prerequisites, course_trainers, session_readings
from app.groups.models import Group, GroupInvitation, GroupMembership
from app.notifications.models import OutboxMessage
from app.registration.models import (
    Completion,
    PreMeeting,
    PrerequisiteEvidence,
    Registration,
    RosterEntry,
    SentReminder,
)

__all__ = [
    "CalendarFeed",
    "Cohort",
    "CohortSession",
    "Course",
    "CourseSession",
    "Group",
    "GroupInvitation",
    "GroupMembership",
    "OutboxMessage",
    "Completion",
    "PrerequisiteEvidence",
    "PreMeeting",
    "Registration",
    "SentReminder",
    "RosterEntry",
    "Reading",
    "User",
    "cohort_trainers",
    "course_prerequisites",
    "course_trainers",
    "session_readings",
]
