"""`flask demo load` builds a believable world, once."""

import sqlalchemy as sa

from app.accounts.models import User
from app.cohorts.models import Cohort, CohortStatus
from app.extensions import db
from app.groups.models import Group
from app.lib.time import now_utc
from app.registration.models import Registration


def test_demo_load_creates_every_role_and_cohorts_in_every_state(runner, synced_courses):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "admin@plenary.example" in result.output and "plenary-demo" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) >= 16
    assert db.session.scalar(sa.select(User).where(User.email == "admin@plenary.example")).is_admin
    groups = {g.name: g for g in db.session.scalars(sa.select(Group))}
    # (the recyclers' collective, 4, uses Plenary in Brazilian Portuguese)
    assert sorted(len(g.active_members) for g in groups.values()) == [3, 3, 3, 4, 5, 10, 10, 11]
    all_cohorts = db.session.scalars(sa.select(Cohort)).all()
    by_status = sorted((c.status, c.course.slug) for c in all_cohorts)
    assert by_status == [
        ("completed", "organizing-fundamentals"),
        ("open", "organizing-fundamentals"),
        ("open", "organizing-fundamentals"),
        ("open", "power-and-participation"),
        ("running", "power-and-participation"),
    ]
    cohort = next(c for c in all_cohorts if c.course.slug == "power-and-participation" and c.status == "open")
    assert now_utc() < cohort.registration_deadline_at < cohort.sessions[0].starts_at
    assert [t.email for t in cohort.trainers] == ["trainer@plenary.example"]
    running = next(c for c in all_cohorts if c.status == CohortStatus.RUNNING)
    assert running.sessions[0].starts_at < now_utc() < running.sessions[-1].starts_at
    statuses = {(r.group.name, r.cohort.status): r.status for r in db.session.scalars(sa.select(Registration))}
    assert statuses == {
        ("Transit Workers Local 12 study circle", "completed"): "confirmed",
        # Its members' completions of the core course met the advanced course's prerequisite.
        ("Transit Workers Local 12 study circle", "running"): "confirmed",
        ("Hotel housekeepers' committee", "running"): "confirmed",  # experience approved by the trainer
        ("Garment workers' study group", "running"): "confirmed",
        ("Chennai domestic workers' forum", "open"): "pending",  # 5 of 10, and its experience awaits review
        ("Market vendors' circle", "open"): "confirmed",
        ("Boda riders' circle", "open"): "confirmed",
        ("Waste pickers' circle", "open"): "waitlisted",  # the pilot cohort is full
    }


def test_demo_load_is_idempotent(runner, synced_courses):
    runner.invoke(args=["demo", "load"])
    counts = [db.session.scalar(sa.select(sa.func.count(m.id))) for m in (User, Group, Cohort)]
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    assert "already loaded" in again.output
    assert [db.session.scalar(sa.select(sa.func.count(m.id))) for m in (User, Group, Cohort)] == counts
