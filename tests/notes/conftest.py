"""Rooms made directly with the models (room generation is tested in tests/breakouts), and logging in."""

from types import SimpleNamespace

import pytest

from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember, RoomStrategy
from app.extensions import db


@pytest.fixture
def make_rooms(make_running_cohort):
    """A running cohort whose participants are split, in registration order, into rooms of `room_sizes`.

    Returns the cohort, its trainer, its sessions, the rooms and, per room, the users in it (room order).
    """

    def make(room_sizes=(3, 3), *, started_days_ago: int = 1, course_slug: str = "organizing-fundamentals"):
        world = make_running_cohort(
            group_sizes=(sum(room_sizes),), course_slug=course_slug, started_days_ago=started_days_ago
        )
        plan = BreakoutPlan(cohort_id=world.cohort.id, strategy=RoomStrategy.KEEP_GROUPS, target_size=3, seed=1)
        db.session.add(plan)
        participants = iter(world.participants)
        rooms, people = [], []
        for position, size in enumerate(room_sizes, start=1):
            room = BreakoutRoom(position=position, name=f"Room {position}")
            plan.rooms.append(room)
            users = []
            for place in range(size):
                participant = next(participants)
                room.members.append(RoomMember(membership_id=participant.membership.id, position=place))
                users.append(participant.user)
            rooms.append(room)
            people.append(users)
        db.session.commit()
        return SimpleNamespace(
            cohort=world.cohort,
            trainer=world.trainer,
            sessions=list(world.cohort.sessions),
            plan=plan,
            rooms=rooms,
            people=people,
        )

    return make


def login(client, user) -> None:
    """Log in as `user` (logging out whoever was logged in on this client first)."""
    if client.get("/login").status_code == 302:
        client.submit("/logout", page="/groups")
    response = client.submit("/login", {"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 302, response.status_code


def notes_url(world, room_index: int = 0, session_index: int = 0, suffix: str = "") -> str:
    room = world.rooms[room_index]
    cohort_session = world.sessions[session_index]
    return f"/cohorts/{world.cohort.id}/sessions/{cohort_session.id}/rooms/{room.id}/notes{suffix}"
