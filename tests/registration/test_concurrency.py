"""Seats are never oversold: many coordinators confirm at the same moment against a real server."""

import threading

import sqlalchemy as sa

from app.extensions import db
from app.groups import service as groups
from app.registration.models import Registration, RegistrationStatus
from tests.conftest import csrf_tokens
from tests.tools.http_client import HttpSession
from tests.tools.live_server import gunicorn, server_env

GROUPS = 16
GROUP_SIZE = 3
CAPACITY = 20  # room for 6 groups of 3, with 2 seats to spare


def test_concurrent_registrations_never_oversell(app, db_url, tmp_path, make_cohort, make_user):
    from tests.registration.conftest import member_ids  # noqa: F401

    cohort = make_cohort("organizing-fundamentals", capacity=CAPACITY)
    coordinators = []
    for n in range(GROUPS):
        coordinator = make_user(email=f"coordinator{n}@example.org")
        group = groups.create_group(db.session, coordinator, name=f"Group {n}", organization=f"Union {n}")
        for _ in range(GROUP_SIZE - 1):
            groups.add_roster_member(db.session, coordinator, group, f"Member of {n}")
        db.session.commit()
        coordinators.append((coordinator.email, group.id, [m.id for m in group.active_members]))

    with gunicorn(server_env(db_url), tmp_path / "gunicorn.log", workers=2, threads=8) as url:
        sessions = []
        for email, group_id, _members in coordinators:
            session = HttpSession(url)
            session.login(email, "correct horse battery")
            page = f"/registrations/new/{cohort.id}?group={group_id}"
            sessions.append((session, page, session.get(page).text))
        barrier = threading.Barrier(GROUPS)
        replies = [None] * GROUPS

        def register(index: int) -> None:
            session, page, form_page = sessions[index]
            data = {**csrf_tokens(form_page), "members": coordinators[index][2]}
            barrier.wait()
            replies[index] = session.request(page, data)

        threads = [threading.Thread(target=register, args=(i,)) for i in range(GROUPS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert all(r is not None and r.status == 302 for r in replies), [r and r.status for r in replies]
    db.session.expire_all()
    registrations = db.session.scalars(sa.select(Registration).where(Registration.cohort_id == cohort.id)).all()
    confirmed = [r for r in registrations if r.status == RegistrationStatus.CONFIRMED]
    waitlisted = [r for r in registrations if r.status == RegistrationStatus.WAITLISTED]
    db.session.refresh(cohort)
    assert len(registrations) == GROUPS
    assert sum(r.seats for r in confirmed) == cohort.seats_taken
    assert cohort.seats_taken <= CAPACITY
    assert len(confirmed) == CAPACITY // GROUP_SIZE  # as many as fit: none lost, none oversold
    assert len(waitlisted) == GROUPS - len(confirmed)
