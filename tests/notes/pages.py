"""Who may open this area's pages (merged into tests/core/test_pages.py, which checks every GET route).

In the demo, Jorge (participant) and Lucía (coordinator) are both on the Transit roster. The sample room is Jorge's
room in a session held so far whose notes his room did not share, so Lucía, in another room, is refused.
"""

import sqlalchemy as sa

from app.extensions import db
from tests.core.roles import COHORT_TRAINERS as TRAINERS_ONLY
from tests.core.roles import LOGIN, ROLES, access

# Jorge's room: its members, the cohort's trainer and admins; every other participant (none of them in the room).
ROOM_NOTES = access(403, anonymous=LOGIN, participant=200, trainer=200, admin=200)

EXPECTED: dict[str, dict] = {
    "notes.note_page": ROOM_NOTES,
    "notes.history": ROOM_NOTES,
    "notes.revision": ROOM_NOTES,
    "notes.board": TRAINERS_ONLY,
    "notes.board_json": TRAINERS_ONLY,
}

PARTICIPANT = ROLES["participant"]
OUTSIDERS = [ROLES[role] for role in ("coordinator", "other_participant", "other_coordinator")]


def url_arguments() -> dict:
    """Sample values for this area's URL parameters, taken from the demo world (the test's database)."""
    from app.accounts.models import User
    from app.breakouts.service import room_of
    from app.cohorts.models import Cohort
    from app.demo.learning import RUNNING_LABEL
    from app.groups.models import GroupMembership
    from app.lib.time import now_utc
    from app.notes.service import find_note

    running = db.session.scalar(sa.select(Cohort).where(Cohort.label == RUNNING_LABEL))

    def membership_id(email: str) -> int | None:
        return db.session.scalar(
            sa.select(GroupMembership.id).join(User, GroupMembership.user_id == User.id).where(User.email == email)
        )

    jorge, outsiders = membership_id(PARTICIPANT), [membership_id(email) for email in OUTSIDERS]
    held = [s for s in running.sessions if s.starts_at <= now_utc()] or running.sessions[:1]
    candidates = []
    for cohort_session in reversed(held):
        room = room_of(db.session, running, cohort_session, jorge)
        if room is None:
            continue
        note = find_note(db.session, room.id, cohort_session.id)
        outsiders_in_room = [room_of(db.session, running, cohort_session, m) for m in outsiders]
        score = (
            all(other is None or other.id != room.id for other in outsiders_in_room),
            note is not None and note.version > 0,
            note is not None and not note.shared_with_plenary,
        )
        candidates.append((score, cohort_session.id, room.id))
    if not candidates:  # no rooms in the demo: the note pages answer 404 and test_pages says so
        return {"session_id": held[0].id, "room_id": 0, "number": 1}
    _score, session_id, room_id = max(candidates, key=lambda c: c[0])
    return {"session_id": session_id, "room_id": room_id, "number": 1}
