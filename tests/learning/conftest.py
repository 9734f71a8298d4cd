"""Helpers for the learning tests: breakout rooms made directly with the models, progress and commitments."""

import pytest

from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember, RoomStrategy
from app.extensions import db


@pytest.fixture
def make_rooms():
    """Put a cohort's participants into rooms of `size`, in roster order (the cohort's standing plan)."""

    def make(world, size: int = 4):
        plan = BreakoutPlan(cohort_id=world.cohort.id, strategy=RoomStrategy.KEEP_GROUPS, target_size=size, seed=1)
        people = world.participants
        for index, start in enumerate(range(0, len(people), size)):
            room = BreakoutRoom(position=index, name=f"Room {index + 1}")
            room.members = [
                RoomMember(membership_id=p.membership.id, position=k)
                for k, p in enumerate(people[start : start + size])
            ]
            plan.rooms.append(room)
        db.session.add(plan)
        db.session.commit()
        return plan

    return make
