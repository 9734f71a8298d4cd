"""Editing a cohort never deletes what people wrote or did in its sessions.

Sessions are matched by the id each form row carries, never by position; a session that has started cannot be
moved or removed; a session to come is removed only by ticking its box, and only while nothing was recorded in
it. The invariant is tested over HTTP with edits Hypothesis makes of the real form: rows left out, reordered,
moved, retitled, ticked for removal, forged ids and new rows. Whatever the form accepts or refuses, every note,
revision, attendance record, commitment, room role, room and room membership is unchanged and attached to the
same session, at the same instant unless the edit moved that session (one that had not started) on purpose.
"""

from __future__ import annotations

import html
import os
import re
from collections import Counter
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.attendance.models import Attendance, AttendanceSource
from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember, RoomStrategy
from app.cohorts import scheduling, session_history
from app.cohorts.models import CohortSession, CohortStatus
from app.extensions import db
from app.learning.models import Commitment
from app.lib.errors import DomainError
from app.lib.time import now_utc, to_local
from app.notes.models import BreakoutNote, NoteRevision, RoomRoles
from tests.security.test_hostile_forms import FormFinder

DERANDOMIZE = not os.environ.get("FUZZ_RANDOM")
EDITS = int(os.environ.get("COHORT_EDIT_EXAMPLES", "40"))

# Everything people write or do about a session: the tables that refer to a session, and those hanging off them.
HISTORY_TABLES = (
    "attendance",
    "breakout_notes",
    "breakout_note_revisions",
    "breakout_room_roles",
    "breakout_plans",
    "breakout_rooms",
    "breakout_room_members",
    "commitments",
)
SESSION_FIELDS = ("starts_at", "plenary_minutes", "breakout_minutes", "title", "sequence", "course_session_id")


def history_digest() -> dict[str, list[tuple]]:
    return {
        name: [
            tuple(row)
            for row in db.session.execute(
                sa.select(db.metadata.tables[name]).order_by(*db.metadata.tables[name].primary_key.columns)
            )
        ]
        for name in HISTORY_TABLES
    }


def sessions_of(cohort_id: int) -> dict[int, tuple]:
    db.session.expire_all()
    return {
        s.id: tuple(getattr(s, f) for f in SESSION_FIELDS)
        for s in db.session.scalars(sa.select(CohortSession).where(CohortSession.cohort_id == cohort_id))
    }


def sessions_with_history() -> set[int]:
    found = set()
    for table in db.metadata.sorted_tables:
        for column in (fk.parent for fk in table.foreign_keys if fk.column.table.name == "cohort_sessions"):
            found |= set(db.session.scalars(sa.select(column).where(column.is_not(None))))
    return found


@pytest.fixture
def world(make_running_cohort, place_in_rooms, make_cohort):
    """A running cohort at exact minutes: sessions 1 and 2 have started, 3 is to come, all three hold notes (with
    revisions), attendance, commitments and room roles, and session 3 has its own rooms; sessions 4 and 5, to
    come, hold nothing. Another cohort of the same trainer is there to forge ids from."""
    world = make_running_cohort((3, 3))
    cohort = world.cohort
    base = now_utc().replace(second=0, microsecond=0) - timedelta(days=8)
    for cohort_session, days in zip(cohort.sessions, (0, 7, 14), strict=True):
        cohort_session.starts_at = base + timedelta(days=days)
    for days in (21, 28):
        cohort.sessions.append(
            CohortSession(
                title=f"Extra {days}", starts_at=base + timedelta(days=days), plenary_minutes=60, breakout_minutes=30
            )
        )
    cohort.registration_deadline_at = base - timedelta(days=2)
    cohort.registration_opens_at = None
    cohort.status = CohortStatus.RUNNING
    db.session.commit()
    plan = place_in_rooms(world, size=3)
    room = plan.rooms[0]
    person = world.participants[0]
    for number, cohort_session in enumerate(cohort.sessions[:3], start=1):
        note = BreakoutNote(room_id=room.id, cohort_session_id=cohort_session.id, body=f"Notes {number}", version=1)
        note.revisions = [NoteRevision(number=1, body=f"Notes {number}", author_id=person.user.id)]
        db.session.add(note)
        db.session.add(
            RoomRoles(room_id=room.id, cohort_session_id=cohort_session.id, facilitator_id=person.membership.id)
        )
        db.session.add(
            Attendance(
                cohort_session_id=cohort_session.id,
                membership_id=person.membership.id,
                present=True,
                source=AttendanceSource.CHECKLIST,
            )
        )
        db.session.add(
            Commitment(
                user_id=person.user.id,
                cohort_id=cohort.id,
                cohort_session_id=cohort_session.id,
                text=f"Talk to {number} coworkers",
            )
        )
    own_rooms = BreakoutPlan(
        cohort_id=cohort.id,
        cohort_session_id=cohort.sessions[2].id,
        strategy=RoomStrategy.MIX_ORGANIZATIONS,
        target_size=2,
        seed=7,
    )
    own_rooms.rooms = [BreakoutRoom(position=0, name="Mixed", members=[RoomMember(membership_id=person.membership.id)])]
    db.session.add(own_rooms)
    db.session.commit()
    world.other = make_cohort("organizing-fundamentals", trainers=[world.trainer], label="Other")
    world.session_ids = [s.id for s in cohort.sessions]
    return world


def edit_url(world) -> str:
    return f"/cohorts/{world.cohort.id}/edit"


def form_fields(client, world) -> dict[str, str]:
    """The edit form as the page fills it in (without its checkboxes ticked), as a browser would post it."""
    page = client.get(edit_url(world))
    assert page.status_code == 200
    finder = FormFinder(edit_url(world))
    finder.feed(page.get_data(as_text=True))
    (form,) = [form for form in finder.forms if form.action == edit_url(world)]
    fields = dict(form.fields)
    fields["trainers"] = re.search(r'name="trainers"[^>]*>\s*([^<]*)</textarea>', page.get_data(as_text=True)).group(1)
    return {name: value for name, value in fields.items() if not name.endswith("-remove")}


def rows_of(fields: dict[str, str]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The form's non-session fields, and its session rows (each a dict of its sub-fields) in page order."""
    rows: dict[int, dict[str, str]] = {}
    rest = {}
    for name, value in fields.items():
        match = re.fullmatch(r"sessions-(\d+)-(\w+)", name)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value
        else:
            rest[name] = value
    return rest, [rows[i] for i in sorted(rows)]


def post_rows(client, world, rest: dict[str, str], rows: list[dict[str, str]]):
    data = dict(rest)
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"sessions-{index}-{key}"] = value
    return client.post(edit_url(world), data=data)


def existing_rows(client, world):
    rest, rows = rows_of(form_fields(client, world))
    return rest, [r for r in rows if r.get("date")]  # all but the spare row


def row_for(rows, session_id):
    return next(r for r in rows if r["session_id"] == str(session_id))


def moved(row: dict[str, str], delta: timedelta) -> dict[str, str]:
    local = datetime.fromisoformat(f"{row['date']}T{row['start']}") + delta
    return {**row, "date": local.date().isoformat(), "start": local.strftime("%H:%M")}


@pytest.fixture
def trainer_client(client, auth, world):
    auth.login(world.trainer.email)
    return client


# The invariant -------------------------------------------------------------------------------------------------

MOVES = [timedelta(0)] * 12 + [timedelta(minutes=30), timedelta(days=1), timedelta(days=-1), timedelta(days=-10)]


def restore(cohort_id: int, snapshot: dict[int, tuple]) -> None:
    """Put the cohort's sessions back as they were before an example (an accepted edit changes them)."""
    current = {
        s.id: s for s in db.session.scalars(sa.select(CohortSession).where(CohortSession.cohort_id == cohort_id))
    }
    for session_id, cohort_session in current.items():
        if session_id not in snapshot:
            db.session.delete(cohort_session)
    for session_id, values in snapshot.items():
        cohort_session = current.get(session_id)
        if cohort_session is None:
            cohort_session = CohortSession(id=session_id, cohort_id=cohort_id)
            db.session.add(cohort_session)
        for name, value in zip(SESSION_FIELDS, values, strict=True):
            setattr(cohort_session, name, value)
    db.session.commit()


def test_no_edit_the_form_accepts_or_refuses_changes_what_happened_in_sessions(trainer_client, world):
    client, cohort_id = trainer_client, world.cohort.id
    snapshot = sessions_of(cohort_id)
    history = history_digest()
    with_history = sessions_with_history() & set(snapshot)
    assert len(with_history) == 3
    other_ids = [s.id for s in world.other.sessions]
    outcomes = Counter()

    @given(data=st.data())
    @settings(
        max_examples=EDITS,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        suppress_health_check=list(HealthCheck),
    )
    def edit(data):
        restore(cohort_id, snapshot)
        rest, rows = existing_rows(client, world)
        started_at = now_utc()
        intended_moves: set[int] = set()
        edited = []
        for row in rows:
            session_id = int(row.get("session_id") or 0)
            action = data.draw(st.sampled_from(["keep"] * 16 + ["drop", "remove", "title", "title", "forge"]))
            if action == "drop":
                continue
            delta = data.draw(st.sampled_from(MOVES))
            new = moved(row, delta)
            if delta:
                intended_moves.add(session_id)
            if action == "remove":
                new["remove"] = "y"
            elif action == "title":
                new["title"] = data.draw(st.sampled_from(["Renamed", "", "  ", "Mapa del poder"]))
            elif action == "forge":
                new["session_id"] = str(data.draw(st.sampled_from([*other_ids, 2**31 - 1, 0, -5, "x"])))
            edited.append(new)
        if data.draw(st.sampled_from([False] * 4 + [True])):
            edited = data.draw(st.permutations(edited))
        for days in data.draw(st.lists(st.sampled_from([-3, 2, 40, 60]), max_size=2)):
            start = to_local(started_at + timedelta(days=days), "Europe/London")
            edited.append(
                {
                    "session_id": "",
                    "title": "Added",
                    "date": start.date().isoformat(),
                    "start": "09:00",
                    "plenary_minutes": "30",
                    "breakout_minutes": "30",
                }
            )
        response = post_rows(client, world, rest, edited)
        outcomes[response.status_code] += 1
        assert response.status_code in (302, 422), response.status_code
        db.session.expire_all()
        assert history_digest() == history, "an edit changed what people wrote or did"
        after = sessions_of(cohort_id)
        for session_id in with_history:
            assert session_id in after, "a session holding people's history was deleted"
            was, now = snapshot[session_id], after[session_id]
            if was[0] <= started_at or session_id not in intended_moves:
                assert now[0] == was[0], "a session holding history moved without being asked to"
        for session_id, was in snapshot.items():
            if was[0] <= started_at:
                assert after.get(session_id, (None,))[0] == was[0], "a started session moved or went"
        if response.status_code == 422:
            assert after == snapshot, "a refused edit changed the sessions"
        assert sessions_of(world.other.id) == {
            s.id: tuple(getattr(s, f) for f in SESSION_FIELDS) for s in world.other.sessions
        }

    edit()
    restore(cohort_id, snapshot)
    # Both kinds happened, or the invariant was not exercised.
    assert outcomes[302] >= EDITS // 5 and outcomes[422] >= EDITS // 5, outcomes


# Each refusal, and each thing that is allowed ------------------------------------------------------------------


def test_leaving_rows_out_of_the_form_deletes_nothing_and_says_so(trainer_client, world):
    """The issue's case: the form resubmitted without two session rows deleted their notes, attendance and
    commitments."""
    history, sessions = history_digest(), sessions_of(world.cohort.id)
    rest, rows = existing_rows(trainer_client, world)
    response = post_rows(trainer_client, world, rest, rows[2:])
    assert response.status_code == 422
    assert "2 sessions of this cohort are missing from the form, so nothing was saved" in response.get_data(
        as_text=True
    )
    assert history_digest() == history and sessions_of(world.cohort.id) == sessions


def test_a_started_session_cannot_be_moved_and_the_message_is_next_to_its_row(trainer_client, world):
    sessions = sessions_of(world.cohort.id)
    rest, rows = existing_rows(trainer_client, world)
    rows[1] = moved(rows[1], timedelta(hours=2))
    response = post_rows(trainer_client, world, rest, rows)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    message = re.search(r'id="sessions-1-date-error">([^<]*)<', page).group(1)
    assert "Session 2 has already started: its date and start time cannot change." in message
    assert sessions_of(world.cohort.id) == sessions


def test_a_started_session_cannot_be_removed_even_by_a_crafted_post(trainer_client, world):
    page = trainer_client.get(edit_url(world)).get_data(as_text=True)
    assert 'name="sessions-0-remove"' not in page and "This session has started" in page
    sessions = sessions_of(world.cohort.id)
    rest, rows = existing_rows(trainer_client, world)
    rows[0]["remove"] = "y"
    response = post_rows(trainer_client, world, rest, rows)
    assert response.status_code == 422
    assert "Session 1 has already started: it cannot be removed." in response.get_data(as_text=True)
    assert sessions_of(world.cohort.id) == sessions


def test_a_session_to_come_that_holds_history_cannot_be_removed_and_the_reason_is_given(trainer_client, world):
    history, sessions = history_digest(), sessions_of(world.cohort.id)
    rest, rows = existing_rows(trainer_client, world)
    rows[2]["remove"] = "y"
    response = post_rows(trainer_client, world, rest, rows)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    message = re.search(r'id="sessions-2-date-error">([^<]*)<', page).group(1)
    assert message.startswith("Session 3 cannot be removed: people have already recorded things in it")
    for word in ("attendance", "breakout notes", "breakout rooms", "commitments", "room roles"):
        assert word in message
    assert history_digest() == history and sessions_of(world.cohort.id) == sessions


def test_a_session_to_come_with_nothing_recorded_is_removed_only_when_its_box_is_ticked(trainer_client, world):
    empty = world.session_ids[3]
    rest, rows = existing_rows(trainer_client, world)
    assert 'name="sessions-3-remove"' in trainer_client.get(edit_url(world)).get_data(as_text=True)
    response = post_rows(trainer_client, world, rest, rows)
    assert response.status_code == 302 and empty in sessions_of(world.cohort.id)
    history = history_digest()
    row_for(rows, empty)["remove"] = "y"
    response = post_rows(trainer_client, world, rest, rows)
    assert response.status_code == 302
    assert set(sessions_of(world.cohort.id)) == set(world.session_ids) - {empty}
    assert history_digest() == history


def test_session_ids_from_another_cohort_or_made_up_are_refused(trainer_client, world):
    other_before = sessions_of(world.other.id)
    sessions = sessions_of(world.cohort.id)
    for forged in (world.other.sessions[0].id, 987654, world.session_ids[0]):
        rest, rows = existing_rows(trainer_client, world)
        rows[4]["session_id"] = str(forged)  # the last one, to come, that holds nothing
        response = post_rows(trainer_client, world, rest, rows)
        assert response.status_code == 422, forged
        assert "is not one of this cohort's sessions" in html.unescape(response.get_data(as_text=True))
    assert sessions_of(world.other.id) == other_before and sessions_of(world.cohort.id) == sessions


def test_moving_a_session_to_come_keeps_its_history_with_it(trainer_client, world):
    target = world.session_ids[2]
    history = history_digest()
    rest, rows = existing_rows(trainer_client, world)
    before = sessions_of(world.cohort.id)[target]
    index = rows.index(row_for(rows, target))
    rows[index] = moved(rows[index], timedelta(days=1))
    rows[index]["title"] = "Building a committee, moved"
    response = post_rows(trainer_client, world, rest, rows)
    assert response.status_code == 302
    after = sessions_of(world.cohort.id)[target]
    assert after[0] == before[0] + timedelta(days=1) and after[3] == "Building a committee, moved"
    assert after[4] == before[4] + 1 and after[5] == before[5]  # calendars replace it; same course content
    assert history_digest() == history
    note = db.session.scalar(sa.select(BreakoutNote).where(BreakoutNote.cohort_session_id == target))
    assert note.body == "Notes 3"


def test_a_session_cannot_be_moved_into_the_past(trainer_client, world):
    sessions = sessions_of(world.cohort.id)
    rest, rows = existing_rows(trainer_client, world)
    rows[2] = moved(rows[2], timedelta(days=-10))
    rows[2], rows[1] = rows[1], rows[2]  # keep the rows in time order, so the past is the reason
    response = post_rows(trainer_client, world, rest, rows)
    assert response.status_code == 422
    assert "would start in the past" in response.get_data(as_text=True)
    assert sessions_of(world.cohort.id) == sessions


def test_the_spare_row_adds_a_session_and_leaves_the_others_as_they_were(trainer_client, world):
    rest, rows = rows_of(form_fields(trainer_client, world))
    assert rows[-1]["session_id"] == "" and rows[-1]["date"] == ""  # the spare row, empty
    before = sessions_of(world.cohort.id)
    response = post_rows(trainer_client, world, rest, rows)  # the spare row left empty adds nothing
    assert response.status_code == 302 and sessions_of(world.cohort.id) == before
    last = datetime.fromisoformat(f"{rows[-2]['date']}T{rows[-2]['start']}") + timedelta(days=7)
    rows[-1].update(date=last.date().isoformat(), start="10:00", plenary_minutes="60", breakout_minutes="30")
    response = post_rows(trainer_client, world, rest, rows)
    assert response.status_code == 302
    after = sessions_of(world.cohort.id)
    assert {k: v for k, v in after.items() if k in before} == before and len(after) == len(before) + 1


def test_every_table_that_refers_to_a_session_is_checked_and_named():
    """A table added later with a foreign key to cohort_sessions is counted before a removal (found from the
    metadata) and must be named to the trainer and covered by the digest above."""
    referring = {table.name for table, _column in session_history._session_history_tables()}
    assert referring == set(session_history.SESSION_HISTORY_LABELS)
    assert referring <= set(HISTORY_TABLES)


def test_service_refuses_a_plan_that_leaves_a_session_out(world):
    plan = scheduling.plan_of(world.cohort)
    plan.sessions = plan.sessions[1:]
    with pytest.raises(DomainError) as refused:
        scheduling.update_cohort(db.session, world.trainer, world.cohort, plan)
    assert refused.value.field == "sessions"
    db.session.rollback()
    assert set(sessions_of(world.cohort.id)) == set(world.session_ids)


# The database itself ------------------------------------------------------------------------------------------


def test_every_foreign_key_to_a_session_restricts_its_deletion(app):
    """No ON DELETE CASCADE from a session to what people recorded in it, in the models and in the database."""
    inspector = sa.inspect(db.engine)
    for table, _column in session_history._session_history_tables():
        assert all(fk.ondelete == "RESTRICT" for fk in table.foreign_keys if fk.column.table.name == "cohort_sessions")
        reflected = [fk for fk in inspector.get_foreign_keys(table.name) if fk["referred_table"] == "cohort_sessions"]
        assert reflected and all(fk["options"].get("ondelete") == "RESTRICT" for fk in reflected), table.name


@pytest.mark.parametrize("how", ["session", "cohort"])
def test_the_database_refuses_to_delete_a_session_that_holds_history(world, how):
    history = history_digest()
    with pytest.raises(sa.exc.IntegrityError):
        if how == "session":
            db.session.execute(sa.delete(CohortSession).where(CohortSession.id == world.session_ids[2]))
        else:
            db.session.delete(world.cohort)  # its sessions go with it (delete-orphan), and the database says no
        db.session.flush()
    db.session.rollback()
    assert history_digest() == history


def test_the_migration_to_restrict_keeps_every_note_revision_and_record(world):
    """Rebuilding the tables on SQLite must not run their old ON DELETE CASCADE (a revision lost per note)."""
    from flask_migrate import downgrade, upgrade

    history = history_digest()
    db.session.commit()  # PostgreSQL: the test's open transaction would hold locks the ALTER TABLE waits for
    downgrade(revision="0013")
    upgrade()
    db.session.expire_all()
    assert history_digest() == history
