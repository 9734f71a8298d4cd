"""Recording attendance: trainers record everyone (a checklist per room; a video tool's report, in imports.py);
coordinators record their roster-only members, who have no account and so appear in no report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from markupsafe import Markup

from app.accounts.models import User
from app.attendance.completion import CompletionPreview, statuses_of_people
from app.attendance.models import AttendanceSource
from app.attendance.records import (
    Person,
    Recorded,
    SessionCount,
    attendance_map,
    attended_counts,
    changed_marks,
    check_session_of,
    choose_session,
    participant_ids,
    people_of,
    record_attendance,
    require_started,
    session_counts,
)
from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember
from app.breakouts.service import current_plan
from app.cohorts.models import Cohort, CohortSession
from app.groups.models import Group
from app.groups.service import is_coordinator
from app.lib.errors import DomainError, Forbidden
from app.lib.html_text import escape_text
from app.lib.time import now_utc
from app.registration.participants import (
    Participant,
    group_participants,
    require_trainer,
)

# Checklist page


# Not frozen: a frozen dataclass sets each field through object.__setattr__, seven times slower to make, and a
# page makes thousands of these per request. Nothing changes one after it is made.
@dataclass(slots=True)
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
    people = people_of(session, cohort)
    records = attendance_map(session, cohort)
    attended = attended_counts(records)
    session_id = cohort_session.id

    def row_for(person: Person) -> ChecklistRow:
        return ChecklistRow(
            person, records.get((session_id, person.membership_id)), attended.get(person.membership_id, 0)
        )

    sections = _sections(session, cohort, cohort_session, people, row_for)
    sources = Counter(row.record.source for section in sections for row in section.rows if row.record is not None)
    statuses = statuses_of_people(session, cohort, people, attended)
    return AttendancePage(
        cohort=cohort,
        cohort_session=cohort_session,
        sections=sections,
        sessions=session_counts(cohort, {p.membership_id for p in people}, records, at),
        completion=CompletionPreview.of(session, cohort, statuses, at),
        usual_source=sources.most_common(1)[0][0] if sources else None,
    )


def _source_words() -> dict[AttendanceSource, str]:
    """How a recording was made, as the checklist says it (the words of the `source_label` macro)."""
    return {
        AttendanceSource.CHECKLIST: _("trainer's checklist"),
        AttendanceSource.IMPORT: _("report import"),
        AttendanceSource.COORDINATOR: _("coordinator"),
    }


@dataclass(frozen=True, slots=True)
class ChecklistWords:
    """A checklist's repeated words, translated once for every table of a page. Translations are written as they
    are, unescaped, as Jinja writes `_()` (they are the house's own text); only people's values are escaped."""

    head: str  # the header row, before the "Group" column
    group_head: str
    tail_head: str
    no_account: str
    recorded: dict[tuple[AttendanceSource, bool], str]  # (source, present) -> the Recorded cell

    @classmethod
    def of(cls, usual: AttendanceSource | None) -> ChecklistWords:
        present, absent = _("present"), _("absent")
        recorded = {}
        for source, label in _source_words().items():
            suffix = "" if source == usual else f" ({label})"
            recorded[source, True] = f'<td class="present">{present}{suffix}'
            recorded[source, False] = f'<td class="absent">{absent}{suffix}'
        # Translated outside f-strings, where pybabel would not find them.
        participant, group, recorded_head = _("Present · participant"), _("Group"), _("Recorded")
        attended, no_account = _("Sessions attended"), _("(no account)")
        return cls(
            head=f'<div class="table-scroll"><table class="times attendance-table"><thead><tr><th>{participant}',
            group_head=f"<th>{group}",
            tail_head=f"<th>{recorded_head}<th>{attended}</thead>\n",
            no_account=f" {no_account}",
            recorded=recorded,
        )


def checklist_html(
    rows: list[ChecklistRow],
    field_name: str,
    ticked: set[int],
    usual: AttendanceSource | None = None,
    *,
    show_group: bool = False,
    words: ChecklistWords | None = None,
) -> Markup:
    """A checklist's table, exactly as the `checklist` macro of attendance/_macros.html writes it (a test holds the
    two together), every value escaped: a checkbox per person, ticked if their membership id is in `ticked`, with
    what is recorded at the session (naming how only when it is not the `usual` way) and the sessions attended.

    Written here in one pass with its words translated once (`words`, made for `usual`, shared by a page's
    tables): the trainer's page has a row for each of thousands of participants, and a Jinja macro per row cost
    that page most of its time."""
    words = words or ChecklistWords.of(usual)
    recorded, no_account = words.recorded, words.no_account
    name = escape_text(field_name)
    parts = [words.head, words.group_head if show_group else "", words.tail_head]
    for row in rows:
        person, record = row.person, row.record
        membership_id = person.membership_id
        checked = " checked" if membership_id in ticked else ""
        account = no_account if person.email is None else ""
        group = f"<td>{escape_text(person.group_name)}" if show_group else ""
        state = "<td>—" if record is None else recorded[record.source, bool(record.present)]
        parts.append(
            f'<tr><td><label><input type="checkbox" name="{name}" value="{membership_id}"{checked}> '
            f"{escape_text(person.name)}</label>{account}{group}{state}<td>{row.attended}\n"
        )
    parts.append("</table></div>")
    return Markup("".join(parts))


def checklist_tables(page: AttendancePage, field_name: str, ticked: set[int]) -> list[Markup]:
    """The trainer's page's checklist tables, one per section (room, group or "Not in a room"), in order."""
    words = ChecklistWords.of(page.usual_source)
    return [
        checklist_html(section.rows, field_name, ticked, show_group=section.is_room, words=words)
        for section in page.sections
    ]


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
    check_session_of(cohort, cohort_session)
    require_started(cohort_session, at)
    ticked = set(present_ids)
    wanted = {mid: mid in ticked for mid in participant_ids(session, cohort)}
    return record_attendance(
        session, cohort_session, changed_marks(session, cohort_session, wanted), AttendanceSource.CHECKLIST, trainer
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
    records = attendance_map(session, cohort)
    attended = attended_counts(records)
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
        sessions=session_counts(cohort, {p.membership.id for p in participants}, records, at),
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
    check_session_of(cohort, cohort_session)
    require_started(cohort_session, at)
    ticked = set(present_ids)
    roster_only = {p.membership.id for p in participants if p.user is None}
    if ticked - roster_only:
        raise DomainError(_("Record only your group's members without an account here."), field="present")
    wanted = {membership_id: membership_id in ticked for membership_id in roster_only}
    return record_attendance(
        session,
        cohort_session,
        changed_marks(session, cohort_session, wanted),
        AttendanceSource.COORDINATOR,
        coordinator,
    )
