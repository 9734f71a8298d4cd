"""Demo notes for the running cohort: each room wrote notes in the sessions held so far, in a few saves by different
members, and one room per session shared its notes with the plenary. Written through the notes service."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy.orm as so

from app.breakouts.service import room_participants, rooms_in_force
from app.cohorts.models import Cohort, CohortSession
from app.lib.time import now_utc
from app.notes import service
from app.notes.models import BreakoutNote

ANSWERS = [
    "{name} said the people who really decide are not the ones in the meetings we get invited to.",
    "We agreed: most of our members believe nothing changes, because the last campaign ended without a clear win.",
    "{name} told the story of a night-shift worker who became a steward after one good conversation.",
    "Meetings at 7 pm leave out everyone with children at home. We will try a Saturday morning.",
    "{name}: we keep the contact list to ourselves. Someone newer could learn to look after it.",
    "Two of us will each coach a newer member before the next session.",
    "{name} asked who benefits from the silence. Nobody had thought of it that way before.",
]
REPORT_BACK = (
    "**Report-back:** {name} will tell the plenary that our group has more power than it uses, and that before the "
    "next session we will map who the decision-maker depends on."
)


def _body(cohort_session: CohortSession, step: int, names: list[str], with_report: bool) -> str:
    """The notes after `step` saves: the first `step` prompts answered, and the report-back line at the end."""
    course_session = cohort_session.course_session
    prompts = list(course_session.breakout_prompts) if course_session else []
    lines = ["## Breakout prompts", ""]
    for index, prompt in enumerate(prompts):
        lines.append(f"- {prompt}")
        if index < step:
            answer = ANSWERS[(index + step) % len(ANSWERS)].format(name=names[index % len(names)])
            lines += ["", f"    {answer}"]
        lines.append("")
    lines += ["## Report-back to the plenary", ""]
    lines.append("- " + (REPORT_BACK.format(name=names[0]) if with_report else ""))
    return "\n".join(lines) + "\n"


def _write_note(session: so.Session, cohort: Cohort, cohort_session: CohortSession, room, number: int) -> bool:
    writers = [m.user for m in room_participants(session, room) if m.user is not None]
    if not writers:
        return False
    page = service.open_note(session, writers[0], cohort.id, cohort_session.id, room.id)
    note: BreakoutNote = page.note
    if note.version > 0:
        return False  # already written: the demo never rewrites
    saves = 3 + (room.position + number) % 3  # 3 to 5 revisions
    names = [w.name.split()[0] for w in writers]
    started = cohort_session.starts_at + timedelta(minutes=cohort_session.plenary_minutes)
    for step in range(1, saves + 1):
        author = writers[(step + room.position) % len(writers)]
        body = _body(cohort_session, step, names, with_report=step == saves)
        revision = service.save_note(session, author, note, body, note.version)
        revision.created_at = started + timedelta(minutes=9 * step)
        note.updated_at = revision.created_at
    session.flush()
    return True


def populate(session: so.Session, cohort: Cohort, report) -> None:
    """Notes for every room in each session that has started; one room per session shares them. Idempotent."""
    now = now_utc()
    held = [s for s in cohort.sessions if s.starts_at <= now]
    for number, cohort_session in enumerate(held):
        rooms = rooms_in_force(session, cohort, cohort_session)
        if not rooms:
            continue
        written = sum(_write_note(session, cohort, cohort_session, room, number) for room in rooms)
        if not written:
            continue
        # A different room reports back each time, counting from the last room.
        sharing = rooms[(len(rooms) - 1 - number) % len(rooms)]
        note = service.find_note(session, sharing.id, cohort_session.id)
        if note is not None and note.version > 0:
            note.shared_with_plenary = True
        session.flush()
        report.lines.append(
            f"wrote breakout notes for {written} rooms in “{cohort_session.title}”; {sharing.name} shared them"
        )
