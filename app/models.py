"""Every model, imported in one place so the metadata (and Alembic's comparison) sees the whole schema."""

from app.accounts.models import PendingSignup, User, UserSession
from app.attendance.models import Attendance
from app.audit.models import AuditEvent
from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember
from app.cohorts.models import CalendarFeed, Cohort, CohortSession, cohort_trainers
from app.courses.models import (
    ContentTranslation,
    Course,
    CourseSession,
    Reading,
    course_prerequisites,
    course_trainers,
    session_readings,
)
from app.groups.models import Group, GroupInvitation, GroupMembership
from app.learning.models import Commitment, ReadingProgress
from app.lib.page_cache import CacheVersion
from app.notes.models import BreakoutNote, NoteRevision, RoomRoles
from app.notifications.models import OutboxMessage
from app.oidc.models import LinkedIdentity, PendingIdentityLink
from app.registration.models import (
    Completion,
    PreMeeting,
    PrerequisiteEvidence,
    Registration,
    RosterEntry,
    SentReminder,
)
from app.signin.models import EmailedToken

__all__ = [
    "Attendance",
    "AuditEvent",
    "BreakoutNote",
    "BreakoutPlan",
    "BreakoutRoom",
    "CacheVersion",
    "Commitment",
    "ContentTranslation",
    "NoteRevision",
    "ReadingProgress",
    "RoomMember",
    "RoomRoles",
    "CalendarFeed",
    "Cohort",
    "CohortSession",
    "Course",
    "CourseSession",
    "Group",
    "GroupInvitation",
    "GroupMembership",
    "OutboxMessage",
    "LinkedIdentity",
    "PendingIdentityLink",
    "EmailedToken",
    "PendingSignup",
    "Completion",
    "PrerequisiteEvidence",
    "PreMeeting",
    "Registration",
    "SentReminder",
    "RosterEntry",
    "Reading",
    "User",
    "UserSession",
    "cohort_trainers",
    "course_prerequisites",
    "course_trainers",
    "session_readings",
]
