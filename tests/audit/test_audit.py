"""Sensitive actions land in the audit log, which only administrators can read."""

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.audit.service import record
from app.extensions import db
from app.groups import invitations
from app.groups import service as groups
from app.registration.service import register_group, review_evidence


def login(client, user):
    assert client.submit("/login", {"email": user.email, "password": "correct horse battery"}).status_code == 302


def actions() -> list[tuple[str, str | None]]:
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
    return [(e.action, e.actor.email if e.actor else None) for e in events]


@pytest.fixture
def reviewed_world(make_user, make_cohort):
    trainer = make_user(email="trainer@example.org", name="Tess Trainer")
    cohort = make_cohort("power-and-participation", trainers=[trainer])
    coordinator = make_user(email="coord@example.org")
    group = groups.create_group(db.session, coordinator, name="Riders", organization="Riders' union")
    member = make_user(email="member@example.org")
    invitations.join_with_code(db.session, member, group.join_code)
    registration = register_group(
        db.session, coordinator, group, cohort, [m.id for m in group.active_members], attestation="We organize."
    )
    review_evidence(db.session, trainer, registration, approve=False, reason="Tell us more about your campaign.")
    groups.make_coordinator(db.session, coordinator, group, group.active_members[1].id)
    db.session.commit()
    return trainer, cohort, coordinator


def test_decisions_role_changes_and_exports_are_recorded_with_who(client, reviewed_world):
    trainer, cohort, coordinator = reviewed_world
    login(client, trainer)
    assert client.get(f"/cohorts/{cohort.id}/roster.csv").status_code == 200
    assert actions() == [
        ("prerequisite.declined", "trainer@example.org"),
        ("group.coordinator_added", "coord@example.org"),
        ("export.roster_csv", "trainer@example.org"),
    ]
    declined = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "prerequisite.declined"))
    assert declined.details["reason"] == "Tell us more about your campaign."
    export = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.roster_csv"))
    assert export.subject == f"cohort {cohort.id}" and export.ip_address == "127.0.0.1"  # from the request


def test_only_administrators_read_the_log(app, client, reviewed_world, make_user):
    trainer, _cohort, _coordinator = reviewed_world
    login(client, trainer)
    assert client.get("/admin/audit").status_code == 403
    admin = app.test_client()
    login(admin, make_user(email="admin@example.org", is_admin=True))
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "Prerequisite evidence declined" in page and "Tess Trainer" in page
    filtered = admin.get("/admin/audit?action=group.coordinator_added").get_data(as_text=True)
    assert "Made a group coordinator" in filtered and "Prerequisite evidence declined</th>" not in filtered


def test_an_unknown_action_is_a_programming_error(app):
    with pytest.raises(ValueError):
        record(db.session, None, "something.else")
