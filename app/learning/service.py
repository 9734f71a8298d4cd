"""A participant's home page, reading progress and personal commitments.

Commitments are private: every function that returns a commitment's text loads it by the acting user's own id;
coordinators get counts for their group (no names, no texts) and trainers get nothing.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from app.accounts.models import User
from app.breakouts import service as breakouts
from app.breakouts.models import BreakoutRoom, RoomMember
from app.cohorts.models import Cohort, CohortSession, CohortStatus
from app.courses.models import Course, CourseSession, Reading, session_readings
from app.groups.models import Group, GroupMembership, MembershipRole
from app.learning.models import Commitment, CommitmentStatus, ReadingProgress
from app.lib.markdown import render_markdown
from app.lib.time import now_utc
from app.registration import participants
from app.registration.models import Completion, Registration, RosterEntry
from app.registration.participants import (
    Participant,
    participant_membership_ids,
)

# A cohort stays on its participants' home page this long after its last session, so they can look back at it.
SHOWN_AFTER_LAST_SESSION = timedelta(days=7)


# Time in words -------------------------------------------------------------------------------------------------


def duration_words(remaining: timedelta) -> str:
    """'2 days, 3 hours', '5 hours, 10 minutes', '12 minutes': the two largest units, in the viewer's language."""
    minutes_total = max(int(remaining.total_seconds() // 60), 0)
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def unit(n: int, kind: str) -> str:
        if kind == "day":
            return ngettext("%(num)d day", "%(num)d days", n)
        if kind == "hour":
            return ngettext("%(num)d hour", "%(num)d hours", n)
        return ngettext("%(num)d minute", "%(num)d minutes", n)

    if days:
        larger, smaller = unit(days, "day"), (unit(hours, "hour") if hours else None)
    elif hours:
        larger, smaller = unit(hours, "hour"), (unit(minutes, "minute") if minutes else None)
    else:
        larger, smaller = unit(max(minutes, 1), "minute"), None
    return _("%(larger)s, %(smaller)s", larger=larger, smaller=smaller) if smaller else larger


def countdown(starts_at: datetime, at: datetime) -> str:
    """'Starts in 2 days, 3 hours.' (the same words the page's script keeps up to date)."""
    return _("Starts in %(time)s.", time=duration_words(starts_at - at))


# The participant's home ----------------------------------------------------------------------------------------


@dataclass
class ReadingItem:
    reading: Reading
    read: bool


@dataclass
class CommitmentItem:
    """One of the owner's own commitments, with its text rendered (only ever built for its owner)."""

    commitment: Commitment
    html: Markup
    due: bool  # made at a session before the latest one: time to check in


@dataclass
class CohortHome:
    cohort: Cohort
    participant: Participant
    session: CohortSession | None  # the session in progress, else the next one; None when all have taken place
    number: int  # the session's number in the cohort, from 1
    in_progress: bool
    countdown: str
    video_url: str | None  # only inside the window around the session
    video_opens_at: datetime | None
    readings: list[ReadingItem]
    room: BreakoutRoom | None
    room_members: list[RoomMember]
    room_url: str | None
    latest_started: CohortSession | None  # commitments are recorded for this session
    commitments: list[CommitmentItem]  # open ones, to check in on
    recent: list[CommitmentItem]  # already checked in on
    coordinates_group: bool

    @property
    def readings_read(self) -> int:
        return sum(item.read for item in self.readings)


@dataclass
class Home:
    cohorts: list[CohortHome] = field(default_factory=list)
    certificates: list[Completion] = field(default_factory=list)  # completions earned in a cohort, newest first


def cohort_page_options():
    """Everything of a cohort's course (every reading with its text): the trainers' reading statistics need it."""
    return (
        so.selectinload(Cohort.sessions)
        .selectinload(CohortSession.course_session)
        .selectinload(CourseSession.readings),
        so.selectinload(Cohort.course).selectinload(Course.readings),
    )


# What a list of readings shows (title, link, length), not their text.
_READING_LISTED = (Reading.id, Reading.course_id, Reading.slug, Reading.title, Reading.estimated_minutes,
                   Reading.is_pre_meeting)  # fmt: skip


# The user's places in cohorts not finished, with what the home page shows of each: the registration, its group
# and cohort, the course's title, and the cohort's sessions. Built once per participation rule (the options are
# costly to assemble on every request); the user's id is bound when it runs.
@functools.cache
def _home_places_query(*rule: Callable[[], sa.ColumnElement[bool]]) -> sa.Select:
    return (
        participants.roster(RosterEntry)
        .join(Cohort, Registration.cohort_id == Cohort.id)
        .join(Group, Registration.group_id == Group.id)
        .join(Course, Cohort.course_id == Course.id)
        .where(
            GroupMembership.user_id == sa.bindparam("user_id"),
            participants.takes_part(),
            Cohort.status.not_in([CohortStatus.COMPLETED, CohortStatus.CANCELLED]),
        )
        .options(
            so.contains_eager(RosterEntry.membership),
            so.contains_eager(RosterEntry.registration).options(
                so.contains_eager(Registration.group),
                so.contains_eager(Registration.cohort).options(
                    so.contains_eager(Cohort.course).load_only(Course.id, Course.slug, Course.title),
                    so.selectinload(Cohort.sessions),
                ),
            ),
        )
        .order_by(Registration.cohort_id, RosterEntry.id)
    )


def _my_roster_entries(session: so.Session, user: User) -> list[RosterEntry]:
    """One query for the places and one for their cohorts' sessions, whatever the cohorts' sizes."""
    return list(
        session.scalars(_home_places_query(participants.takes_part, participants.on_roster), {"user_id": user.id})
    )


def _readings_due_now(
    session: so.Session, current: dict[int, tuple[Cohort, CohortSession]]
) -> dict[int, list[Reading]]:
    """For each cohort (by id) and its current session, the readings due as readings_due gives them (the
    session's readings; before session 1 the course's pre-meeting reading first), titles and links only: one
    query for all, rather than every session's readings and every reading of the course with its text."""
    listed_in = session_readings.c.course_session_id
    course_sessions = {s.course_session_id for _c, s in current.values() if s.course_session_id is not None}
    first_session_courses = {c.course_id for c, s in current.values() if c.sessions[0].id == s.id}
    if not course_sessions and not first_session_courses:
        return {cohort_id: [] for cohort_id in current}
    rows = session.execute(
        sa.select(listed_in, Reading)
        .select_from(Reading)
        .outerjoin(
            session_readings, sa.and_(session_readings.c.reading_id == Reading.id, listed_in.in_(course_sessions))
        )
        .where(
            sa.or_(
                listed_in.is_not(None),
                sa.and_(Reading.course_id.in_(first_session_courses), Reading.is_pre_meeting.is_(True)),
            )
        )
        .options(so.load_only(*_READING_LISTED))
        .order_by(Reading.id)  # the order of CourseSession.readings
    )
    by_session: dict[int, list[Reading]] = defaultdict(list)
    pre_meeting: dict[int, Reading] = {}
    for course_session_id, reading in rows:
        if course_session_id is not None:
            by_session[course_session_id].append(reading)
        if reading.is_pre_meeting:
            pre_meeting.setdefault(reading.course_id, reading)  # Course.pre_meeting_reading: the first
    due = {}
    for cohort_id, (cohort, cohort_session) in current.items():
        readings = list(by_session.get(cohort_session.course_session_id, ()))
        if cohort.sessions[0].id == cohort_session.id:
            first = pre_meeting.get(cohort.course_id)
            if first is not None and first not in readings:
                readings.insert(0, first)
        due[cohort_id] = readings
    return due


def session_state(cohort: Cohort, at: datetime) -> tuple[CohortSession | None, bool]:
    """The session in progress at `at` (and True), else the next one to start (and False); None after the last."""
    for cohort_session in cohort.sessions:
        if cohort_session.starts_at <= at < cohort_session.ends_at:
            return cohort_session, True
        if at < cohort_session.starts_at:
            return cohort_session, False
    return None, False


def latest_started_session(cohort: Cohort, at: datetime) -> CohortSession | None:
    started = [s for s in cohort.sessions if s.starts_at <= at]
    return started[-1] if started else None


def readings_due(cohort: Cohort, cohort_session: CohortSession) -> list[Reading]:
    """The session's course readings; before session 1 also the pre-meeting reading, which groups discuss first."""
    readings = list(cohort_session.course_session.readings) if cohort_session.course_session else []
    if cohort.sessions and cohort.sessions[0].id == cohort_session.id:
        pre_meeting = cohort.course.pre_meeting_reading
        if pre_meeting is not None and pre_meeting not in readings:
            readings.insert(0, pre_meeting)
    return readings


def video_opens_minutes() -> int:
    return int(current_app.config.get("VIDEO_LINK_OPENS_MINUTES", 30))


def video_link_window(cohort_session: CohortSession) -> tuple[datetime, datetime]:
    """Confirmed participants see the cohort's video link from VIDEO_LINK_OPENS_MINUTES before the session
    starts until it ends."""
    opens = cohort_session.starts_at - timedelta(minutes=video_opens_minutes())
    return opens, cohort_session.ends_at


def _web_link(url: str | None) -> str | None:
    """Only http(s) links are shown as links (never javascript: or data:)."""
    return url if url and url.strip().lower().startswith(("https://", "http://")) else None


def _room_members(session: so.Session, room: BreakoutRoom, cohort: Cohort) -> list[RoomMember]:
    """The room's members who still take part in the cohort (participation's rule, as breakouts.room_participants)."""
    return list(
        session.scalars(
            sa.select(RoomMember)
            .where(RoomMember.room_id == room.id, RoomMember.membership_id.in_(participant_membership_ids(cohort.id)))
            .options(
                so.joinedload(RoomMember.membership)
                .load_only(GroupMembership.id, GroupMembership.user_id, GroupMembership.display_name)
                .joinedload(GroupMembership.user)
                .load_only(User.id, User.name)
            )
            .order_by(RoomMember.position, RoomMember.id)
        )
    )


@lru_cache(maxsize=1024)
def _render_commitment(text: str) -> Markup:
    """A commitment's sanitized HTML. Cached by text alone (at most COMMITMENT_MAX_LENGTH characters each): the
    HTML says nothing the text does not, and it is only ever handed to the owner, who loaded the text."""
    return render_markdown(text)


def _commitment_item(commitment: Commitment, latest: CohortSession | None) -> CommitmentItem:
    due = latest is not None and commitment.cohort_session.starts_at < latest.starts_at
    return CommitmentItem(commitment, _render_commitment(commitment.text), due)


def participant_home(session: so.Session, user: User, at: datetime | None = None) -> Home:
    """What a person needs between and during sessions, for each cohort they take part in that is not finished:
    the session in progress or the next one, the video link near it, the readings due and which they read, their
    breakout room, and their own commitments. Loaded in a constant number of queries per cohort, whatever its size.
    Cohorts without a confirmed place for the person are not shown (an empty Home for everyone else)."""
    at = at or now_utc()
    if not user.is_authenticated:
        return Home()
    certificates = list(
        session.scalars(
            sa.select(Completion)
            .where(Completion.user_id == user.id, Completion.cohort_id.is_not(None))
            .options(so.selectinload(Completion.course), so.selectinload(Completion.cohort))
            .order_by(Completion.completed_at.desc())
        )
    )
    places: dict[int, RosterEntry] = {}
    for entry in _my_roster_entries(session, user):
        cohort = entry.registration.cohort
        if cohort.sessions and cohort.sessions[-1].ends_at + SHOWN_AFTER_LAST_SESSION > at:
            places.setdefault(cohort.id, entry)
    if not places:
        return Home(certificates=certificates)
    current_sessions = {}
    for cohort_id, entry in places.items():
        cohort = entry.registration.cohort
        current, in_progress = session_state(cohort, at)
        if current is not None:
            current_sessions[cohort_id] = (cohort, current)
    due_now = _readings_due_now(session, current_sessions) if current_sessions else {}
    read = {
        (cohort_id, reading_id)
        for cohort_id, reading_id in session.execute(
            sa.select(ReadingProgress.cohort_id, ReadingProgress.reading_id).where(
                ReadingProgress.user_id == user.id, ReadingProgress.cohort_id.in_(places)
            )
        )
    }
    commitments: dict[int, list[Commitment]] = defaultdict(list)
    for commitment in session.scalars(
        sa.select(Commitment)
        .where(Commitment.user_id == user.id, Commitment.cohort_id.in_(places))
        .order_by(Commitment.created_at, Commitment.id)
    ):
        commitments[commitment.cohort_id].append(commitment)

    homes = []
    for cohort_id, entry in places.items():
        cohort = entry.registration.cohort
        participant = Participant(entry.membership, entry.registration)
        current, in_progress = session_state(cohort, at)
        latest = latest_started_session(cohort, at)
        video_url = opens = None
        readings: list[ReadingItem] = []
        room, members, room_url = None, [], None
        if current is not None:
            opens, closes = video_link_window(current)
            if opens <= at < closes:
                video_url = _web_link(cohort.video_url)
            readings = [ReadingItem(r, (cohort_id, r.id) in read) for r in due_now[cohort_id]]
            room = breakouts.room_of(session, cohort, current, entry.membership.id)
            if room is not None:
                members = _room_members(session, room, cohort)
                room_url = _web_link(breakouts.meeting_url(room, cohort_id=cohort.id))
        mine = [_commitment_item(c, latest) for c in commitments[cohort_id]]
        homes.append(
            CohortHome(
                cohort=cohort,
                participant=participant,
                session=current,
                number=cohort.sessions.index(current) + 1 if current is not None else 0,
                in_progress=in_progress,
                countdown=countdown(current.starts_at, at) if current is not None and not in_progress else "",
                video_url=video_url,
                video_opens_at=opens,
                readings=readings,
                room=room,
                room_members=members,
                room_url=room_url,
                latest_started=latest,
                commitments=[item for item in mine if item.commitment.status == CommitmentStatus.OPEN],
                recent=[item for item in mine if item.commitment.status != CommitmentStatus.OPEN],
                # The entry's membership is the user's own (one per group), active: no need to load the group's.
                coordinates_group=entry.membership.role == MembershipRole.COORDINATOR,
            )
        )
    far_future = at + timedelta(days=100_000)
    homes.sort(key=lambda h: (h.session.starts_at if h.session else far_future, h.cohort.id))
    return Home(homes, certificates)
