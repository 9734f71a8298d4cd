"""Two members saving at the same instant against the same version: exactly one save applies, the other is a
conflict that keeps its text. Proven with separate database connections and with a real server."""

import threading

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.models import User
from app.extensions import db
from app.notes import service
from app.notes.models import BreakoutNote, NoteRevision
from tests.conftest import csrf_tokens
from tests.notes.conftest import notes_url
from tests.tools.http_client import HttpSession
from tests.tools.live_server import gunicorn, server_env

WRITERS = 4


def _note_and_revisions(note_id: int) -> tuple[BreakoutNote, list[NoteRevision]]:
    db.session.expire_all()
    note = db.session.get(BreakoutNote, note_id)
    revisions = list(db.session.scalars(sa.select(NoteRevision).where(NoteRevision.note_id == note_id)))
    return note, revisions


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_saves_on_separate_connections_apply_exactly_once(app, make_rooms, round_):
    world = make_rooms((WRITERS, 2))
    writers = [u.id for u in world.people[0]]
    page = service.open_note(db.session, world.people[0][0], world.cohort.id, world.sessions[0].id, world.rooms[0].id)
    db.session.commit()
    note_id = page.note.id
    barrier = threading.Barrier(WRITERS)
    outcomes: list = [None] * WRITERS

    def save(index: int) -> None:
        with app.app_context(), so.Session(db.engine) as session:
            # Each writer loads the note and themselves on their own connection, then lets go of it, so that
            # every save starts at the same moment (on SQLite a transaction would hold the write lock meanwhile).
            user = session.get(User, writers[index])
            note = session.get(BreakoutNote, note_id)
            _ = note.room.members and [m.membership.user_id for m in note.room.members]
            session.commit()
            barrier.wait(timeout=30)
            try:
                revision = service.save_note(session, user, note, f"Text of writer {index}", 0)
                session.commit()
                outcomes[index] = ("applied", revision.number)
            except service.NoteConflict as conflict:
                session.rollback()
                outcomes[index] = ("conflict", conflict.current_version)
            except Exception as error:  # noqa: BLE001 - reported in the assertion below
                session.rollback()
                outcomes[index] = ("error", repr(error))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(o[0] for o in outcomes) == ["applied"] + ["conflict"] * (WRITERS - 1), outcomes
    assert all(o[1] == 1 for o in outcomes), outcomes  # the losers were shown version 1, the winner's
    winner = next(i for i, o in enumerate(outcomes) if o[0] == "applied")
    note, revisions = _note_and_revisions(note_id)
    assert note.version == 1 and note.body == f"Text of writer {winner}"
    assert [(r.number, r.author_id, r.body) for r in revisions] == [(1, writers[winner], note.body)]


def test_two_members_posting_at_once_to_a_real_server_never_lose_text(app, db_url, tmp_path, make_rooms):
    world = make_rooms((2, 2))
    url = notes_url(world)
    emails = [u.email for u in world.people[0]]
    with gunicorn(server_env(db_url), tmp_path / "gunicorn.log", workers=2, threads=4) as base:
        sessions = []
        for email in emails:
            client = HttpSession(base)
            client.login(email, "correct horse battery")
            sessions.append((client, client.get(url).text))
        assert all('name="base_version" type="hidden" value="0"' in page for _client, page in sessions)
        barrier = threading.Barrier(len(sessions))
        replies: list = [None] * len(sessions)

        def post(index: int) -> None:
            client, page = sessions[index]
            data = {**csrf_tokens(page), "body": f"Written by member {index}", "base_version": "0", "save": "1"}
            barrier.wait(timeout=30)
            replies[index] = client.request(url, data)

        threads = [threading.Thread(target=post, args=(i,)) for i in range(len(sessions))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    statuses = sorted(r.status for r in replies)
    assert statuses == [302, 409], statuses
    loser = next(i for i, r in enumerate(replies) if r.status == 409)
    winner = 1 - loser
    assert f"Written by member {loser}" in replies[loser].text  # kept in the loser's box
    assert f"Written by member {winner}" in replies[loser].text  # beside the text that won
    note, revisions = _note_and_revisions(db.session.scalar(sa.select(BreakoutNote.id)))
    assert note.body == f"Written by member {winner}" and [r.number for r in revisions] == [1]
