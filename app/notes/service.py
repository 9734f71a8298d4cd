"""Shared breakout notes: who may read and write a room's notes, versioned saves and history (roles: notes/roles.py;
the report-back board: notes/report_back.py).

A room's notes for a session are one row (`BreakoutNote`) whose `version` is the number of its latest revision.
A save names the version it was based on and is applied by one conditional UPDATE, so of two people saving at
once exactly one wins and the other is shown both texts (`NoteConflict`); nothing typed is ever lost. Every
accepted save appends a `NoteRevision`.

Readers: the room's members, the cohort's trainers and admins, and, once the room marked its notes "shared with the
plenary", every participant of the cohort (read-only). Writers: the room's members only. The history is for the
room's members and the trainers: sharing shares the current notes, not every draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from app.accounts.models import User
from app.breakouts import events as room_events
from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember
from app.breakouts.service import (
    current_plan,
    get_cohort_session,
    is_room_member,
    room_participants,
)
from app.cohorts.models import Cohort, CohortSession
from app.cohorts.service import visible_cohort
from app.courses.models import Course, CourseSession
from app.groups.models import GroupMembership
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.markdown import render_markdown
from app.lib.time import now_utc
from app.notes.models import BreakoutNote, NoteRevision
from app.registration.participants import can_teach, participation

MAX_BODY_CHARS = 100_000


class NoteConflict(DomainError):
    """A save based on an old version: someone else saved first. Carries the current text to merge with."""

    status_code = 409

    def __init__(self, note: BreakoutNote):
        super().__init__(
            _(
                "Someone saved these notes while you were writing. Your text is kept: compare it with the current "
                "notes, merge the two, and save again."
            ),
            field="body",
        )
        self.current_body = note.body
        self.current_version = note.version
        self.current_html = render_note(note.body)


@dataclass(frozen=True)
class NotePage:
    """Everything a note page needs, loaded and checked once."""

    cohort: Cohort
    cohort_session: CohortSession
    room: BreakoutRoom
    note: BreakoutNote | None  # None only for readers of a room that has not written anything yet
    position: int  # the session's number in the cohort, from 1
    can_write: bool
    can_see_history: bool
    can_teach: bool = False
    created: bool = False  # the note row was created by this opening (the caller commits it)
    members: list[GroupMembership] = field(default_factory=list)  # those who still take part, in room order


# Rendering -----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def render_note(body: str) -> Markup:
    """The note's sanitized HTML (render_markdown: allow-list, no script, no images). Cached: the board asks often."""
    return render_markdown(body)


def check_body(body: str | None) -> str:
    """The text as it will be stored (line endings made uniform), or a DomainError saying what is wrong with it."""
    if body is not None and not isinstance(body, str):
        raise DomainError(_("The notes must be text."), field="body")
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise DomainError(
            _("The notes contain a NUL character, which cannot be saved. Remove it and try again."), field="body"
        )
    if len(text) > MAX_BODY_CHARS:
        raise DomainError(
            ngettext(
                "The notes are too long: %(length)s character, and at most %(limit)s fit. Shorten them and try again.",
                "The notes are too long: %(length)s characters, and at most %(limit)s fit. Shorten them and try again.",
                len(text),
                length=format_number(len(text)),
                limit=format_number(MAX_BODY_CHARS),
            ),
            field="body",
        )
    return text


def preview(body: str | None) -> Markup:
    """What the text will look like once saved. Nothing is stored, nor cached: drafts would push out the board's
    notes from render_note's cache (and fill it with up to 512 texts of 100,000 characters)."""
    return render_markdown(check_body(body))


def note_template(cohort_session: CohortSession) -> str:
    """The Markdown a new note starts from: the session's breakout prompts and its readings' discussion questions."""
    course_session: CourseSession | None = cohort_session.course_session
    lines = []
    prompts = list(course_session.breakout_prompts or []) if course_session else []
    if prompts:
        lines += [f"## {_('Breakout prompts')}", ""]
        for prompt in prompts:
            lines += [f"- {prompt}", "", ""]
    for reading in course_session.readings if course_session else []:
        if reading.discussion_questions:
            lines += [f"## {_('Discussion questions: %(title)s', title=reading.title)}", ""]
            for question in reading.discussion_questions:
                lines += [f"- {question}", "", ""]
    lines += [f"## {_('Report-back to the plenary')}", "", "- ", ""]
    return "\n".join(lines)


# Access --------------------------------------------------------------------------------------------------------


def require_writer(session: so.Session, user: User, room: BreakoutRoom) -> None:
    if not is_room_member(session, room, user):
        raise Forbidden(_("Only the room's members can change its notes."))


# The room with its plan and its members (of each, what the access rules and the page read: whose account, still
# active, the name; not their whole accounts), and the room's note for the session when it has one. Built once:
# assembling the options costs more than running the query.
_ROOM_AND_NOTE = (
    sa.select(BreakoutRoom, BreakoutNote)
    .outerjoin(
        BreakoutNote,
        sa.and_(
            BreakoutNote.room_id == BreakoutRoom.id,
            BreakoutNote.cohort_session_id == sa.bindparam("cohort_session_id"),
        ),
    )
    .where(BreakoutRoom.id == sa.bindparam("room_id"))
    .options(
        so.joinedload(BreakoutRoom.plan),
        so.selectinload(BreakoutRoom.members)
        .joinedload(RoomMember.membership)
        .load_only(
            GroupMembership.id,
            GroupMembership.group_id,
            GroupMembership.user_id,
            GroupMembership.display_name,
            GroupMembership.status,
        )
        .joinedload(GroupMembership.user)
        .load_only(User.id, User.name),
    )
)

# The cohort with its sessions, its trainers and its course's title (what the note page and the board head with).
_COHORT_WITH_SESSIONS = (
    sa.select(Cohort)
    .where(Cohort.id == sa.bindparam("cohort_id"))
    .options(
        so.joinedload(Cohort.course).load_only(Course.id, Course.slug, Course.title),
        so.joinedload(Cohort.trainers).load_only(User.id, User.name),  # who may teach: read on every opening
        so.selectinload(Cohort.sessions),
    )
)


def _load_room_and_note(
    session: so.Session, room_id: int, cohort_session_id: int
) -> tuple[BreakoutRoom | None, BreakoutNote | None]:
    """The room (None for an unknown id) and its note for the session (None before the first opening)."""
    row = session.execute(_ROOM_AND_NOTE, {"room_id": room_id, "cohort_session_id": cohort_session_id}).first()
    return (row[0], row[1]) if row is not None else (None, None)


def load_cohort(session: so.Session, user: User, cohort_id: int) -> Cohort:
    """The cohort with its sessions and course title; NotFound for an unknown id or a draft hidden from the user."""
    return visible_cohort(session, user, cohort_id, _COHORT_WITH_SESSIONS)


def find_note(session: so.Session, room_id: int, cohort_session_id: int) -> BreakoutNote | None:
    return session.scalar(
        sa.select(BreakoutNote).where(
            BreakoutNote.room_id == room_id, BreakoutNote.cohort_session_id == cohort_session_id
        )
    )


def _create_note(session: so.Session, room: BreakoutRoom, cohort_session: CohortSession) -> BreakoutNote:
    """Insert the room's empty note for the session; if someone else just did, use theirs (unique constraint)."""
    try:
        with session.begin_nested():
            note = BreakoutNote(room=room, cohort_session=cohort_session, body="", version=0)
            session.add(note)
    except sa.exc.IntegrityError:
        note = find_note(session, room.id, cohort_session.id)
        if note is None:
            raise
    return note


def session_position(cohort: Cohort, cohort_session: CohortSession) -> int:
    """The session's number in the cohort (1 for the first), in time order."""
    return next((i for i, s in enumerate(cohort.sessions, start=1) if s.id == cohort_session.id), 1)


def open_note(session: so.Session, user: User, cohort_id: int, session_id: int, room_id: int) -> NotePage:
    """Check that the room and session belong to the cohort (NotFound) and that the user may read (Forbidden).

    The note row is created the first time a member opens it (its text stays empty, version 0, with no revision
    until someone saves). A room not in force for the session (its plan was replaced, or the session has its own
    rooms) is only reachable while it holds notes for it.
    """
    cohort = load_cohort(session, user, cohort_id)
    cohort_session = get_cohort_session(session, cohort, session_id)
    room, note = _load_room_and_note(session, room_id, cohort_session.id)
    plan: BreakoutPlan | None = room.plan if room else None
    if room is None or plan.cohort_id != cohort.id or plan.cohort_session_id not in (None, cohort_session.id):
        raise NotFound(_("This cohort has no such breakout room for this session."))
    if note is None and current_plan(session, cohort, cohort_session) is not plan:
        # A room not in force for the session (its plan was replaced, or the session has its own rooms) is only
        # reachable for notes it already holds.
        raise NotFound(_("This cohort has no such breakout room for this session."))
    members = room_participants(session, room)
    member = user.is_authenticated and any(m.user_id == user.id for m in members)
    teacher = can_teach(user, cohort)
    if not member and not teacher:
        shared = note is not None and note.shared_with_plenary
        if not shared or participation(session, user, cohort) is None:
            raise Forbidden(_("These notes are for the room's members until they share them with the plenary."))
    created = note is None and member
    if created:
        note = _create_note(session, room, cohort_session)
        session.flush()
    return NotePage(
        cohort=cohort,
        cohort_session=cohort_session,
        room=room,
        note=note,
        position=session_position(cohort, cohort_session),
        can_write=member,
        can_see_history=member or teacher,
        can_teach=teacher,
        created=created,
        members=members,
    )


def require_history(page: NotePage) -> BreakoutNote:
    """The note whose history the page's user may see (members and trainers), else Forbidden / NotFound."""
    if not page.can_see_history:
        raise Forbidden(_("The history of these notes is for the room's members and the trainers."))
    if page.note is None:
        raise NotFound(_("Nothing has been written in this room yet."))
    return page.note


# Saving --------------------------------------------------------------------------------------------------------


def _apply(
    session: so.Session, user: User, note: BreakoutNote, text: str, base_version: int, restored_from: int | None
) -> NoteRevision:
    now = now_utc()
    result = session.execute(
        sa.update(BreakoutNote)
        .where(BreakoutNote.id == note.id, BreakoutNote.version == base_version)
        .values(body=text, version=BreakoutNote.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(note)
        raise NoteConflict(note)
    session.refresh(note)
    revision = NoteRevision(
        note_id=note.id,
        number=note.version,
        body=text,
        author_id=user.id,
        created_at=now,
        restored_from=restored_from,
    )
    session.add(revision)
    session.flush()
    return revision


def save_note(
    session: so.Session, user: User, note: BreakoutNote, body: str | None, base_version: int
) -> NoteRevision | None:
    """Save the text as the next revision if `base_version` is still the latest; else raise NoteConflict.

    Two saves based on the same version can never both apply: the version check and the write are one conditional
    UPDATE. Returns the new revision, or None when the text is the same as the current one (nothing to record).
    Raises Forbidden for anyone but the room's members and DomainError for text that cannot be stored.
    """
    require_writer(session, user, note.room)
    text = check_body(body)
    if base_version == note.version and text == note.body and note.version > 0:
        return None
    return _apply(session, user, note, text, base_version, restored_from=None)


def note_history(session: so.Session, note: BreakoutNote) -> list[NoteRevision]:
    """Every revision, newest first, with its author loaded."""
    return list(
        session.scalars(
            sa.select(NoteRevision)
            .where(NoteRevision.note_id == note.id)
            .options(so.joinedload(NoteRevision.author))
            .order_by(NoteRevision.number.desc())
        )
    )


def get_revision(session: so.Session, note: BreakoutNote, number: int) -> NoteRevision:
    revision = session.scalar(
        sa.select(NoteRevision)
        .where(NoteRevision.note_id == note.id, NoteRevision.number == number)
        .options(so.joinedload(NoteRevision.author))
    )
    if revision is None:
        raise NotFound(_("These notes have no revision %(number)s.", number=number))
    return revision


def restore_revision(
    session: so.Session, user: User, note: BreakoutNote, number: int, base_version: int
) -> NoteRevision:
    """Put an earlier revision's text back, as a new revision (restored_from = number). Members only.

    Like a save, it is refused with NoteConflict if someone saved after the page was opened.
    """
    require_writer(session, user, note.room)
    revision = get_revision(session, note, number)
    return _apply(session, user, note, revision.body, base_version, restored_from=revision.number)


def set_shared(session: so.Session, user: User, note: BreakoutNote, shared: bool) -> None:
    """Share the room's notes with the plenary (every participant may read them, the board shows them), or stop."""
    require_writer(session, user, note.room)
    note.shared_with_plenary = shared
    session.flush()


# Breakouts ask before deleting rooms; a room with notes is kept (see app/breakouts/events.py).
room_events.room_records.connect(
    lambda _sender, room_id: sa.select(BreakoutNote.id).where(BreakoutNote.room_id == room_id).exists(), weak=False
)
