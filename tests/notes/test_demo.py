"""The demo's notes: written through the service, with history, one room sharing per session held, idempotent."""

from types import SimpleNamespace

import sqlalchemy as sa

from app.extensions import db
from app.notes.demo import populate
from app.notes.models import BreakoutNote, NoteRevision


def test_demo_notes_have_history_a_report_back_and_one_shared_room_per_session_held(make_rooms):
    world = make_rooms((3, 3, 2), started_days_ago=8)  # session 1 eight days ago, session 2 yesterday
    report = SimpleNamespace(lines=[])
    populate(db.session, world.cohort, report)
    db.session.commit()
    notes = db.session.scalars(sa.select(BreakoutNote).order_by(BreakoutNote.id)).all()
    held = {s.id for s in world.sessions[:2]}
    assert {n.cohort_session_id for n in notes} == held and len(notes) == 2 * 3
    for note in notes:
        assert 3 <= note.version <= 5 and [r.number for r in note.revisions] == list(range(1, note.version + 1))
        assert len({r.author_id for r in note.revisions}) > 1
        assert "**Report-back:**" in note.body and "Report-back:**" not in note.revisions[0].body
        assert all(r.created_at < world.sessions[2].starts_at for r in note.revisions)
    for session_id in held:
        assert sum(n.shared_with_plenary for n in notes if n.cohort_session_id == session_id) == 1
    assert len(report.lines) == 2

    populate(db.session, world.cohort, SimpleNamespace(lines=[]))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(NoteRevision.id))) == sum(n.version for n in notes)


def test_demo_does_nothing_without_rooms(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=8)
    report = SimpleNamespace(lines=[])
    populate(db.session, world.cohort, report)
    assert db.session.scalar(sa.select(sa.func.count(BreakoutNote.id))) == 0 and report.lines == []
