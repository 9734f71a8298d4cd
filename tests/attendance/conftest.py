"""Helpers for the attendance tests: rooms made directly with the models, cohorts moved into the past, and a
cohort of the advanced course (which has a pre-meeting) with confirmed groups."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from app.cohorts.models import CohortStatus
from app.extensions import db
from app.groups import invitations
from app.lib.time import now_utc


@pytest.fixture
def make_rooms(place_in_rooms):
    return place_in_rooms


def move_to_past(cohort, days_ago: int) -> None:
    """Move a registered cohort back in time so its first session began `days_ago` days ago; mark it running."""
    shift = now_utc() - timedelta(days=days_ago) - cohort.sessions[0].starts_at
    for cohort_session in cohort.sessions:
        cohort_session.starts_at += shift
    cohort.registration_deadline_at += shift
    cohort.status = CohortStatus.RUNNING
    db.session.commit()


@pytest.fixture
def finished_cohort(make_running_cohort):
    """A cohort of organizing-fundamentals (3 sessions, all required, no pre-meeting) whose sessions are all over."""

    def make(group_sizes=(3, 3), **kwargs):
        return make_running_cohort(group_sizes, started_days_ago=30, **kwargs)

    return make


@pytest.fixture
def advanced_cohort(make_cohort, make_user):
    """A cohort of power-and-participation (2 of 3 sessions, a pre-meeting required), all sessions over, with
    groups confirmed on attested experience; `pre_meetings` says which groups logged their pre-meeting."""
    from app.groups import service as groups
    from app.registration.models import RegistrationStatus
    from app.registration.participants import cohort_participants
    from app.registration.pre_meetings import log_pre_meeting
    from app.registration.service import register_group, review_evidence

    def make(group_sizes=(3, 3), pre_meetings=(True, False), days_ago: int = 30):
        trainer = make_user(name="Advanced Trainer")
        cohort = make_cohort("power-and-participation", trainers=[trainer], label="Advanced")
        cohort.min_group_size = 2  # the course asks for 10: smaller groups keep these tests quick
        made = []
        for index, size in enumerate(group_sizes):
            coordinator = make_user(name=f"Advanced Coordinator {index}")
            group = groups.create_group(db.session, coordinator, name=f"Advanced group {index}", organization="Org")
            members = [coordinator]
            for _ in range(size - 1):
                member = make_user()
                invitations.join_with_code(db.session, member, group.join_code)
                members.append(member)
            registration = register_group(
                db.session,
                coordinator,
                group,
                cohort,
                [m.id for m in group.active_members],
                attestation="We have organized together for years.",
            )
            review_evidence(db.session, trainer, registration, approve=True)
            assert registration.status == RegistrationStatus.CONFIRMED
            if pre_meetings[index]:
                log_pre_meeting(
                    db.session, coordinator, registration, held_on=date.today() - timedelta(days=1), attendance=size
                )
            made.append(
                SimpleNamespace(group=group, coordinator=coordinator, members=members, registration=registration)
            )
        db.session.commit()
        move_to_past(cohort, days_ago)
        return SimpleNamespace(
            cohort=cohort, trainer=trainer, groups=made, participants=cohort_participants(db.session, cohort)
        )

    return make


def login(client, user) -> None:
    """Log in as `user` (logging out whoever was logged in on this client first)."""
    if client.get("/login").status_code == 302:
        client.submit("/logout", page="/groups")
    response = client.submit("/login", {"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 302, response.status_code
