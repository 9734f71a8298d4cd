"""Seats are never oversold: many coordinators confirm at the same moment against a real server."""

import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.groups import service as groups
from app.registration.models import Registration, RegistrationStatus
from tests.conftest import csrf_tokens
from tests.tools.http_client import HttpSession
from tests.tools.live_server import gunicorn, server_env
from tests.tools.race import race

GROUPS = 16
GROUP_SIZE = 3
CAPACITY = 20  # room for 6 groups of 3, with 2 seats to spare


def test_concurrent_registrations_never_oversell(app, db_url, tmp_path, make_cohort, make_user):
    cohort = make_cohort("organizing-fundamentals", capacity=CAPACITY)
    coordinators = []
    for n in range(GROUPS):
        coordinator = make_user(email=f"coordinator{n}@example.org")
        group = groups.create_group(db.session, coordinator, name=f"Group {n}", organization=f"Union {n}")
        for _ in range(GROUP_SIZE - 1):
            groups.add_roster_member(db.session, coordinator, group, f"Member of {n}")
        db.session.commit()
        coordinators.append((coordinator.email, group.id, [m.id for m in group.active_members]))

    cohort_id = cohort.id  # the threads have no application context to load it in
    with gunicorn(server_env(db_url), tmp_path / "gunicorn.log", workers=2, threads=8) as url:

        def registration(email: str, group_id: int, members: list[int]):
            def prepare():
                session = HttpSession(url)
                session.login(email, "correct horse battery")
                page = f"/registrations/new/{cohort_id}?group={group_id}"
                data = {**csrf_tokens(session.get(page).text), "members": members}
                return lambda: session.request(page, data)

            return prepare

        replies = race([registration(*coordinator) for coordinator in coordinators])

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


CLIENTS = 8


def _register_at_once(url, email, page, members):
    """CLIENTS signed-in sessions of one coordinator post the same registration at the same instant."""

    def prepare():
        session = HttpSession(url)
        session.login(email, "correct horse battery")
        data = {**csrf_tokens(session.get(page).text), "members": members}
        return lambda: session.request(page, data)

    return race([prepare] * CLIENTS)


def test_one_group_registered_twice_at_once_gets_one_registration_and_a_clear_answer(
    app, db_url, tmp_path, make_cohort, make_user
):
    """Every request passes the "already registered?" check before any commits: the unique (cohort, group) pair,
    and the cohort's lock, must turn the others into the form's refusal (422), never a 500 or a second seat count.
    Also for a group registering again after withdrawing (the same row is reused)."""
    cohort = make_cohort("organizing-fundamentals", capacity=20)
    coordinator = make_user(email="coordinator@example.org")
    group = groups.create_group(db.session, coordinator, name="Tenants", organization="Union")
    for n in range(3):
        groups.add_roster_member(db.session, coordinator, group, f"Member {n}")
    db.session.commit()
    members = [m.id for m in group.active_members]
    page = f"/registrations/new/{cohort.id}?group={group.id}"

    with gunicorn(server_env(db_url), tmp_path / "gunicorn.log", workers=2, threads=8) as url:
        first = _register_at_once(url, coordinator.email, page, members)
        db.session.expire_all()
        registration = db.session.scalar(sa.select(Registration).where(Registration.group_id == group.id))
        from app.registration import service

        service.withdraw(db.session, coordinator, registration)
        db.session.commit()
        again = _register_at_once(url, coordinator.email, page, members)

    for replies in (first, again):
        statuses = sorted(r.status for r in replies if r is not None)
        assert statuses == [302] + [422] * (CLIENTS - 1), statuses
        assert all("already registered" in r.text for r in replies if r.status == 422)
    db.session.expire_all()
    registrations = db.session.scalars(sa.select(Registration).where(Registration.cohort_id == cohort.id)).all()
    db.session.refresh(cohort)
    assert len(registrations) == 1 and registrations[0].status == RegistrationStatus.CONFIRMED
    assert cohort.seats_taken == registrations[0].seats == 4


def test_capacity_lowered_while_seats_are_taken_never_goes_below_the_seats_taken(app, make_cohort, make_user):
    """A trainer lowers the capacity while groups register at the same instant, each in its own connection:
    whatever the order, capacity >= seats taken == the confirmed seats, and the trainer is either obeyed or told
    why not (a DomainError), never left with an oversold cohort."""
    import dataclasses

    from flask import current_app

    from app.cohorts import scheduling
    from app.cohorts.models import Cohort
    from app.lib.errors import DomainError
    from app.registration import service

    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one write transaction at a time (BEGIN IMMEDIATE): these cannot overlap there")
    flask_app = current_app._get_current_object()
    trainer = make_user(email="trainer@example.org")
    cohort = make_cohort("organizing-fundamentals", capacity=30, trainers=[trainer])
    entrants = []
    for n in range(GROUPS // 2):
        coordinator = make_user(email=f"coordinator{n}@example.org")
        group = groups.create_group(db.session, coordinator, name=f"Group {n}", organization=f"Union {n}")
        for _ in range(GROUP_SIZE - 1):
            groups.add_roster_member(db.session, coordinator, group, f"Member of {n}")
        db.session.commit()
        entrants.append((coordinator.id, group.id))
    barrier = threading.Barrier(len(entrants) + 1)
    outcomes = []

    def register(coordinator_id: int, group_id: int) -> None:
        with flask_app.app_context():
            coordinator, group = db.session.get(User, coordinator_id), db.session.get(Group, group_id)
            target = db.session.get(Cohort, cohort.id)
            members = [m.id for m in group.active_members]
            barrier.wait()
            try:
                service.register_group(db.session, coordinator, group, target, members)
                db.session.commit()
                outcomes.append("registered")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    def lower_capacity() -> None:
        with flask_app.app_context():
            target = db.session.get(Cohort, cohort.id)  # read before the others take their seats
            plan = dataclasses.replace(scheduling.plan_of(target), capacity=GROUP_SIZE * 3)
            actor = db.session.get(User, trainer.id)
            barrier.wait()
            try:
                scheduling.update_cohort(db.session, actor, target, plan)
                db.session.commit()
                outcomes.append("lowered")
            except DomainError:
                db.session.rollback()
                outcomes.append("lowering refused")
            finally:
                db.session.remove()

    from app.accounts.models import User
    from app.groups.models import Group

    threads = [threading.Thread(target=register, args=entrant) for entrant in entrants]
    threads.append(threading.Thread(target=lower_capacity))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(outcomes) == len(threads), outcomes  # every thread finished with an answer, none with a crash
    db.session.expire_all()
    db.session.refresh(cohort)
    confirmed = db.session.scalars(
        sa.select(Registration).where(
            Registration.cohort_id == cohort.id, Registration.status == RegistrationStatus.CONFIRMED
        )
    ).all()
    assert cohort.seats_taken == sum(r.seats for r in confirmed) <= cohort.capacity, outcomes
    assert ("lowered" in outcomes) == (cohort.capacity == GROUP_SIZE * 3)


def test_capacity_lowered_on_a_stale_seat_count_is_refused(app, make_cohort, make_user):
    """The interleaving that loses: the trainer's request reads the cohort (no seats taken yet), a coordinator's
    request takes 4 seats and commits, then the trainer's request lowers the capacity to 3. The check must be made
    on the seat count under the cohort's lock, not on what the trainer's request read first."""
    import dataclasses

    from app.cohorts import scheduling
    from app.cohorts.models import Cohort
    from app.lib.errors import DomainError
    from app.registration import service

    trainer = make_user(email="trainer@example.org")
    cohort = make_cohort("organizing-fundamentals", capacity=30, trainers=[trainer])
    coordinator = make_user(email="coordinator@example.org")
    group = groups.create_group(db.session, coordinator, name="Tenants", organization="Union")
    for n in range(3):
        groups.add_roster_member(db.session, coordinator, group, f"Member {n}")
    db.session.commit()
    cohort_id, group_id, trainer_id, coordinator_id = cohort.id, group.id, trainer.id, coordinator.id
    from app.accounts.models import User
    from app.groups.models import Group

    with app.app_context():  # the trainer's request
        target = db.session.get(Cohort, cohort_id)
        assert target.seats_taken == 0
        plan = dataclasses.replace(scheduling.plan_of(target), capacity=3)
        with app.app_context():  # a coordinator's request, committed in between
            other = db.session.get(Group, group_id)
            service.register_group(
                db.session,
                db.session.get(User, coordinator_id),
                other,
                db.session.get(Cohort, cohort_id),
                [m.id for m in other.active_members],
            )
            db.session.commit()
            db.session.remove()
        with pytest.raises(DomainError, match="4 seats are already taken"):
            scheduling.update_cohort(db.session, db.session.get(User, trainer_id), target, plan)
        db.session.rollback()
        db.session.remove()
    db.session.expire_all()
    db.session.refresh(cohort)
    assert (cohort.capacity, cohort.seats_taken) == (30, 4)
