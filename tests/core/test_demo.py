"""`flask demo load` builds a believable world, once."""

import sqlalchemy as sa

from app.accounts.models import User
from app.cohorts.models import Cohort, CohortStatus
from app.extensions import db
from app.groups.models import Group
from app.lib.time import now_utc
from app.registration.models import Registration


def test_demo_load_creates_every_role_and_an_open_future_cohort(runner, synced_courses):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "admin@plenary.example" in result.output and "plenary-demo" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) >= 16
    assert db.session.scalar(sa.select(User).where(User.email == "admin@plenary.example")).is_admin
    groups = {g.name: g for g in db.session.scalars(sa.select(Group))}
    assert sorted(len(g.active_members) for g in groups.values()) == [3, 3, 3, 5, 11]
    all_cohorts = db.session.scalars(sa.select(Cohort)).all()
    assert sorted(c.course.slug for c in all_cohorts) == [
        "organizing-fundamentals",
        "organizing-fundamentals",
        "power-and-participation",
    ]
    assert all(c.status == CohortStatus.OPEN for c in all_cohorts)
    cohort = next(c for c in all_cohorts if c.course.slug == "power-and-participation")
    assert now_utc() < cohort.registration_deadline_at < cohort.sessions[0].starts_at
    assert [t.email for t in cohort.trainers] == ["trainer@plenary.example"]
    statuses = {r.group.name: r.status for r in db.session.scalars(sa.select(Registration))}
    assert statuses == {
        "Transit Workers Local 12 study circle": "confirmed",  # six members took the core course
        "Chennai domestic workers' forum": "pending",  # 5 of 10, and its experience awaits review
        "Market vendors' circle": "confirmed",
        "Boda riders' circle": "confirmed",
        "Waste pickers' circle": "waitlisted",  # the pilot cohort is full
    }


def test_demo_load_is_idempotent(runner, synced_courses):
    runner.invoke(args=["demo", "load"])
    counts = [db.session.scalar(sa.select(sa.func.count(m.id))) for m in (User, Group, Cohort)]
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    assert "already loaded" in again.output
    assert [db.session.scalar(sa.select(sa.func.count(m.id))) for m in (User, Group, Cohort)] == counts
