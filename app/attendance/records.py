"""Attendance records: one row per participant (group membership) and session, the last recording wins; which
session a page is about, and the counts every attendance page and the completion rule read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts.models import User
from app.attendance.models import Attendance, AttendanceSource
from app.cohorts.models import Cohort, CohortSession
from app.groups.models import Group, GroupMembership
from app.lib.errors import DomainError, NotFound
from app.lib.time import now_utc
from app.registration.models import Registration, RosterEntry
from app.registration.participants import (
    Participant,
    confirmed_roster,
    participant_membership_ids,
)

# Sessions


def started(cohort_session: CohortSession, at: datetime | None = None) -> bool:
    return cohort_session.starts_at <= (at or now_utc())


def default_session(cohort: Cohort, at: datetime | None = None) -> CohortSession | None:
    """The latest session that has started, else the first."""
    begun = [s for s in cohort.sessions if started(s, at)]
    if begun:
        return begun[-1]
    return cohort.sessions[0] if cohort.sessions else None


def choose_session(cohort: Cohort, cohort_session_id: int | None, at: datetime | None = None) -> CohortSession:
    """The cohort's session with this id (NotFound for another cohort's), or the default one."""
    if cohort_session_id is not None:
        chosen = next((s for s in cohort.sessions if s.id == cohort_session_id), None)
        if chosen is None:
            raise NotFound(_("This cohort has no such session."))
        return chosen
    chosen = default_session(cohort, at)
    if chosen is None:
        raise NotFound(_("This cohort has no sessions yet."))
    return chosen


def require_started(cohort_session: CohortSession, at: datetime | None = None) -> None:
    if not started(cohort_session, at):
        raise DomainError(_("This session has not started yet: record attendance once it has begun."))


# Reading attendance


class Recorded(Protocol):
    """What was recorded for one person at one session (the last recording): a row read by attendance_map."""

    present: bool
    source: AttendanceSource


def attendance_map(session: so.Session, cohort: Cohort) -> dict[tuple[int, int], Recorded]:
    """Every recording for the cohort's sessions, by (session id, membership id), in one query of plain rows."""
    rows = session.execute(
        sa.select(Attendance.cohort_session_id, Attendance.membership_id, Attendance.present, Attendance.source)
        .join(CohortSession, Attendance.cohort_session_id == CohortSession.id)
        .where(CohortSession.cohort_id == cohort.id)
    )
    return {(row[0], row[1]): row for row in rows}


def attended_counts(records: dict[tuple[int, int], Recorded]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for (_session_id, membership_id), record in records.items():
        if record.present:
            counts[membership_id] = counts.get(membership_id, 0) + 1
    return counts


# Not frozen: a frozen dataclass sets each field through object.__setattr__, seven times slower to make, and a
# page makes thousands of these per request. Nothing changes one after it is made.
@dataclass(slots=True)
class Person:
    """A participant as the trainer's checklist and the spreadsheet show them: plain values read from one row
    rather than ORM objects (a cohort can have thousands of participants)."""

    membership_id: int
    name: str
    email: str | None  # None for roster-only members, who have no account
    group_name: str
    organization: str
    registration_id: int

    @property
    def has_account(self) -> bool:
        return self.email is not None

    @classmethod
    def of(cls, participant: Participant) -> Person:
        """The same values read from a participant's loaded membership and registration."""
        group = participant.group
        return cls(
            participant.membership.id,
            participant.name,
            participant.email,
            group.name,
            group.organization,
            participant.registration.id,
        )


def people_of(session: so.Session, cohort: Cohort) -> list[Person]:
    """The cohort's participants in registration order (as cohort_participants), in one query."""
    rows = session.execute(
        confirmed_roster(
            GroupMembership.id,
            sa.func.coalesce(User.name, GroupMembership.display_name, ""),  # GroupMembership.name
            User.email,
            Group.name,
            Group.organization,
            Registration.id,
            cohort_id=cohort.id,
        )
        .join(Group, Registration.group_id == Group.id)
        .outerjoin(User, GroupMembership.user_id == User.id)
        .order_by(Registration.created_at, Registration.id, RosterEntry.id)
    )
    return [Person(*row) for row in rows]


@dataclass(frozen=True)
class SessionCount:
    """How many of the cohort's participants were recorded, and present, at one session."""

    cohort_session: CohortSession
    number: int  # 1-based, in the cohort's order
    present: int
    recorded: int
    participants: int
    has_started: bool


def session_counts(
    cohort: Cohort, membership_ids: set[int], records: dict[tuple[int, int], Recorded], at: datetime
) -> list[SessionCount]:
    present: dict[int, int] = {}
    recorded: dict[int, int] = {}
    for (session_id, membership_id), record in records.items():
        if membership_id in membership_ids:
            recorded[session_id] = recorded.get(session_id, 0) + 1
            present[session_id] = present.get(session_id, 0) + record.present
    return [
        SessionCount(
            cohort_session=cohort_session,
            number=number,
            present=present.get(cohort_session.id, 0),
            recorded=recorded.get(cohort_session.id, 0),
            participants=len(membership_ids),
            has_started=started(cohort_session, at),
        )
        for number, cohort_session in enumerate(cohort.sessions, start=1)
    ]


def participant_ids(session: so.Session, cohort: Cohort) -> set[int]:
    """The memberships of the cohort's participants, in one query of ids (what a checklist may tick)."""
    return set(session.scalars(participant_membership_ids(cohort.id)))


def attendance_for(session: so.Session, cohort: Cohort, at: datetime | None = None) -> list[SessionCount]:
    """Per session of the cohort, in order: present, recorded and participants (current participants only)."""
    return session_counts(cohort, participant_ids(session, cohort), attendance_map(session, cohort), at or now_utc())


# Writing attendance


def insert_attendance(session: so.Session):
    """The dialect's INSERT, which knows ON CONFLICT (PostgreSQL and SQLite alike)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the app runs on these two
        raise RuntimeError(f"unsupported database {dialect!r}")
    return insert


def record_attendance(
    session: so.Session,
    cohort_session: CohortSession,
    states: dict[int, bool],
    source: AttendanceSource,
    recorded_by: User | None,
) -> int:
    """Write present/absent for these memberships in one statement; a concurrent recording of the same person
    and session is overwritten (the last recording wins) instead of failing on the unique pair."""
    if not states:
        return 0
    insert = insert_attendance(session)
    at = now_utc()
    statement = insert(Attendance)
    statement = statement.on_conflict_do_update(
        index_elements=[Attendance.cohort_session_id, Attendance.membership_id],
        set_={
            "present": statement.excluded.present,
            "source": statement.excluded.source,
            "recorded_by_id": statement.excluded.recorded_by_id,
            "recorded_at": statement.excluded.recorded_at,
        },
    )
    session.execute(
        statement,
        [
            {
                "cohort_session_id": cohort_session.id,
                "membership_id": membership_id,
                "present": present,
                "source": source,
                "recorded_by_id": recorded_by.id if recorded_by is not None else None,
                "recorded_at": at,
            }
            for membership_id, present in sorted(states.items())
        ],
    )
    # Rows loaded before now are stale: the statement bypassed the identity map.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Attendance) and obj.cohort_session_id == cohort_session.id and obj.membership_id in states:
            session.expire(obj)
    session.flush()
    return len(states)


def changed_marks(session: so.Session, cohort_session: CohortSession, wanted: dict[int, bool]) -> dict[int, bool]:
    """Only the people whose state changes (or who have none yet), so a save keeps who recorded the rest."""
    if not wanted:
        return {}
    current = dict(
        session.execute(
            sa.select(Attendance.membership_id, Attendance.present).where(
                Attendance.cohort_session_id == cohort_session.id, Attendance.membership_id.in_(list(wanted))
            )
        ).all()
    )
    return {mid: present for mid, present in wanted.items() if current.get(mid) != present}


def check_session_of(cohort: Cohort, cohort_session: CohortSession) -> None:
    if cohort_session.cohort_id != cohort.id:
        raise NotFound(_("This cohort has no such session."))
