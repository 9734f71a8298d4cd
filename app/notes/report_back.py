"""The report-back board: every room of a session with the notes it shared with the plenary, for the trainers."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from markupsafe import Markup

from app.accounts.models import User
from app.breakouts.models import BreakoutRoom
from app.breakouts.service import (
    get_cohort_session,
    rooms_in_force,
)
from app.cohorts.models import Cohort, CohortSession
from app.lib.errors import Forbidden
from app.notes.models import BreakoutNote
from app.notes.service import load_cohort, render_note
from app.registration.participants import can_teach


@dataclass(frozen=True)
class BoardColumn:
    room: BreakoutRoom
    note: BreakoutNote | None

    @property
    def shared(self) -> bool:
        return self.note is not None and self.note.shared_with_plenary

    @property
    def version(self) -> int:
        return self.note.version if self.shared else 0

    @property
    def html(self) -> Markup:
        return render_note(self.note.body) if self.shared else Markup("")


def board(
    session: so.Session, user: User, cohort_id: int, session_id: int
) -> tuple[Cohort, CohortSession, list[BoardColumn]]:
    """Every room of the session with its notes once shared, for the cohort's trainers: a constant number of queries.
    The board shows no members, so none are loaded; notes not shared are not read either (they show as unshared)."""
    cohort = load_cohort(session, user, cohort_id)
    if not can_teach(user, cohort):
        raise Forbidden(_("The report-back board is for the cohort's trainers."))
    cohort_session = get_cohort_session(session, cohort, session_id)
    rooms = rooms_in_force(session, cohort, cohort_session)
    notes = {}
    if rooms:
        notes = {
            n.room_id: n
            for n in session.scalars(
                sa.select(BreakoutNote).where(
                    BreakoutNote.cohort_session_id == cohort_session.id,
                    BreakoutNote.room_id.in_([r.id for r in rooms]),
                    BreakoutNote.shared_with_plenary.is_(True),
                )
            )
        }
    return cohort, cohort_session, [BoardColumn(room=r, note=notes.get(r.id)) for r in rooms]


def board_fingerprint(columns: list[BoardColumn]) -> str:
    """Changes whenever a column's shared text changes: the board's ETag."""
    return ".".join(f"{c.room.id}-{c.version}-{int(c.shared)}" for c in columns)
