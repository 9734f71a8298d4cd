"""Demo state for the running cohort: who has read what, and commitments made and checked in on.

Jorge Medina (the demo participant) has read some of the readings due before the next session, not all, so his
progress bar is partial; he has one commitment checked in on and one open.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.cohorts.models import Cohort
from app.learning import commitments, readings, service
from app.learning.models import Commitment, ReadingProgress
from app.lib.time import now_utc
from app.registration.participants import cohort_participants

JORGE = "jorge.medina@members.example"

READING_NOTES = {
    "what-we-mean-by-power": "Who can say yes on the fare increase? Not the transit board alone.",
    "campaigns-that-leave-something-behind": "The second outcome: our 2023 strike left a committee behind.",
    "the-ladder-of-participation": "We ask everyone for the same thing. Think of smaller first steps.",
}
FIRST_SESSION_COMMITMENTS = [
    "Draw our power map with two members who were not in the session.",
    "Find out who on the city council sits on the **transport committee**.",
    "Ask three co-workers what they would change first, and listen.",
    "Read the council's budget summary for transit and bring questions.",
]
SECOND_SESSION_COMMITMENTS = [
    "Ask two people who come *sometimes* to take one small task each.",
    "Change the order of our next meeting: decisions first, reports last.",
    "Have a one-on-one with someone who agrees but never comes.",
]
CHECK_INS = [
    ("done", "We drew it together; the map changed once the drivers added the depot managers."),
    ("in_progress", "Two of three conversations done; the third is next week."),
    ("dropped", "The budget summary is not public yet; we will ask at the next hearing instead."),
    ("done", "Easier than I expected. People had a lot to say."),
]


def populate(session: so.Session, cohort: Cohort, report) -> None:
    """Mark readings read and record commitments for the running demo cohort's participants, except for those
    who already have some (so running it again changes nothing)."""
    # Idempotent per person: whoever already has reading progress or commitments here is left as they are.
    done = set(session.scalars(sa.select(ReadingProgress.user_id).where(ReadingProgress.cohort_id == cohort.id)))
    done |= set(session.scalars(sa.select(Commitment.user_id).where(Commitment.cohort_id == cohort.id)))
    everyone = [p.user for p in cohort_participants(session, cohort) if p.user is not None]
    everyone = list({user.id: user for user in everyone}.values())  # once each, in roster order
    # Patterns follow each person's place on the roster, so a later run treats newcomers the same way.
    people = [(index, user) for index, user in enumerate(everyone) if user.id not in done]
    if not people or len(cohort.sessions) < 2:
        return
    course_readings = cohort.course.readings_in_order
    at = now_utc()
    started = [s for s in cohort.sessions if s.starts_at <= at]
    upcoming = next((s for s in cohort.sessions if s.starts_at > at), None)
    due_next = {r.id for r in service.readings_due(cohort, upcoming)} if upcoming is not None else set()
    due_positions = [position for position, reading in enumerate(course_readings) if reading.id in due_next]
    marked = 0
    for index, user in people:
        jorge = user.email == JORGE
        for position, reading in enumerate(course_readings):
            if reading.id in due_next:
                # Readings for the next session: about half done; Jorge has read the first of them only.
                read = position == due_positions[0] if jorge else (index + position) % 2 == 0
            else:
                read = jorge or index % 7 != 6  # most are up to date with the past sessions' readings
            if read:
                note = READING_NOTES.get(reading.slug) if (jorge or index % 4 == 0) else None
                readings.mark_read(session, user, cohort, reading, note)
                marked += 1
    report.lines.append(f"marked {marked} readings read in {cohort.label!r}")

    made = checked = 0
    if len(started) >= 1:
        first = started[0]
        check_in_at = started[1].starts_at + timedelta(minutes=15) if len(started) >= 2 else None
        for index, user in people:
            if not (index % 2 == 0 or user.email == JORGE):
                continue
            jorge = user.email == JORGE
            text = FIRST_SESSION_COMMITMENTS[0 if jorge else index % len(FIRST_SESSION_COMMITMENTS)]
            commitment = commitments.record_commitment(
                session, user, cohort, text, at=first.ends_at - timedelta(minutes=5)
            )
            made += 1
            if check_in_at is not None and (index % 5 != 4 or jorge):
                status, reflection = CHECK_INS[0] if jorge else CHECK_INS[checked % len(CHECK_INS)]
                commitments.check_in(session, user, commitment.id, status, reflection, at=check_in_at)
                checked += 1
    if len(started) >= 2:
        second = started[1]
        for index, user in people:
            if index % 3 == 1 and user.email != JORGE:
                continue
            text = SECOND_SESSION_COMMITMENTS[index % len(SECOND_SESSION_COMMITMENTS)]
            commitments.record_commitment(session, user, cohort, text, at=second.ends_at - timedelta(minutes=5))
            made += 1
    session.flush()
    report.lines.append(f"recorded {made} commitments in {cohort.label!r}, {checked} checked in on")
