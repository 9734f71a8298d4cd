"""Demo attendance: the running cohort's sessions so far, and a completed core cohort with its completions.

Recorded through the services, the way trainers and coordinators would; idempotent.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.attendance.completion import complete_cohort
from app.attendance.imports import import_attendance
from app.attendance.models import Attendance
from app.attendance.records import started
from app.attendance.service import record_checklist, record_roster_only
from app.cohorts.models import Cohort, CohortSession, CohortStatus
from app.registration.participants import Participant, cohort_participants


def _has_attendance(session: so.Session, cohort: Cohort) -> bool:
    return (
        session.scalar(
            sa.select(Attendance.id)
            .join(CohortSession, Attendance.cohort_session_id == CohortSession.id)
            .where(CohortSession.cohort_id == cohort.id)
            .limit(1)
        )
        is not None
    )


def _record_roster_only(
    session: so.Session, cohort: Cohort, cohort_session: CohortSession, absent: set[str]
) -> set[int]:
    """Each group's coordinator records its members without an account; returns who was present."""
    participants = cohort_participants(session, cohort)
    present: set[int] = set()
    groups = {p.group.id: p.group for p in participants if p.user is None}
    for group in groups.values():
        coordinator = group.coordinators[0].user if group.coordinators else None
        if coordinator is None:
            continue
        ticked = {
            p.membership.id for p in participants if p.group.id == group.id and p.user is None and p.name not in absent
        }
        record_roster_only(session, coordinator, cohort, group, cohort_session, ticked)
        present |= ticked
    return present


def _report_csv(people: list[Participant]) -> bytes:
    """A Zoom-like participants report: a meeting summary, then one row per join (someone joined twice), a guest."""
    lines = [
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants",
        "812 5550 1234,Power and Participation,,,trainer@plenary.example,120,31",
        "",
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest",
    ]
    for person in people:
        lines.append(f"{person.name},{person.email.upper() if len(lines) % 5 == 0 else person.email},,,118,No")
    if people:
        lines.append(f"{people[0].name},{people[0].email},,,3,No")  # joined again after a dropped connection
    lines.append("Phone caller (+52 55 5555 0199),,,,95,Yes")
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def populate(session: so.Session, cohort: Cohort, report) -> None:
    """The running cohort: attendance for the sessions that have started, most people present and a few absent;
    session 1 ticked on the checklist, later ones imported from the video tool's report; people without an account
    recorded by their coordinator (Lucía, for the Transit circle)."""
    if not cohort.trainers or _has_attendance(session, cohort):
        return
    trainer = cohort.trainers[0]
    participants = cohort_participants(session, cohort)
    with_account = [p for p in participants if p.user is not None]
    for number, cohort_session in enumerate(cohort.sessions):
        if not started(cohort_session):
            continue
        absent_roster_only = {"Graciela Pérez (no email)"} if number == 1 else set()
        roster_present = _record_roster_only(session, cohort, cohort_session, absent_roster_only)
        # A few different people miss each session; the participant logins (first on the roster) never do.
        present = [p for index, p in enumerate(with_account) if index < 3 or index % 7 != 4 + number]
        if number == 0:
            record_checklist(
                session, trainer, cohort, cohort_session, {p.membership.id for p in present} | roster_present
            )
        else:
            import_attendance(session, trainer, cohort, cohort_session, _report_csv(present), mark_missing_absent=True)
        report.lines.append(
            f"recorded attendance for {cohort_session.title!r}: {len(present) + len(roster_present)} present"
        )
    session.flush()


def populate_completed(session: so.Session, cohort: Cohort, report) -> None:
    """A completed core cohort: everyone attended every session but one person who missed one, and the trainer
    marked the cohort completed, so completions (and certificates) exist for the others."""
    if not cohort.trainers or cohort.status == CohortStatus.COMPLETED or not cohort.sessions:
        return
    trainer = cohort.trainers[0]
    if not _has_attendance(session, cohort):
        with_account = [p for p in cohort_participants(session, cohort) if p.user is not None]
        for number, cohort_session in enumerate(cohort.sessions):
            roster_present = _record_roster_only(session, cohort, cohort_session, set())
            present = {p.membership.id for p in with_account}
            if number == 1 and len(with_account) > 3:
                present.discard(with_account[-1].membership.id)  # missed one session: does not complete
            record_checklist(session, trainer, cohort, cohort_session, present | roster_present)
    last = cohort.sessions[-1]
    if not started(last):
        return
    done = complete_cohort(session, trainer, cohort, at=last.ends_at + timedelta(hours=2))
    report.lines.append(
        f"completed {cohort.label!r}: {len(done.completed)} completions, {len(done.not_qualified)} did not qualify"
    )
