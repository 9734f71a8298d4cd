"""Demo state for breakout rooms: standing mixed rooms for the running demo cohort."""

from __future__ import annotations

import sqlalchemy.orm as so

from app.breakouts.models import RoomStrategy
from app.breakouts.service import current_plan, generate_rooms
from app.cohorts.models import Cohort

DEMO_SEED = 2024
DEMO_ROOM_SIZE = 4


def populate(session: so.Session, cohort: Cohort, report) -> None:
    """Standing rooms that mix organizations, formed by the cohort's first trainer. Does nothing if rooms exist."""
    if current_plan(session, cohort) is not None or not cohort.trainers:
        return
    plan = generate_rooms(
        session,
        cohort.trainers[0],
        cohort,
        strategy=RoomStrategy.MIX_ORGANIZATIONS,
        target_size=DEMO_ROOM_SIZE,
        seed=DEMO_SEED,
    )
    people = sum(len(room.members) for room in plan.rooms)
    report.lines.append(f"formed {len(plan.rooms)} breakout rooms for {people} participants in {cohort.label!r}")
