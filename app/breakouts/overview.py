"""The trainer's breakouts page and its CSV exports (the video tool's pre-assignment, the roster by room), read as
plain rows of a few columns: a cohort can have thousands of participants, and each is read once."""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from markupsafe import Markup

from app.accounts.models import User
from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember
from app.breakouts.service import current_plan, meeting_url
from app.cohorts.models import Cohort, CohortSession
from app.groups.models import Group, GroupMembership
from app.lib.html_text import escape_text
from app.registration.models import Registration, RosterEntry
from app.registration.participants import (
    confirmed_roster,
    participant_membership_ids,
    require_trainer,
    takes_part_in,
)

BREAKOUT_CSV_HEADER = ["Pre-assign Room Name", "Email Address"]  # exactly what video tools' pre-assignment expects


# Not frozen: a frozen dataclass sets each field through object.__setattr__, seven times slower to make, and a
# page makes thousands of these per request. Nothing changes one after it is made.
@dataclass(slots=True)
class RosterLine:
    """A person as the trainer's page and the exports show them: plain values read from one row, not ORM objects
    (thousands of them are shown at once)."""

    membership_id: int
    name: str
    email: str | None  # None for people added to a group by name only
    timezone: str | None  # None for people without an account
    group_name: str
    organization: str
    taking_part: bool = True  # False for someone still in a room who left their group or is no longer on a roster


@dataclass(frozen=True)
class RoomView:
    """A room of the plan in force with the people in it, in their room order."""

    id: int
    position: int
    name: str
    members: list[RosterLine]
    meeting_url: str | None
    members_html: Markup = Markup("")  # the members' table rows, written once (see member_rows_html)


@dataclass(frozen=True)
class BreakoutPage:
    """Everything the trainer's breakout page shows, loaded in a constant number of queries."""

    cohort: Cohort
    cohort_session: CohortSession | None  # the session being looked at, or None for the standing rooms
    plan: BreakoutPlan | None  # the plan in force for that scope
    rooms: list[RoomView]
    unplaced: list[RosterLine]  # participants in no room (all of them before rooms are generated)
    participant_count: int
    without_email: int  # people placed in rooms who have no email address, so are not in the video tool's file
    overridden_session_ids: frozenset[int]

    @property
    def is_override(self) -> bool:
        return self.plan is not None and self.plan.cohort_session_id is not None


# The trainer's page and the exports read plain rows (a few columns each) rather than ORM objects: a cohort can
# have thousands of participants, and each is read once.


# RosterLine's fields in order, but taking_part (its default, True, for the cohort's participants).
_LINE_COLUMNS = (
    GroupMembership.id,
    sa.func.coalesce(User.name, GroupMembership.display_name, ""),  # GroupMembership.name
    User.email,
    User.timezone,
    Group.name,
    Group.organization,
)


def _placed_ids(plan: BreakoutPlan) -> sa.Select:
    return (
        sa.select(RoomMember.membership_id)
        .join(BreakoutRoom, RoomMember.room_id == BreakoutRoom.id)
        .where(BreakoutRoom.plan_id == plan.id)
        .correlate(None)
    )


def _room_views(
    session: so.Session, cohort: Cohort, plan: BreakoutPlan | None, *, with_html: bool = False
) -> list[RoomView]:
    """The plan's rooms in order, each with its people in their room order (and, `with_html`, their table rows for
    the page): two queries."""
    if plan is None:
        return []
    rooms = session.execute(
        sa.select(BreakoutRoom.id, BreakoutRoom.position, BreakoutRoom.name)
        .where(BreakoutRoom.plan_id == plan.id)
        .order_by(BreakoutRoom.position)
    ).all()
    members: dict[int, list[tuple[int, int, RosterLine]]] = {room.id: [] for room in rooms}
    rows = session.execute(
        sa.select(
            RoomMember.room_id,
            RoomMember.position,
            RoomMember.id,
            *_LINE_COLUMNS,
            GroupMembership.id.in_(participant_membership_ids(cohort.id)),
        )
        .select_from(RoomMember)
        .join(BreakoutRoom, RoomMember.room_id == BreakoutRoom.id)
        .join(GroupMembership, RoomMember.membership_id == GroupMembership.id)
        .join(Group, GroupMembership.group_id == Group.id)
        .outerjoin(User, GroupMembership.user_id == User.id)
        .where(BreakoutRoom.plan_id == plan.id)
    )
    for room_id, position, member_id, *line in rows:
        members[room_id].append((position, member_id, RosterLine(*line)))
    for placed in members.values():
        placed.sort(key=itemgetter(0, 1))  # here rather than in SQL, where sorting the wide rows costs more
    # Translated once, not once per person; written unescaped, as Jinja writes `_()` (the house's own text).
    no_longer = _("no longer taking part")
    views = []
    for room in rooms:
        lines = [line for _position, _id, line in members[room.id]]
        views.append(
            RoomView(
                room.id,
                room.position,
                room.name,
                lines,
                meeting_url(room, cohort_id=cohort.id),
                member_rows_html(lines, no_longer) if with_html else Markup(""),
            )
        )
    return views


def member_rows_html(lines: list[RosterLine], no_longer: str) -> Markup:
    """A room's members as the page's table rows (name, with "no longer taking part" for those who left; group,
    with the organization when the group's name does not already say it; time zone), every value escaped.

    Written here in one pass rather than by the template: 2,000 rows through Jinja cost the page most of its time."""
    parts = []
    for line in lines:
        name = escape_text(line.name)
        if not line.taking_part:
            name = f'{name}<br><span class="muted">{no_longer}</span>'
        group = escape_text(line.group_name)
        if line.organization not in line.group_name:
            group = f'{group}<br><span class="muted">{escape_text(line.organization)}</span>'
        zone = escape_text(line.timezone.replace("_", " ")) if line.timezone else "—"
        parts.append(f'<tr><th scope="row">{name}</th><td>{group}</td><td>{zone}</td></tr>')
    return Markup("".join(parts))


def _unplaced(session: so.Session, cohort: Cohort, plan: BreakoutPlan | None) -> list[RosterLine]:
    """The cohort's participants in no room of the plan (everyone without a plan), in registration order."""
    query = (
        confirmed_roster(*_LINE_COLUMNS, cohort_id=cohort.id)
        .join(Group, Registration.group_id == Group.id)
        .outerjoin(User, GroupMembership.user_id == User.id)
        .order_by(Registration.created_at, Registration.id, RosterEntry.id)
    )
    if plan is not None:
        query = query.where(GroupMembership.id.not_in(_placed_ids(plan)))
    return [RosterLine(*row) for row in session.execute(query)]


def breakout_page(
    session: so.Session, trainer: User, cohort: Cohort, cohort_session: CohortSession | None = None
) -> BreakoutPage:
    """The trainer's view of the rooms in force for a session (or the standing rooms), with the participants
    who are in no room. Forbidden for anyone but the cohort's trainers and admins."""
    require_trainer(trainer, cohort)
    plan = current_plan(session, cohort, cohort_session)
    rooms = _room_views(session, cohort, plan, with_html=True)
    unplaced = _unplaced(session, cohort, plan)
    placed = {line.membership_id for room in rooms for line in room.members if line.taking_part}
    overridden = frozenset(
        session.scalars(
            sa.select(BreakoutPlan.cohort_session_id).where(
                BreakoutPlan.cohort_id == cohort.id,
                BreakoutPlan.replaced_at.is_(None),
                BreakoutPlan.cohort_session_id.is_not(None),
            )
        )
    )
    return BreakoutPage(
        cohort=cohort,
        cohort_session=cohort_session,
        plan=plan,
        rooms=rooms,
        unplaced=unplaced,
        participant_count=len(placed | {line.membership_id for line in unplaced}),
        without_email=sum(1 for room in rooms for line in room.members if line.taking_part and not line.email),
        overridden_session_ids=overridden,
    )


def breakout_csv_rows(
    session: so.Session, trainer: User, cohort: Cohort, cohort_session: CohortSession | None = None
) -> list[list[str]]:
    """The video tool's pre-assignment file: the header `Pre-assign Room Name,Email Address`, then one row per
    participant in a room who has an email address, room by room. People without one (added by name only) are
    left out: the page counts them."""
    require_trainer(trainer, cohort)
    plan = current_plan(session, cohort, cohort_session)
    if plan is None:
        return [list(BREAKOUT_CSV_HEADER)]
    placed = session.execute(
        sa.select(BreakoutRoom.name, User.email)
        .select_from(RoomMember)
        .join(BreakoutRoom, RoomMember.room_id == BreakoutRoom.id)
        .join(GroupMembership, RoomMember.membership_id == GroupMembership.id)
        .join(User, GroupMembership.user_id == User.id)  # people without an account have no email
        .where(BreakoutRoom.plan_id == plan.id, takes_part_in(cohort.id, RoomMember.membership_id))
        .order_by(BreakoutRoom.position, RoomMember.position, RoomMember.id)
    )
    return [list(BREAKOUT_CSV_HEADER)] + [[room, email] for room, email in placed if email]


def roster_csv_rows(
    session: so.Session, trainer: User, cohort: Cohort, cohort_session: CohortSession | None = None
) -> list[list[str]]:
    """A plain roster by room: a header, then everyone placed (room by room), then the participants in no room."""
    require_trainer(trainer, cohort)
    plan = current_plan(session, cohort, cohort_session)
    rows = [[_("Room"), _("Name"), _("Email"), _("Group"), _("Organization"), _("Time zone")]]

    def row(room_name: str, line: RosterLine) -> list[str]:
        return [room_name, line.name, line.email or "", line.group_name, line.organization, line.timezone or ""]

    for room in _room_views(session, cohort, plan):
        rows.extend(row(room.name, line) for line in room.members if line.taking_part)
    rows.extend(row("", line) for line in _unplaced(session, cohort, plan))
    return rows
