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
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from app.accounts.models import User
from app.breakouts import service as breakouts
from app.breakouts.service import RoomMemberView, RoomView
from app.cohorts.models import Cohort, CohortSession, CohortStatus
from app.cohorts.snapshot import CohortSnapshot, ReadingView, SessionView, cohort_snapshots
from app.courses.models import Course, CourseSession, Reading
from app.courses.translations import translated_titles
from app.groups.models import Group, GroupMembership, MembershipRole
from app.learning.models import Commitment, CommitmentStatus, ReadingProgress
from app.lib.database import read_rows
from app.lib.markdown import render_markdown
from app.lib.time import now_utc
from app.registration import participants
from app.registration.models import Completion, Registration, RosterEntry

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


@dataclass(frozen=True, slots=True)
class ReadingItem:
    reading: ReadingView
    read: bool


@dataclass(frozen=True, slots=True)
class CommitmentItem:
    """One of the owner's own commitments, with its text rendered (only ever built for its owner)."""

    commitment: Commitment
    session: SessionView  # the session it was made at
    html: Markup
    due: bool  # made at a session before the latest one: time to check in


@dataclass(frozen=True, slots=True)
class Place:
    """The person's own place in a cohort: their membership and the group it is in."""

    membership_id: int
    group_id: int
    group_name: str
    coordinates_group: bool


@dataclass
class CohortHome:
    cohort: CohortSnapshot  # shared by every participant of the cohort (nothing personal in it)
    place: Place
    session: SessionView | None  # the session in progress, else the next one; None when all have taken place
    in_progress: bool
    countdown: str
    video_url: str | None  # only inside the window around the session
    video_opens_at: datetime | None
    readings: list[ReadingItem]
    room: RoomView | None
    room_url: str | None
    latest_started: SessionView | None  # commitments are recorded for this session
    commitments: list[CommitmentItem]  # open ones, to check in on
    recent: list[CommitmentItem]  # already checked in on

    @property
    def number(self) -> int:
        """The session's number in the cohort, from 1 (0 when all have taken place)."""
        return self.session.number if self.session is not None else 0

    @property
    def readings_read(self) -> int:
        return sum(item.read for item in self.readings)

    @property
    def room_members(self) -> list[RoomMemberView]:
        return list(self.room.members) if self.room is not None else []

    @property
    def coordinates_group(self) -> bool:
        return self.place.coordinates_group


@dataclass(frozen=True, slots=True)
class Certificate:
    cohort_id: int
    course_title: str
    cohort_label: str
    completed_at: datetime


@dataclass
class Home:
    cohorts: list[CohortHome] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)  # completions earned in a cohort, newest first


def cohort_page_options():
    """Everything of a cohort's course (every reading with its text): the trainers' reading statistics need it."""
    return (
        so.selectinload(Cohort.sessions)
        .selectinload(CohortSession.course_session)
        .selectinload(CourseSession.readings),
        so.selectinload(Cohort.course).selectinload(Course.readings),
    )


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


def video_link_window(cohort_session: CohortSession | SessionView) -> tuple[datetime, datetime]:
    """Confirmed participants see the cohort's video link from VIDEO_LINK_OPENS_MINUTES before the session
    starts until it ends."""
    opens = cohort_session.starts_at - timedelta(minutes=video_opens_minutes())
    return opens, cohort_session.ends_at


def _web_link(url: str | None) -> str | None:
    """Only http(s) links are shown as links (never javascript: or data:)."""
    return url if url and url.strip().lower().startswith(("https://", "http://")) else None


@lru_cache(maxsize=1024)
def _render_commitment(text: str) -> Markup:
    """A commitment's sanitized HTML. Cached by text alone (at most COMMITMENT_MAX_LENGTH characters each): the
    HTML says nothing the text does not, and it is only ever handed to the owner, who loaded the text."""
    return render_markdown(text)


# The person's own rows, each in one query whatever the cohorts' sizes; the statements are built once (per
# participation rule, which tests change) and the person's id bound when they run.


@functools.cache
def _places_query(*rule: Callable[[], sa.ColumnElement[bool]]) -> sa.Select:
    return (
        participants.roster(
            Registration.cohort_id,
            RosterEntry.membership_id,
            Group.id.label("group_id"),
            Group.name.label("group_name"),
            GroupMembership.role,
        )  # fmt: skip
        .join(Cohort, Registration.cohort_id == Cohort.id)
        .join(Group, Registration.group_id == Group.id)
        .where(
            GroupMembership.user_id == sa.bindparam("user_id"),
            participants.takes_part(),
            Cohort.status.not_in([CohortStatus.COMPLETED, CohortStatus.CANCELLED]),
        )
        .order_by(Registration.cohort_id, RosterEntry.id)
    )


def _my_places(session: so.Session, user: User) -> dict[int, Place]:
    """The person's place in each cohort they take part in that is not completed or cancelled, by cohort id."""
    places: dict[int, Place] = {}
    query = _places_query(participants.takes_part, participants.on_roster)
    for row in read_rows(session, query, {"user_id": user.id}):
        places.setdefault(
            row.cohort_id,
            Place(row.membership_id, row.group_id, row.group_name, row.role == MembershipRole.COORDINATOR),
        )
    return places


_USER = sa.bindparam("user_id")
_COHORTS = sa.bindparam("cohort_ids", expanding=True)


@functools.cache
def _certificates_query() -> sa.Select:
    return (
        sa.select(
            Completion.cohort_id,
            Course.id.label("course_id"),
            Course.title,
            Course.language,
            Cohort.label,
            Completion.completed_at,
        )  # fmt: skip
        .join(Cohort, Completion.cohort_id == Cohort.id)
        .join(Course, Completion.course_id == Course.id)
        .where(Completion.user_id == _USER)
        .order_by(Completion.completed_at.desc())
    )


@functools.cache
def _progress_query() -> sa.Select:
    return sa.select(ReadingProgress.cohort_id, ReadingProgress.reading_id).where(
        ReadingProgress.user_id == _USER, ReadingProgress.cohort_id.in_(_COHORTS)
    )


@functools.cache
def _commitments_query() -> sa.Select:
    return (
        sa.select(Commitment)
        .where(Commitment.user_id == _USER, Commitment.cohort_id.in_(_COHORTS))
        .order_by(Commitment.created_at, Commitment.id)
    )


def _certificates(session: so.Session, user: User, language: str) -> list[Certificate]:
    rows = read_rows(session, _certificates_query(), {"user_id": user.id}).all()
    elsewhere = {row.course_id for row in rows if row.language != language}
    titles = translated_titles(session, elsewhere, language) if elsewhere else {}
    return [
        Certificate(row.cohort_id, titles.get(row.course_id, row.title), row.label, row.completed_at) for row in rows
    ]


def _commitment_item(commitment: Commitment, made_at: SessionView, latest: SessionView | None) -> CommitmentItem:
    due = latest is not None and made_at.starts_at < latest.starts_at
    return CommitmentItem(commitment, made_at, _render_commitment(commitment.text), due)


def participant_home(
    session: so.Session, user: User, at: datetime | None = None, *, language: str | None = None
) -> Home:
    """What a person needs between and during sessions, for each cohort they take part in that is not finished:
    the session in progress or the next one, the video link near it, the readings due and which they read, their
    breakout room, and their own commitments, with the course's text in `language` (the page's, by default).

    What every participant of a cohort sees alike comes from the worker's cohort snapshots (no query while the
    content has not changed); what is the person's own is read for them: their places, certificates, reading
    progress, commitments and room. A constant number of queries, whatever the cohorts' sizes. Cohorts without a
    confirmed place for the person are not shown (an empty Home for everyone else)."""
    at = at or now_utc()
    if not user.is_authenticated:
        return Home()
    language = language or str(get_locale())
    certificates = _certificates(session, user, language)
    places = _my_places(session, user)
    if not places:
        return Home(certificates=certificates)
    snapshots = cohort_snapshots(session, places, language)
    shown = {
        cohort_id: snapshot
        for cohort_id, snapshot in snapshots.items()
        if snapshot.sessions and snapshot.sessions[-1].ends_at + SHOWN_AFTER_LAST_SESSION > at
    }
    if not shown:
        return Home(certificates=certificates)
    bound = {"user_id": user.id, "cohort_ids": list(shown)}
    read = {(row.cohort_id, row.reading_id) for row in read_rows(session, _progress_query(), bound)}
    commitments: dict[int, list[Commitment]] = defaultdict(list)
    for commitment in session.scalars(_commitments_query(), bound):
        commitments[commitment.cohort_id].append(commitment)

    homes = []
    for cohort_id, cohort in shown.items():
        place = places[cohort_id]
        current, in_progress = cohort.state(at)
        latest = cohort.latest_started(at)
        video_url = opens = None
        readings: list[ReadingItem] = []
        room = room_url = None
        if current is not None:
            opens, closes = video_link_window(current)
            if opens <= at < closes:
                video_url = _web_link(cohort.video_url)
            readings = [ReadingItem(r, (cohort_id, r.id) in read) for r in cohort.readings_due(current)]
            room = breakouts.my_room(session, cohort_id, current.id, place.membership_id)
            if room is not None:
                room_url = _web_link(breakouts.meeting_url(room, cohort_id=cohort_id))
        mine = [
            _commitment_item(c, made_at, latest)
            for c in commitments[cohort_id]
            if (made_at := cohort.session(c.cohort_session_id)) is not None
        ]
        homes.append(
            CohortHome(
                cohort=cohort,
                place=place,
                session=current,
                in_progress=in_progress,
                countdown=countdown(current.starts_at, at) if current is not None and not in_progress else "",
                video_url=video_url,
                video_opens_at=opens,
                readings=readings,
                room=room,
                room_url=room_url,
                latest_started=latest,
                commitments=[item for item in mine if item.commitment.status == CommitmentStatus.OPEN],
                recent=[item for item in mine if item.commitment.status != CommitmentStatus.OPEN],
            )
        )
    far_future = at + timedelta(days=100_000)
    homes.sort(key=lambda h: (h.session.starts_at if h.session else far_future, h.cohort.id))
    return Home(homes, certificates)
