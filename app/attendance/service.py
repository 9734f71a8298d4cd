"""Attendance per session, completion of a cohort, and certificates.

Attendance is one row per participant (group membership) and session; the last recording wins. Trainers record
everyone (a checklist per room, or a video tool's attendance report matched by email); coordinators record their
roster-only members, who have no account and so appear in no report. Completion follows from attendance: the
course's rule (at least `required_sessions` sessions, and the group's pre-meeting when the course has one) decides
who gets a `Completion`, which other courses' prerequisite checks count.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts.models import User, normalise_email
from app.attendance.models import Attendance, AttendanceSource
from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember
from app.breakouts.service import current_plan
from app.cohorts.models import Cohort, CohortSession, CohortStatus
from app.cohorts.service import visible_cohort
from app.groups.models import Group, GroupMembership
from app.groups.service import is_coordinator
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.time import now_utc, to_local
from app.lib.urls import external_url
from app.notifications.service import queue_email
from app.registration.models import Completion, PreMeeting, Registration, RosterEntry
from app.registration.participants import (
    Participant,
    cohort_participants,
    confirmed_roster,
    group_participants,
    participant_membership_ids,
    require_trainer,
)

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
HEADER_SEARCH_LINES = 50  # a report's header may follow a preamble (meeting title, date, ...)


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


def _require_started(cohort_session: CohortSession, at: datetime | None = None) -> None:
    if not started(cohort_session, at):
        raise DomainError(_("This session has not started yet: record attendance once it has begun."))


# Reading attendance


class Recorded(Protocol):
    """What was recorded for one person at one session (the last recording): a row read by _attendance_map."""

    present: bool
    source: AttendanceSource


def _attendance_map(session: so.Session, cohort: Cohort) -> dict[tuple[int, int], Recorded]:
    """Every recording for the cohort's sessions, by (session id, membership id), in one query of plain rows."""
    rows = session.execute(
        sa.select(Attendance.cohort_session_id, Attendance.membership_id, Attendance.present, Attendance.source)
        .join(CohortSession, Attendance.cohort_session_id == CohortSession.id)
        .where(CohortSession.cohort_id == cohort.id)
    )
    return {(row[0], row[1]): row for row in rows}


def _attended_counts(records: dict[tuple[int, int], Recorded]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for (_session_id, membership_id), record in records.items():
        if record.present:
            counts[membership_id] = counts.get(membership_id, 0) + 1
    return counts


@dataclass(frozen=True, slots=True)
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


def _people(session: so.Session, cohort: Cohort) -> list[Person]:
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


def _session_counts(
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
    return _session_counts(cohort, participant_ids(session, cohort), _attendance_map(session, cohort), at or now_utc())


# Checklist page


@dataclass(frozen=True, slots=True)
class ChecklistRow:
    """One person on a checklist (the trainer's, thousands per page, or a coordinator's): plain values."""

    person: Person
    record: Recorded | None  # at the session shown
    attended: int  # sessions of the cohort this person was present at

    @property
    def present(self) -> bool:
        return self.record is not None and self.record.present


@dataclass(frozen=True)
class ChecklistSection:
    title: str
    rows: list[ChecklistRow]
    is_room: bool = False


@dataclass(frozen=True)
class AttendancePage:
    cohort: Cohort
    cohort_session: CohortSession
    sections: list[ChecklistSection]
    sessions: list[SessionCount]
    completion: CompletionPreview
    usual_source: AttendanceSource | None  # how most of this session's recordings were made; rows name the others

    @property
    def summary(self) -> SessionCount:
        return next(s for s in self.sessions if s.cohort_session.id == self.cohort_session.id)

    @property
    def has_started(self) -> bool:
        return self.summary.has_started

    @property
    def present_ids(self) -> list[int]:
        return [row.person.membership_id for section in self.sections for row in section.rows if row.present]


def _room_members(session: so.Session, plan: BreakoutPlan) -> list[tuple[int, str, int | None]]:
    """(room id, room name, membership id or None for an empty room) of the plan's rooms, in room order and each
    room's members in their places: one query of plain rows."""
    return list(
        session.execute(
            sa.select(BreakoutRoom.id, BreakoutRoom.name, RoomMember.membership_id)
            .select_from(BreakoutRoom)
            .outerjoin(RoomMember, RoomMember.room_id == BreakoutRoom.id)
            .where(BreakoutRoom.plan_id == plan.id)
            .order_by(BreakoutRoom.position, RoomMember.position, RoomMember.id)
        )
    )


def _sections(
    session: so.Session, cohort: Cohort, cohort_session: CohortSession, people: list[Person], row_for
) -> list[ChecklistSection]:
    """A section per room (room order, members in their places), then "Not in a room"; one per group before rooms."""
    plan = current_plan(session, cohort, cohort_session)
    if plan is None:
        by_registration: dict[int, ChecklistSection] = {}
        for person in people:
            section = by_registration.get(person.registration_id)
            if section is None:
                section = by_registration[person.registration_id] = ChecklistSection(person.group_name, [])
            section.rows.append(row_for(person))
        return list(by_registration.values())
    by_membership = {p.membership_id: p for p in people}
    placed: set[int] = set()
    rooms: dict[int, ChecklistSection] = {}
    for room_id, room_name, membership_id in _room_members(session, plan):
        section = rooms.get(room_id)
        if section is None:
            section = rooms[room_id] = ChecklistSection(room_name, [], is_room=True)
        person = by_membership.get(membership_id)
        if person is not None and membership_id not in placed:
            placed.add(membership_id)
            section.rows.append(row_for(person))
    result = list(rooms.values())
    unplaced = [row_for(p) for p in people if p.membership_id not in placed]
    if unplaced:
        result.append(ChecklistSection(_("Not in a room"), unplaced))
    return result


def attendance_page(
    session: so.Session, trainer: User, cohort: Cohort, cohort_session_id: int | None = None, at: datetime | None = None
) -> AttendancePage:
    """The trainer's checklist for one session (default: the latest that has started), grouped by room, with
    every session's counts and where completion stands. For the cohort's trainers and admins; constant queries,
    each reading plain rows."""
    require_trainer(trainer, cohort)
    at = at or now_utc()
    cohort_session = choose_session(cohort, cohort_session_id, at)
    people = _people(session, cohort)
    records = _attendance_map(session, cohort)
    attended = _attended_counts(records)
    session_id = cohort_session.id

    def row_for(person: Person) -> ChecklistRow:
        return ChecklistRow(
            person, records.get((session_id, person.membership_id)), attended.get(person.membership_id, 0)
        )

    sections = _sections(session, cohort, cohort_session, people, row_for)
    sources = Counter(row.record.source for section in sections for row in section.rows if row.record is not None)
    statuses = _statuses_of_people(session, cohort, people, attended)
    return AttendancePage(
        cohort=cohort,
        cohort_session=cohort_session,
        sections=sections,
        sessions=_session_counts(cohort, {p.membership_id for p in people}, records, at),
        completion=CompletionPreview.of(session, cohort, statuses, at),
        usual_source=sources.most_common(1)[0][0] if sources else None,
    )


# Writing attendance


def _insert(session: so.Session):
    """The dialect's INSERT, which knows ON CONFLICT (PostgreSQL and SQLite alike)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the app runs on these two
        raise RuntimeError(f"unsupported database {dialect!r}")
    return insert


def _record(
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
    insert = _insert(session)
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


def _changed(session: so.Session, cohort_session: CohortSession, wanted: dict[int, bool]) -> dict[int, bool]:
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


def record_checklist(
    session: so.Session,
    trainer: User,
    cohort: Cohort,
    cohort_session: CohortSession,
    present_ids: Iterable[int],
    at: datetime | None = None,
) -> int:
    """Save a trainer's checklist: every participant listed is present if ticked, else absent.

    Ids that are not participants of the cohort are ignored (someone may have left since the page loaded).
    Returns how many recordings changed. Raises Forbidden for non-trainers and DomainError before the session.
    """
    require_trainer(trainer, cohort)
    _check_session_of(cohort, cohort_session)
    _require_started(cohort_session, at)
    ticked = set(present_ids)
    wanted = {mid: mid in ticked for mid in participant_ids(session, cohort)}
    return _record(
        session, cohort_session, _changed(session, cohort_session, wanted), AttendanceSource.CHECKLIST, trainer
    )


def _check_session_of(cohort: Cohort, cohort_session: CohortSession) -> None:
    if cohort_session.cohort_id != cohort.id:
        raise NotFound(_("This cohort has no such session."))


# Importing a video tool's attendance report


class ImportRefused(DomainError):
    """The uploaded file cannot be read as an attendance report; nothing was recorded."""

    def __init__(self, message: str, status_code: int = 422):
        super().__init__(message, field="file")
        self.status_code = status_code


@dataclass(frozen=True)
class ReportRow:
    line: int
    name: str
    email: str


@dataclass
class ParsedReport:
    rows: list[ReportRow] = field(default_factory=list)
    has_names: bool = False


def _header_key(cell: str) -> str:
    return "".join(ch for ch in cell.lower() if ch.isalnum())


def _is_header(row: list[str]) -> bool:
    return any("email" in _header_key(c) for c in row) and not any("@" in c for c in row)


def _decode(data: bytes) -> str:
    # "Unicode text" exports (Teams, Excel) are UTF-16 with a byte-order mark; the rest UTF-8, with or without one.
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise ImportRefused(
            _("This file is not a text (CSV) file. Export the attendance report as CSV and upload that.")
        ) from None
    if "\x00" in text:
        raise ImportRefused(
            _("This file is not a text (CSV) file. Export the attendance report as CSV and upload that.")
        )
    return text


def _dialect(lines: list[str]) -> type[csv.Dialect]:
    """The header line's most frequent delimiter among `,` `;` and tab. Not csv.Sniffer: its regular expressions
    take time quadratic in a line's length (a 20 KB line took 4 s, a 2 MB upload would take hours)."""
    header = lines[0] if lines else ""
    delimiter = max(",;\t", key=header.count)

    class Report(csv.excel):
        skipinitialspace = True  # "a, b": cells are trimmed anyway, and a quoted cell after a space stays one cell

    Report.delimiter = delimiter
    return Report


def _name_of(row: list[str], columns: dict[str, int | None]) -> str:
    def cell(key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    if columns.get("name") is not None:
        return cell("name")
    return " ".join(part for part in (cell("first"), cell("last")) if part)


def _columns(header: list[str]) -> dict[str, int | None]:
    keys = [_header_key(c) for c in header]
    email = next(i for i, k in enumerate(keys) if "email" in k)

    def find(predicate) -> int | None:
        return next((i for i, k in enumerate(keys) if i != email and predicate(k)), None)

    return {
        "email": email,
        "name": find(lambda k: "name" in k and "first" not in k and "last" not in k and "surname" not in k),
        "first": find(lambda k: "first" in k and "name" in k),
        "last": find(lambda k: ("last" in k or "surname" in k) and "name" in k),
    }


def _csv_rows(reader) -> Iterable[list[str]]:
    """The reader's rows; a line the csv module cannot read (a field over its size limit) refuses the file."""
    try:
        yield from reader
    except csv.Error:
        raise ImportRefused(
            _("This file is not a text (CSV) file. Export the attendance report as CSV and upload that.")
        ) from None


def parse_attendance_report(data: bytes) -> ParsedReport:
    """Read a video tool's attendance report: the rows under a header with an "email" column.

    Tolerates a byte-order mark, `,` `;` or tab delimiters, lines before the header (a meeting summary), and
    several sections each with its own header (Zoom's "with meeting data" export). Raises ImportRefused when
    the file is empty, too large, not text, has no email column or too many rows.
    """
    if not data:
        raise ImportRefused(_("The file is empty. Choose the attendance report exported from your video tool."))
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(
            _("This file is larger than %(mb)s MB. Upload only the attendance report.", mb=MAX_IMPORT_BYTES // 2**20),
            status_code=413,
        )
    text = _decode(data)
    lines = text.splitlines()
    start = next(
        (i for i, line in enumerate(lines[:HEADER_SEARCH_LINES]) if "email" in _header_key(line) and "@" not in line),
        None,
    )
    if start is None:
        raise ImportRefused(
            _(
                'No email column found. The report needs a column whose heading contains "email", '
                'such as "User Email" or "Email Address".'
            )
        )
    reader = csv.reader(io.StringIO("\n".join(lines[start:])), _dialect(lines[start:]))
    parsed = ParsedReport()
    columns: dict[str, int | None] | None = None
    count = 0
    for row in _csv_rows(reader):
        if not any(cell.strip() for cell in row):
            continue
        count += 1
        if count > MAX_IMPORT_ROWS:
            raise ImportRefused(
                _("This report has more than %(n)s rows. Split it, or upload one meeting's report.", n=MAX_IMPORT_ROWS),
                status_code=413,
            )
        if _is_header(row):
            columns = _columns(row)
            parsed.has_names = parsed.has_names or any(columns[k] is not None for k in ("name", "first", "last"))
            continue
        if columns is None:  # pragma: no cover - the first row read is the header found above
            continue
        index = columns["email"]
        email = row[index].strip() if index < len(row) else ""
        parsed.rows.append(ReportRow(line=start + reader.line_num, name=_name_of(row, columns), email=email))
    return parsed


@dataclass
class ImportReport:
    """What an import did: who was matched, which rows matched nobody, and who was not in the report."""

    matched: list[Participant]
    unmatched: list[ReportRow]
    not_in_report: list[Participant]
    without_account: list[Participant]
    marked_absent: int
    rows: int
    has_names: bool


def import_attendance(
    session: so.Session,
    trainer: User,
    cohort: Cohort,
    cohort_session: CohortSession,
    data: bytes,
    *,
    mark_missing_absent: bool = False,
    at: datetime | None = None,
) -> ImportReport:
    """Mark present every participant whose account email is in the report (case and spaces ignored).

    All or nothing: the file is read and matched completely before anything is written, and a refusal
    (ImportRefused, a DomainError) writes nothing. Participants with an account who are not in the report are
    listed, and marked absent only when `mark_missing_absent`; people without an account are left as they are.
    """
    require_trainer(trainer, cohort)
    _check_session_of(cohort, cohort_session)
    _require_started(cohort_session, at)
    parsed = parse_attendance_report(data)
    participants = cohort_participants(session, cohort)
    by_email: dict[str, list[Participant]] = {}
    for participant in participants:
        if participant.email:
            by_email.setdefault(normalise_email(participant.email), []).append(participant)
    matched: dict[int, Participant] = {}
    unmatched: list[ReportRow] = []
    seen_unmatched: set[str] = set()
    for row in parsed.rows:
        found = by_email.get(normalise_email(row.email)) if row.email.strip() else None
        if found:
            matched.update((p.membership.id, p) for p in found)
            continue
        key = normalise_email(row.email) or f"name:{row.name.strip().lower()}"
        if key not in seen_unmatched:  # people who joined twice are reported once
            seen_unmatched.add(key)
            unmatched.append(row)
    not_in_report = [p for p in participants if p.user is not None and p.membership.id not in matched]
    states = {membership_id: True for membership_id in matched}
    if mark_missing_absent:
        states.update({p.membership.id: False for p in not_in_report})
    _record(session, cohort_session, _changed(session, cohort_session, states), AttendanceSource.IMPORT, trainer)
    return ImportReport(
        matched=list(matched.values()),
        unmatched=unmatched,
        not_in_report=not_in_report,
        without_account=[p for p in participants if p.user is None],
        marked_absent=len(not_in_report) if mark_missing_absent else 0,
        rows=len(parsed.rows),
        has_names=parsed.has_names,
    )


# Coordinators: their roster-only members


@dataclass(frozen=True)
class GroupAttendancePage:
    cohort: Cohort
    group: Group
    cohort_session: CohortSession
    roster_only: list[ChecklistRow]  # the coordinator records these
    others: list[ChecklistRow]  # read-only: recorded by the trainers
    sessions: list[SessionCount]  # counts for this group

    @property
    def has_started(self) -> bool:
        return next(s for s in self.sessions if s.cohort_session.id == self.cohort_session.id).has_started


def _require_group_recorder(session: so.Session, user: User, cohort: Cohort, group: Group) -> list[Participant]:
    """The group's participants in the cohort, for its coordinators (and admins); Forbidden for anyone else."""
    if not (user.is_authenticated and (is_coordinator(group, user) or user.is_admin)):
        raise Forbidden(_("Only this group's coordinators record its attendance."))
    return group_participants(session, cohort, group)


def group_attendance_page(
    session: so.Session,
    user: User,
    cohort: Cohort,
    group: Group,
    cohort_session_id: int | None = None,
    at: datetime | None = None,
) -> GroupAttendancePage:
    """A coordinator's view of their group's attendance at one session: their roster-only members to record, and
    what the trainers recorded for the others. Forbidden for anyone but the group's coordinators and admins."""
    participants = _require_group_recorder(session, user, cohort, group)
    at = at or now_utc()
    cohort_session = choose_session(cohort, cohort_session_id, at)
    records = _attendance_map(session, cohort)
    attended = _attended_counts(records)
    rows = [
        ChecklistRow(
            person, records.get((cohort_session.id, person.membership_id)), attended.get(person.membership_id, 0)
        )
        for person in map(Person.of, participants)
    ]
    return GroupAttendancePage(
        cohort=cohort,
        group=group,
        cohort_session=cohort_session,
        roster_only=[r for r in rows if not r.person.has_account],
        others=[r for r in rows if r.person.has_account],
        sessions=_session_counts(cohort, {p.membership.id for p in participants}, records, at),
    )


def record_roster_only(
    session: so.Session,
    coordinator: User,
    cohort: Cohort,
    group: Group,
    cohort_session: CohortSession,
    present_ids: Iterable[int],
    at: datetime | None = None,
) -> int:
    """A coordinator records their roster-only members (people without an account) for one session: ticked
    present, the others absent. Members with an account are the trainers' to record and are never changed here."""
    participants = _require_group_recorder(session, coordinator, cohort, group)
    _check_session_of(cohort, cohort_session)
    _require_started(cohort_session, at)
    ticked = set(present_ids)
    roster_only = {p.membership.id for p in participants if p.user is None}
    if ticked - roster_only:
        raise DomainError(_("Record only your group's members without an account here."), field="present")
    wanted = {membership_id: membership_id in ticked for membership_id in roster_only}
    return _record(
        session, cohort_session, _changed(session, cohort_session, wanted), AttendanceSource.COORDINATOR, coordinator
    )


# Completion


@dataclass(frozen=True)
class CompletionStatus:
    """Where one participant stands on the course's completion rule."""

    participant: Participant | Person  # Person on the trainer's page and in the spreadsheet
    attended: int
    required: int
    pre_meeting_required: bool
    pre_meeting_logged: bool
    completion: Completion | None  # a completion of this course they already hold (from any cohort)

    @property
    def qualifies(self) -> bool:
        return self.attended >= self.required and (self.pre_meeting_logged or not self.pre_meeting_required)

    @property
    def reasons(self) -> list[str]:
        reasons = []
        if self.attended < self.required:
            reasons.append(
                _("attended %(n)s of %(required)s required sessions", n=self.attended, required=self.required)
            )
        if self.pre_meeting_required and not self.pre_meeting_logged:
            reasons.append(_("group's pre-meeting not logged"))
        return reasons

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def standing(self) -> tuple[int, bool]:
        """What the reasons depend on: the same for everyone with the same attendance and pre-meeting."""
        return self.attended, self.pre_meeting_logged

    @property
    def summary(self) -> str:
        """The words "2 of 2 sessions attended", for pages that show a participant's progress."""
        return _("%(n)s of %(required)s sessions attended", n=self.attended, required=self.required)


def _reasons_once(statuses: list[CompletionStatus]) -> dict[tuple[int, bool], str]:
    """The reason of each standing among these statuses, translated once per standing rather than per person."""
    reasons: dict[tuple[int, bool], str] = {}
    for status in statuses:
        if status.standing not in reasons:
            reasons[status.standing] = status.reason
    return reasons


def required_sessions(cohort: Cohort) -> int:
    """The course's minimum (all its sessions by default), never more than the cohort actually holds."""
    required = cohort.course.required_sessions
    return min(required, len(cohort.sessions)) if cohort.sessions else required


def _pre_meetings_logged(session: so.Session, cohort: Cohort) -> set[int]:
    """The registrations of the cohort whose group logged its pre-meeting."""
    return set(
        session.scalars(
            sa.select(PreMeeting.registration_id)
            .join(Registration, PreMeeting.registration_id == Registration.id)
            .where(Registration.cohort_id == cohort.id)
        )
    )


def _statuses_of_people(
    session: so.Session, cohort: Cohort, people: list[Person], attended: dict[int, int]
) -> list[CompletionStatus]:
    """Where each person stands on the rule, for the trainer's page and the spreadsheet, which show the rule, not
    who holds the course already (`completion` is left None; run_completion reads it)."""
    pre_meeting_needed = cohort.course.pre_meeting_reading is not None
    logged = _pre_meetings_logged(session, cohort)
    required = required_sessions(cohort)
    return [
        CompletionStatus(
            participant=p,
            attended=attended.get(p.membership_id, 0),
            required=required,
            pre_meeting_required=pre_meeting_needed,
            pre_meeting_logged=p.registration_id in logged,
            completion=None,
        )
        for p in people
    ]


def _completion_statuses(
    session: so.Session,
    cohort: Cohort,
    participants: list[Participant],
    records: dict[tuple[int, int], Recorded],
) -> list[CompletionStatus]:
    course = cohort.course
    pre_meeting_needed = course.pre_meeting_reading is not None
    logged = _pre_meetings_logged(session, cohort)
    user_ids = [p.user.id for p in participants if p.user is not None]
    held = {}
    if user_ids:
        held = {
            c.user_id: c
            for c in session.scalars(
                sa.select(Completion).where(Completion.course_id == course.id, Completion.user_id.in_(user_ids))
            )
        }
    attended = _attended_counts(records)  # records hold only this cohort's sessions (see _attendance_map)
    required = required_sessions(cohort)
    return [
        CompletionStatus(
            participant=p,
            attended=attended.get(p.membership.id, 0),
            required=required,
            pre_meeting_required=pre_meeting_needed,
            pre_meeting_logged=p.registration.id in logged,
            completion=held.get(p.user.id) if p.user is not None else None,
        )
        for p in participants
    ]


def completion_status(session: so.Session, cohort: Cohort, membership: GroupMembership) -> CompletionStatus | None:
    """Where one participant (by group membership) stands on the completion rule; None if not a participant."""
    participant = next((p for p in cohort_participants(session, cohort) if p.membership.id == membership.id), None)
    if participant is None:
        return None
    records = {
        (a.cohort_session_id, a.membership_id): a
        for a in session.scalars(
            sa.select(Attendance)
            .join(CohortSession, Attendance.cohort_session_id == CohortSession.id)
            .where(CohortSession.cohort_id == cohort.id, Attendance.membership_id == membership.id)
        )
    }
    return _completion_statuses(session, cohort, [participant], records)[0]


@dataclass(frozen=True)
class CompletionPreview:
    """Whether the cohort can be marked completed now, and how many would complete."""

    cohort_id: int
    can_complete: bool
    refusal: str | None
    is_completed: bool
    statuses: list[CompletionStatus]  # of Person rows (see _statuses_of_people)
    required: int  # sessions to attend, as the completion rule counts them
    certificates: int  # participants holding a completion earned in this cohort

    @classmethod
    def of(
        cls, session: so.Session, cohort: Cohort, statuses: list[CompletionStatus], at: datetime
    ) -> CompletionPreview:
        refusal = _completion_refusal(cohort, at)
        earned = session.scalar(
            confirmed_roster(sa.func.count(), cohort_id=cohort.id)
            .join(Completion, Completion.user_id == GroupMembership.user_id)
            .where(Completion.cohort_id == cohort.id, Completion.course_id == cohort.course_id)
        )
        return cls(
            cohort.id,
            refusal is None,
            refusal,
            cohort.status == CohortStatus.COMPLETED,
            statuses,
            required_sessions(cohort),
            earned or 0,
        )

    @property
    def qualifying(self) -> int:
        return sum(1 for s in self.statuses if s.qualifies)

    @property
    def missing(self) -> list[CompletionStatus]:
        """Who does not meet the rule (yet)."""
        return [s for s in self.statuses if not s.qualifies]

    @property
    def not_qualifying(self) -> int:
        return len(self.missing)

    @property
    def missing_by_reason(self) -> list[tuple[str, int, list[tuple[str, list[str]]]]]:
        """Who does not meet the rule: each reason (said once) with how many, and under it each group (said once)
        with its people's names; reasons, groups and people in the order people come (registration order)."""
        by_reason: dict[str, dict[int, tuple[str, list[str]]]] = {}
        counts: Counter[str] = Counter()
        missing = self.missing
        reasons = _reasons_once(missing)
        for status in missing:
            person = status.participant
            reason = reasons[status.standing]
            counts[reason] += 1
            groups = by_reason.setdefault(reason, {})
            groups.setdefault(person.registration_id, (person.group_name, []))[1].append(person.name)
        return [(reason, counts[reason], list(groups.values())) for reason, groups in by_reason.items()]

    @property
    def without_account(self) -> int:
        return sum(1 for s in self.statuses if not s.participant.has_account)


def _completion_refusal(cohort: Cohort, at: datetime) -> str | None:
    if cohort.status == CohortStatus.CANCELLED:
        return _("This cohort was cancelled, so it cannot be completed.")
    if not cohort.sessions:
        return _("This cohort has no sessions, so nobody can complete it.")
    last = cohort.sessions[-1]
    if last.starts_at > at:
        local = to_local(last.starts_at, cohort.host_timezone)
        return _(
            "The last session starts on %(when)s (%(zone)s). Mark the cohort completed once it has begun.",
            when=local.strftime("%Y-%m-%d %H:%M"),
            zone=cohort.host_timezone.replace("_", " "),
        )
    return None


@dataclass
class CompletionReport:
    """What completing a cohort did."""

    completed: list[CompletionStatus] = field(default_factory=list)  # new completions, one email each
    already: list[CompletionStatus] = field(default_factory=list)  # qualified, already held the course
    not_qualified: list[CompletionStatus] = field(default_factory=list)
    without_account: list[CompletionStatus] = field(default_factory=list)  # qualified, but no account to hold it


def complete_cohort(session: so.Session, trainer: User, cohort: Cohort, at: datetime | None = None) -> CompletionReport:
    """A trainer (or admin) marks the cohort completed; see run_completion for what that does."""
    require_trainer(trainer, cohort)
    return run_completion(session, cohort, at)


def run_completion(session: so.Session, cohort: Cohort, at: datetime | None = None) -> CompletionReport:
    """Mark the cohort completed and give a Completion to each qualifying participant with an account who does
    not already hold one of this course; each new one is emailed a link to their certificate.

    Idempotent: running it again creates nothing new (unless attendance was corrected in between; completions
    are never taken away). Raises DomainError for a cancelled cohort or before its last session has started.
    Without an acting user: for the command line and the demo; pages call complete_cohort.
    """
    at = at or now_utc()
    refusal = _completion_refusal(cohort, at)
    if refusal:
        raise DomainError(refusal)
    participants = cohort_participants(session, cohort)
    statuses = _completion_statuses(session, cohort, participants, _attendance_map(session, cohort))
    report = CompletionReport()
    candidates: list[CompletionStatus] = []
    for status in statuses:
        if not status.qualifies:
            report.not_qualified.append(status)
        elif status.participant.user is None:
            report.without_account.append(status)
        elif status.completion is not None:
            report.already.append(status)
        else:
            candidates.append(status)
    created = _create_completions(session, cohort, {s.participant.user.id for s in candidates}, at)
    link = external_url("attendance.certificate", cohort_id=cohort.id)
    emailed: set[int] = set()
    for status in candidates:
        user = status.participant.user
        if user.id not in created:  # a concurrent run made it first
            report.already.append(status)
            continue
        report.completed.append(status)
        if user.id in emailed:  # one person in two groups of the cohort
            continue
        emailed.add(user.id)
        queue_email(
            session,
            to=user.email,
            subject=_("You completed %(course)s", course=cohort.course.title),
            template="attendance/email/completed",
            kind="attendance_completed",
            user=user,
            cohort=cohort,
            status=status,
            link=link,
        )
    cohort.status = CohortStatus.COMPLETED
    session.flush()
    return report


def _create_completions(session: so.Session, cohort: Cohort, user_ids: set[int], at: datetime) -> set[int]:
    """Insert the completions in one statement, skipping anyone who holds the course already (even if a concurrent
    run just added it): returns the people for whom a row was created."""
    if not user_ids:
        return set()
    insert = _insert(session)
    statement = (
        insert(Completion)
        .values(
            [
                {"user_id": user_id, "course_id": cohort.course_id, "cohort_id": cohort.id, "completed_at": at}
                for user_id in sorted(user_ids)
            ]
        )
        .on_conflict_do_nothing(index_elements=[Completion.user_id, Completion.course_id])
        .returning(Completion.user_id)
    )
    return set(session.scalars(statement))


def attendance_rows(session: so.Session, trainer: User, cohort: Cohort) -> list[list[str]]:
    """The whole cohort's attendance for a spreadsheet: a header, then one row per participant (registration order)
    with each session's state (present, absent, or blank when not recorded) and where they stand on the completion
    rule. Constant queries of plain rows."""
    require_trainer(trainer, cohort)
    people = _people(session, cohort)
    records = _attendance_map(session, cohort)
    statuses = _statuses_of_people(session, cohort, people, _attended_counts(records))
    session_ids = [cohort_session.id for cohort_session in cohort.sessions]
    header = [_("Name"), _("Email"), _("Group"), _("Organization")]
    header += [_("Session %(n)s", n=n) for n in range(1, len(session_ids) + 1)]
    header += [_("Sessions attended"), _("Meets the completion rule")]
    words = {None: "", True: _("present"), False: _("absent")}
    yes = _("yes")
    reasons = _reasons_once(statuses)
    rows = [header]
    for status in statuses:
        person = status.participant
        states = []
        for session_id in session_ids:
            record = records.get((session_id, person.membership_id))
            states.append(words[None if record is None else record.present])
        rows.append(
            [
                person.name,
                person.email or "",
                person.group_name,
                person.organization,
                *states,
                str(status.attended),
                yes if status.qualifies else reasons[status.standing],
            ]
        )
    return rows


# Certificates


@dataclass(frozen=True)
class Certificate:
    user: User
    completion: Completion
    cohort: Cohort
    sessions: list[CohortSession]
    attended: int


def certificate(session: so.Session, user: User, cohort_id: int) -> Certificate:
    """The signed-in person's own certificate for a cohort; NotFound when they did not complete it there (or the
    cohort is a draft hidden from them)."""
    visible_cohort(session, user, cohort_id)
    completion = session.scalar(
        sa.select(Completion)
        .where(Completion.user_id == user.id, Completion.cohort_id == cohort_id)
        .options(
            so.joinedload(Completion.cohort).selectinload(Cohort.sessions),
            so.joinedload(Completion.cohort).selectinload(Cohort.trainers),
            so.joinedload(Completion.course),
        )
    )
    if completion is None:
        raise NotFound(
            _(
                "You have no certificate for this cohort. Certificates appear here once the trainers mark the "
                "cohort completed, for everyone who met the course's completion rule."
            )
        )
    cohort = completion.cohort
    attended = session.scalar(
        sa.select(sa.func.count(sa.distinct(Attendance.cohort_session_id)))
        .join(CohortSession, Attendance.cohort_session_id == CohortSession.id)
        .join(GroupMembership, Attendance.membership_id == GroupMembership.id)
        .where(CohortSession.cohort_id == cohort.id, GroupMembership.user_id == user.id, Attendance.present.is_(True))
    )
    return Certificate(
        user=user, completion=completion, cohort=cohort, sessions=list(cohort.sessions), attended=attended or 0
    )
