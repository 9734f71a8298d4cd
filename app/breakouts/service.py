"""Breakout rooms: which room a participant is in for a session, and (below) generating and editing rooms."""

from __future__ import annotations

import functools
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from app.accounts.models import User
from app.breakouts import events
from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember, RoomStrategy
from app.breakouts.rooms import Person, assign_rooms, balanced_languages, parse_languages, region_of_timezone
from app.cohorts.models import Cohort, CohortSession
from app.groups.models import GroupMembership, MembershipRole
from app.lib.columns import MAX_INTEGER
from app.lib.database import read_rows
from app.lib.errors import DomainError, NotFound
from app.lib.languages import base_language
from app.lib.text import clean_name
from app.lib.time import now_utc
from app.registration import participants
from app.registration.models import RosterEntry
from app.registration.participants import (
    Participant,
    cohort_participants,
    participant_membership_ids,
    require_trainer,
    takes_part_in,
)


def is_participant(session: so.Session, cohort: Cohort, membership_id: int) -> bool:
    """Whether the membership is one of the cohort's participants (one query, whatever the cohort's size)."""
    found = session.scalar(
        participant_membership_ids(cohort.id).where(RosterEntry.membership_id == membership_id).limit(1)
    )
    return found is not None


def current_plan(
    session: so.Session, cohort: Cohort, cohort_session: CohortSession | None = None
) -> BreakoutPlan | None:
    """The plan in force for a session: its own override if the trainer made one, else the cohort's standing plan.
    With no session, the standing plan."""
    query = sa.select(BreakoutPlan).where(BreakoutPlan.cohort_id == cohort.id, BreakoutPlan.replaced_at.is_(None))
    if cohort_session is not None:
        override = session.scalar(query.where(BreakoutPlan.cohort_session_id == cohort_session.id))
        if override is not None:
            return override
    return session.scalar(query.where(BreakoutPlan.cohort_session_id.is_(None)))


def rooms_in_force(
    session: so.Session, cohort: Cohort, cohort_session: CohortSession | None = None
) -> list[BreakoutRoom]:
    """The rooms in force for a session, in order; [] before rooms are generated. Their members are not loaded: the
    trainer's page reads them as plain rows (`breakout_page`), the board shows none."""
    plan = current_plan(session, cohort, cohort_session)
    if plan is None:
        return []
    return list(
        session.scalars(sa.select(BreakoutRoom).where(BreakoutRoom.plan_id == plan.id).order_by(BreakoutRoom.position))
    )


def room_of(
    session: so.Session, cohort: Cohort, cohort_session: CohortSession | None, membership_id: int
) -> BreakoutRoom | None:
    """The room a participant (by group membership) is in for a session, or None."""
    plan = current_plan(session, cohort, cohort_session)
    if plan is None:
        return None
    return session.scalar(
        sa.select(BreakoutRoom)
        .join(RoomMember)
        .where(BreakoutRoom.plan_id == plan.id, RoomMember.membership_id == membership_id)
    )


# A participant's own room, for their home page: the room and who is in it, in one query.


@dataclass(frozen=True, slots=True)
class RoomMemberView:
    membership_id: int
    name: str


@dataclass(frozen=True, slots=True)
class RoomView:
    id: int
    position: int
    name: str
    members: tuple[RoomMemberView, ...]  # who still takes part, in room order (room_participants' rule)


def _plan_in_force(plans: type[BreakoutPlan], cohort_session_id) -> sa.ColumnElement[int]:
    """The id of the plan in force for the session (current_plan's rule) as a scalar subquery: the session's own
    override, else the cohort's standing plan."""
    live = sa.select(plans.id).where(plans.cohort_id == sa.bindparam("cohort_id"), plans.replaced_at.is_(None))
    return sa.func.coalesce(
        live.where(plans.cohort_session_id == cohort_session_id).limit(1).scalar_subquery(),
        live.where(plans.cohort_session_id.is_(None)).limit(1).scalar_subquery(),
    )


@functools.cache
def _my_room_query(*rule: Callable[[], sa.ColumnElement[bool]]) -> sa.Select:
    """Built once per participation rule (tests change the rule); the cohort, session and membership are bound."""
    mine, member = so.aliased(RoomMember), so.aliased(RoomMember)
    return (
        sa.select(
            BreakoutRoom.id,
            BreakoutRoom.position,
            BreakoutRoom.name,
            member.membership_id,
            GroupMembership.display_name,
            User.name.label("user_name"),
        )  # fmt: skip
        .join(mine, sa.and_(mine.room_id == BreakoutRoom.id, mine.membership_id == sa.bindparam("membership_id")))
        .join(member, member.room_id == BreakoutRoom.id)
        .join(GroupMembership, GroupMembership.id == member.membership_id)
        .outerjoin(User, User.id == GroupMembership.user_id)
        .where(
            BreakoutRoom.plan_id == _plan_in_force(BreakoutPlan, sa.bindparam("cohort_session_id")),
            takes_part_in(sa.bindparam("cohort_id"), member.membership_id),
        )
        .order_by(member.position, member.id)
    )


def my_room(session: so.Session, cohort_id: int, cohort_session_id: int, membership_id: int) -> RoomView | None:
    """The room a participant (by membership) is in for a session, with its members who take part; None before
    rooms are made, or when the participant is in none."""
    rows = read_rows(
        session,
        _my_room_query(participants.takes_part, participants.on_roster),
        {"cohort_id": cohort_id, "cohort_session_id": cohort_session_id, "membership_id": membership_id},
    ).all()
    if not rows:
        return None
    first = rows[0]
    members = tuple(RoomMemberView(r.membership_id, r.user_name or r.display_name or "") for r in rows)
    return RoomView(first.id, first.position, first.name, members)


@functools.cache
def _taking_part_query(*rule: Callable[[], sa.ColumnElement[bool]]) -> sa.Select:
    """Which of these memberships take part in the cohort; built once per participation rule (tests change it)."""
    return participant_membership_ids(sa.bindparam("cohort_id")).where(
        RosterEntry.membership_id.in_(sa.bindparam("ids", expanding=True))
    )


def room_participants(session: so.Session, room: BreakoutRoom) -> list[GroupMembership]:
    """The room's members who still take part in its cohort, in room order (one query).

    Participation's rule decides (`confirmed_roster`): whoever left or was removed from their group, was taken off
    their group's roster, or whose group's registration is no longer confirmed (withdrawn, declined, lapsed) is no
    longer in any room: they neither read nor write its notes, and nobody sees them listed in it.
    """
    ids = [m.membership_id for m in room.members]
    if not ids:
        return []
    query = _taking_part_query(participants.takes_part, participants.on_roster)
    taking_part = set(session.scalars(query, {"cohort_id": room.plan.cohort_id, "ids": ids}))
    return [m.membership for m in room.members if m.membership_id in taking_part]


def is_room_member(session: so.Session, room: BreakoutRoom, user: User) -> bool:
    """Whether `user` is one of the room's members who still take part in the cohort (`room_participants`)."""
    return user.is_authenticated and any(m.user_id == user.id for m in room_participants(session, room))


# Generating and editing rooms (trainers), exports and meeting links.

MAX_TARGET_SIZE = 50
MAX_SEED = MAX_INTEGER  # the seed column is an integer
MAX_ROOM_NAME = 120


def _lock_cohort(session: so.Session, cohort: Cohort) -> None:
    """Serialize changes to a cohort's rooms: two trainers generating at once must not leave two current plans.
    (A row lock on PostgreSQL; on SQLite every write transaction already holds the database's write lock.)"""
    session.execute(sa.select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())


def get_cohort_session(session: so.Session, cohort: Cohort, cohort_session_id: int | None) -> CohortSession | None:
    """One of the cohort's sessions by id (None for None); NotFound for a session of another cohort."""
    if cohort_session_id is None:
        return None
    found = next((s for s in cohort.sessions if s.id == cohort_session_id), None)
    if found is None:
        raise NotFound(_("This cohort has no such session."))
    return found


def participant_descriptors(participants: list[Participant], working_languages: Sequence[str] = ()) -> list[Person]:
    """What the room algorithm needs to know about each participant.

    People without an account take part on a group member's screen: they are seated with their group's first
    coordinator taking part (or, failing that, its first member with an account). A group's languages count by
    the language they name ("Spanish", "es" and "es-MX" are one), and, when the cohort declares its working
    languages, only those (`rooms.balanced_languages`). When a group names no language, each person's own
    language is the one they use Plenary in (their profile's), and a person without an account has the language of
    the screen they share."""
    working = list(dict.fromkeys(filter(None, (base_language(code) for code in working_languages))))
    hosts: dict[int, Participant] = {}
    for participant in participants:
        if participant.user is None:
            continue
        current = hosts.get(participant.group.id)
        if current is None or (_coordinates(participant) and not _coordinates(current)):
            hosts[participant.group.id] = participant
    people = []
    for participant in participants:
        group, user = participant.group, participant.user
        host = hosts.get(group.id) if user is None else None
        people.append(
            Person(
                key=participant.membership.id,
                group=group.id,
                organization=group.organization or "",
                region=region_of_timezone(user.timezone) if user else None,
                languages=balanced_languages(
                    _spoken(group.languages) or _profile_language(user or (host.user if host else None)), working
                ),
                companion_of=host.membership.id if host is not None else None,
            )
        )
    return people


def _spoken(text: str | None) -> frozenset[str]:
    """A group's languages as codes; an entry that names no language we know is kept as written (lower case)."""
    return frozenset(base_language(entry) or entry for entry in parse_languages(text))


def _profile_language(user: User | None) -> frozenset[str]:
    """The language a person reads Plenary in ("pt_BR" counts as "pt"), as the language they can be spoken to in."""
    code = base_language(user.locale) if user is not None and user.locale else None
    return frozenset({code}) if code else frozenset()


def _coordinates(participant: Participant) -> bool:
    return participant.membership.role == MembershipRole.COORDINATOR


def _holds_records(room_id: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """Whether the room with `room_id` holds anything people wrote (notes answer: see app/breakouts/events.py)."""
    return sa.or_(sa.false(), *(condition for _receiver, condition in events.room_records.send(None, room_id=room_id)))


def _retire(session: so.Session, plan: BreakoutPlan) -> None:
    """Mark a plan replaced and delete its rooms, except rooms that hold notes: notes are never lost."""
    plan.replaced_at = now_utc()
    # Lock the rooms first: a member saving a room's first note at this moment either finishes before we look
    # (and the room is kept) or waits for us (and is told the room is gone); a note is never deleted with a room.
    session.execute(sa.select(BreakoutRoom.id).where(BreakoutRoom.plan_id == plan.id).with_for_update())
    holds_records = _holds_records(BreakoutRoom.id)
    doomed_ids = list(
        session.scalars(sa.select(BreakoutRoom.id).where(BreakoutRoom.plan_id == plan.id, ~holds_records))
    )
    if doomed_ids:
        session.execute(
            sa.delete(RoomMember)
            .where(
                RoomMember.room_id.in_(doomed_ids),
                ~_holds_records(RoomMember.room_id),
            )
            .execution_options(synchronize_session=False)
        )
        session.execute(
            sa.delete(BreakoutRoom)
            .where(BreakoutRoom.id.in_(doomed_ids), ~holds_records)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    session.expire(plan, ["rooms"])


def generate_rooms(
    session: so.Session,
    trainer: User,
    cohort: Cohort,
    *,
    strategy: RoomStrategy | str,
    target_size: int,
    seed: int | None = None,
    cohort_session: CohortSession | None = None,
) -> BreakoutPlan:
    """Assign every participant of the cohort to rooms, as the standing plan or as one session's override.

    The new plan replaces the current plan of the same scope (its `replaced_at` is set; its rooms are deleted
    unless they hold notes). Without a seed, one is drawn at random and stored, so the trainer can reproduce the
    rooms. Raises Forbidden for anyone but the cohort's trainers and admins, and DomainError (with the field) for a
    bad size, strategy or seed, or a cohort without participants yet."""
    require_trainer(trainer, cohort)
    if cohort_session is not None and cohort_session.cohort_id != cohort.id:
        raise NotFound(_("This cohort has no such session."))
    try:
        strategy = RoomStrategy(strategy)
    except ValueError:
        raise DomainError(_("Choose how to form the rooms."), field="strategy") from None
    if not isinstance(target_size, int) or not 2 <= target_size <= MAX_TARGET_SIZE:
        raise DomainError(
            ngettext(
                "Rooms need between %(low)s and %(high)s person.",
                "Rooms need between %(low)s and %(high)s people.",
                MAX_TARGET_SIZE,
                low=2,
                high=MAX_TARGET_SIZE,
            ),
            field="target_size",
        )
    if seed is None:
        seed = secrets.randbelow(MAX_SEED) + 1
    elif not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise DomainError(_("The seed is a whole number from 0 to %(high)s.", high=MAX_SEED), field="seed")
    _lock_cohort(session, cohort)
    participants = cohort_participants(session, cohort)
    if not participants:
        raise DomainError(
            _("This cohort has no participants yet: rooms can be formed once a group's registration is confirmed.")
        )
    scope = (
        BreakoutPlan.cohort_session_id.is_(None)
        if cohort_session is None
        else BreakoutPlan.cohort_session_id == cohort_session.id
    )
    for old in session.scalars(
        sa.select(BreakoutPlan).where(BreakoutPlan.cohort_id == cohort.id, BreakoutPlan.replaced_at.is_(None), scope)
    ).all():
        _retire(session, old)
    assignment = assign_rooms(
        participant_descriptors(participants, cohort.languages or ()),
        target_size=target_size,
        strategy=strategy,
        seed=seed,
    )
    plan = BreakoutPlan(
        cohort_id=cohort.id,
        cohort_session_id=cohort_session.id if cohort_session is not None else None,
        strategy=strategy,
        target_size=target_size,
        seed=seed,
        created_by_id=trainer.id,
    )
    plan.rooms = [
        BreakoutRoom(position=number, name=_("Room %(number)s", number=number))
        for number in range(1, len(assignment) + 1)
    ]
    session.add(plan)
    session.flush()
    # One multi-row INSERT for the members: thousands of participants are placed in a moment.
    session.execute(
        sa.insert(RoomMember),
        [
            {"room_id": room.id, "membership_id": key, "position": place}
            for room, keys in zip(plan.rooms, assignment, strict=True)
            for place, key in enumerate(keys)
        ],
    )
    return plan


def _require_current(room: BreakoutRoom) -> None:
    if room.plan.replaced_at is not None:
        raise DomainError(_("These rooms were replaced. Reload the page to see the current rooms."))


def get_room(session: so.Session, trainer: User, cohort: Cohort, room_id: int) -> BreakoutRoom:
    """A room of one of the cohort's current plans, for its trainers. NotFound for any other room."""
    require_trainer(trainer, cohort)
    room = session.scalar(
        sa.select(BreakoutRoom)
        .join(BreakoutPlan)
        .where(BreakoutRoom.id == room_id, BreakoutPlan.cohort_id == cohort.id, BreakoutPlan.replaced_at.is_(None))
        .options(so.contains_eager(BreakoutRoom.plan))
    )
    if room is None:
        raise NotFound(_("There is no such room in this cohort's current rooms."))
    return room


def rename_room(session: so.Session, trainer: User, room: BreakoutRoom, name: str) -> BreakoutRoom:
    """Give a room a new name (1 to 120 characters, unique in its plan, since video tools match rooms by name)."""
    require_trainer(trainer, room.plan.cohort)
    _require_current(room)
    name = clean_name(name)
    if not name:
        raise DomainError(_("Give the room a name."), field="name")
    if len(name) > MAX_ROOM_NAME:
        raise DomainError(
            ngettext(
                "Room names have at most %(n)s character.",
                "Room names have at most %(n)s characters.",
                MAX_ROOM_NAME,
                n=MAX_ROOM_NAME,
            ),
            field="name",
        )
    taken = session.scalar(
        sa.select(BreakoutRoom.id).where(
            BreakoutRoom.plan_id == room.plan_id,
            BreakoutRoom.id != room.id,
            sa.func.lower(BreakoutRoom.name) == name.lower(),
        )
    )
    if taken is not None:
        raise DomainError(_("Another room is already called “%(name)s”.", name=name), field="name")
    room.name = name
    session.flush()
    return room


def move_member(session: so.Session, trainer: User, membership_id: int, target_room: BreakoutRoom) -> RoomMember:
    """Put a participant (by group membership) in `target_room`: moved from their room in the same plan, or
    placed there if they were in none (e.g. confirmed after the rooms were generated). Raises NotFound for
    someone who is neither in the plan nor a participant of the cohort."""
    cohort = target_room.plan.cohort
    require_trainer(trainer, cohort)
    _require_current(target_room)
    _lock_cohort(session, cohort)
    member = session.scalar(
        sa.select(RoomMember)
        .join(BreakoutRoom)
        .where(BreakoutRoom.plan_id == target_room.plan_id, RoomMember.membership_id == membership_id)
    )
    if member is None:
        if not is_participant(session, cohort, membership_id):
            raise NotFound(_("This person is not a participant of the cohort."))
        member = RoomMember(membership_id=membership_id)
    elif member.room_id == target_room.id:
        return member
    last = session.scalar(sa.select(sa.func.max(RoomMember.position)).where(RoomMember.room_id == target_room.id))
    member.position = (last + 1) if last is not None else 0
    member.room = target_room
    session.add(member)
    session.flush()
    return member


def drop_override(session: so.Session, trainer: User, cohort: Cohort, cohort_session: CohortSession) -> None:
    """The session goes back to the standing rooms. Its own rooms are deleted unless they hold notes."""
    require_trainer(trainer, cohort)
    if cohort_session.cohort_id != cohort.id:
        raise NotFound(_("This cohort has no such session."))
    _lock_cohort(session, cohort)
    override = session.scalar(
        sa.select(BreakoutPlan).where(
            BreakoutPlan.cohort_id == cohort.id,
            BreakoutPlan.cohort_session_id == cohort_session.id,
            BreakoutPlan.replaced_at.is_(None),
        )
    )
    if override is None:
        raise DomainError(_("This session already uses the standing rooms."))
    _retire(session, override)


def room_slug(room: BreakoutRoom | sa.Row) -> str:
    """The room's name as a URL-safe slug ("Room 3" -> "room-3"); "room-<number>" when nothing of it is ASCII."""
    text = unicodedata.normalize("NFKD", room.name or "").encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or f"room-{room.position}"


def meeting_url(room: BreakoutRoom | sa.Row, *, cohort_id: int | None = None) -> str | None:
    """The room's own meeting link from ROOM_MEETING_URL_TEMPLATE, or None when no template is configured.
    `room` is a BreakoutRoom or a row with its id, position and name (then `cohort_id` is needed).

    Placeholders: {cohort_id}, {room_id}, {room_number}, {room_slug}; each value is URL-encoded. Only the room's
    members and the trainers should be shown it."""
    template = current_app.config.get("ROOM_MEETING_URL_TEMPLATE") or ""
    if not template.strip():
        return None
    values = {
        "{cohort_id}": cohort_id if cohort_id is not None else room.plan.cohort_id,
        "{room_id}": room.id,
        "{room_number}": room.position,
        "{room_slug}": room_slug(room),
    }
    for placeholder, value in values.items():
        template = template.replace(placeholder, quote(str(value), safe=""))
    return template
