"""What people have recorded in a cohort's sessions (notes, attendance, rooms, ...), counted per session, so that a
session holding any of it is never removed by an edit."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.cohorts.models import CohortSession

# What people write or do in a session, by table, in words for the trainer who tries to remove it. Every table
# with a foreign key to cohort_sessions counts (see session_history_counts), named here or not.
SESSION_HISTORY_LABELS = {
    "attendance": _l("attendance"),
    "breakout_notes": _l("breakout notes"),
    "breakout_room_roles": _l("room roles"),
    "breakout_plans": _l("breakout rooms"),
    "commitments": _l("commitments"),
}


def _session_history_tables() -> list[tuple[sa.Table, sa.Column]]:
    """Every table that refers to a cohort session, and its referring column: found from the metadata, so a
    table added later is protected without anyone remembering to list it."""
    found = []
    for table in CohortSession.metadata.sorted_tables:
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table.name == CohortSession.__tablename__:
                found.append((table, foreign_key.parent))
    return found


def session_history_counts(session: so.Session, session_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per session id, how many rows of each referring table hang off it (only the non-zero ones): one query per
    referring table, whatever the number of sessions."""
    counts: dict[int, dict[str, int]] = {}
    if not session_ids:
        return counts
    for table, column in _session_history_tables():
        for session_id, number in session.execute(
            sa.select(column, sa.func.count()).where(column.in_(session_ids)).group_by(column)
        ):
            counts.setdefault(session_id, {})[table.name] = number
    return counts
