"""The registration state machine, every transition and every refusal."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.cohorts.models import CohortStatus
from app.extensions import db
from app.groups import invitations
from app.lib.errors import DomainError, Forbidden
from app.lib.time import now_utc
from app.registration import deadline, prerequisites, service
from app.registration.models import Completion, RegistrationStatus
from tests.conftest import outbox_messages
from tests.registration.conftest import member_ids

S = RegistrationStatus


@pytest.fixture
def core_cohort(make_cohort):
    """A cohort of the core course: no prerequisites, groups of 3 or more."""
    return make_cohort("organizing-fundamentals", capacity=10)


@pytest.fixture
def advanced_cohort(make_cohort, make_user):
    trainer = make_user(email="trainer@example.org", name="Trainer")
    return make_cohort("power-and-participation", capacity=30, trainers=[trainer]), trainer


def register(group, coordinator, cohort, count=None, attestation=None):
    registration = service.register_group(
        db.session, coordinator, group, cohort, member_ids(group, count), attestation=attestation
    )
    db.session.commit()
    return registration


def subjects():
    return [m.subject for m in outbox_messages()]


def test_a_group_at_the_threshold_with_seats_is_confirmed_and_told(make_group, core_cohort):
    group, coordinator = make_group(4)
    registration = register(group, coordinator, core_cohort)
    assert registration.status == S.CONFIRMED
    assert registration.seats == 4 and core_cohort.seats_taken == 4
    assert any("is confirmed" in s for s in subjects())


def test_a_group_below_the_threshold_waits_and_sees_what_is_missing(make_group, core_cohort):
    group, coordinator = make_group(2)
    registration = register(group, coordinator, core_cohort)
    assert registration.status == S.PENDING
    checklist = prerequisites.checklist(db.session, registration)
    assert (checklist.members, checklist.threshold, checklist.threshold_met) == (2, 3, False)
    assert core_cohort.seats_taken == 0


def test_growing_the_roster_to_the_threshold_confirms(make_group, make_user, core_cohort):
    group, coordinator = make_group(2)
    registration = register(group, coordinator, core_cohort)
    from app.groups import service as groups

    groups.add_roster_member(db.session, coordinator, group, "Doña Rosa")
    service.update_roster(db.session, coordinator, registration, member_ids(group))
    assert registration.status == S.CONFIRMED and registration.seats == 3


def test_a_full_cohort_waitlists_and_a_withdrawal_promotes_first_come_first_served(make_group, core_cohort):
    first, c1 = make_group(6, "First")
    second, c2 = make_group(4, "Second")
    third, c3 = make_group(3, "Third")
    r1 = register(first, c1, core_cohort)
    r2 = register(second, c2, core_cohort)  # 6 + 4 = 10: full
    r3 = register(third, c3, core_cohort)
    assert (r1.status, r2.status, r3.status) == (S.CONFIRMED, S.CONFIRMED, S.WAITLISTED)
    assert any("waitlist" in s for s in subjects())

    service.withdraw(db.session, c2, r2)
    db.session.commit()
    assert r2.status == S.WITHDRAWN and r2.seats == 0
    assert r3.status == S.CONFIRMED
    assert core_cohort.seats_taken == 9
    promoted = [m for m in outbox_messages() if m.kind == "registration_promoted"]
    assert [m.to_address for m in promoted] == [c3.email]
    assert (
        "A seat freed up: Third is confirmed" in promoted[0].subject
        and "moved from the waitlist" in promoted[0].body_text
    )


def test_shrinking_a_confirmed_roster_frees_seats_for_the_waitlist(make_group, core_cohort):
    big, c1 = make_group(8, "Big")
    small, c2 = make_group(3, "Small")
    r1 = register(big, c1, core_cohort)
    r2 = register(small, c2, core_cohort)
    assert r2.status == S.WAITLISTED
    service.update_roster(db.session, c1, r1, member_ids(big, 7))
    assert core_cohort.seats_taken == 10
    assert r2.status == S.CONFIRMED


def test_a_confirmed_group_cannot_grow_past_capacity_or_shrink_below_threshold(make_group, make_user, core_cohort):
    group, coordinator = make_group(10)
    registration = register(group, coordinator, core_cohort, count=9)
    other, c2 = make_group(3, "Other")
    register(other, c2, core_cohort)  # waitlisted: 1 seat left, needs 3

    invitations.join_with_code(db.session, make_user(), group.join_code)
    with pytest.raises(DomainError, match="Other groups are waiting for seats"):
        service.update_roster(db.session, coordinator, registration, member_ids(group, 10))
    with pytest.raises(DomainError, match="10 seats in all"):
        service.update_roster(db.session, coordinator, registration, member_ids(group, 11))
    with pytest.raises(DomainError, match="at least 3 members"):
        service.update_roster(db.session, coordinator, registration, member_ids(group, 2))
    assert registration.status == S.CONFIRMED and registration.seats == 9 and core_cohort.seats_taken == 9


def test_registering_twice_is_refused(make_group, core_cohort):
    group, coordinator = make_group(3)
    register(group, coordinator, core_cohort)
    with pytest.raises(DomainError, match="already registered"):
        register(group, coordinator, core_cohort)


def test_only_the_groups_coordinator_registers_it(make_group, make_user, core_cohort):
    group, _coordinator = make_group(3)
    with pytest.raises(Forbidden):
        service.register_group(db.session, make_user(), group, core_cohort, member_ids(group))


def test_the_roster_must_be_the_groups_own_active_members(make_group, core_cohort):
    group, coordinator = make_group(3)
    other, _ = make_group(3, "Other")
    with pytest.raises(DomainError, match="active members"):
        service.register_group(db.session, coordinator, group, core_cohort, member_ids(group) + member_ids(other, 1))


def test_registering_after_the_deadline_is_refused(make_group, make_cohort):
    cohort = make_cohort("organizing-fundamentals")
    cohort.registration_deadline_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    group, coordinator = make_group(3)
    with pytest.raises(DomainError, match="closed"):
        register(group, coordinator, cohort)


def test_registering_for_a_draft_cohort_is_refused(make_group, make_cohort):
    cohort = make_cohort("organizing-fundamentals", status=CohortStatus.DRAFT)
    group, coordinator = make_group(3)
    with pytest.raises(DomainError, match="closed"):
        register(group, coordinator, cohort)


def test_prerequisites_met_automatically_by_completions(make_group, advanced_cohort, synced_courses):
    cohort, _trainer = advanced_cohort
    group, coordinator = make_group(10)
    core = cohort.course.prerequisites[0]
    for membership in group.active_members[:5]:  # 50 % of the roster
        db.session.add(Completion(user_id=membership.user_id, course_id=core.id))
    db.session.commit()
    registration = register(group, coordinator, cohort)
    standing = prerequisites.prerequisites_of(db.session, registration)
    assert (standing.state, standing.completed, standing.needed) == ("met", 5, 5)
    assert registration.status == S.CONFIRMED


def test_attestation_waits_for_review_then_approval_confirms(make_group, advanced_cohort):
    cohort, trainer = advanced_cohort
    group, coordinator = make_group(10)
    registration = register(group, coordinator, cohort, attestation="We ran a **tenants' campaign** for 3 years.")
    assert registration.status == S.PENDING
    assert prerequisites.prerequisites_of(db.session, registration).state == "review"
    with pytest.raises(Forbidden):
        service.review_evidence(db.session, coordinator, registration, approve=True)
    service.review_evidence(db.session, trainer, registration, approve=True)
    assert registration.status == S.CONFIRMED
    assert registration.evidence.decided_by_id == trainer.id and registration.evidence.decided_at is not None


def test_declining_needs_a_reason_which_the_coordinator_receives(make_group, advanced_cohort):
    cohort, trainer = advanced_cohort
    group, coordinator = make_group(10)
    registration = register(group, coordinator, cohort, attestation="We are keen.")
    with pytest.raises(DomainError) as caught:
        service.review_evidence(db.session, trainer, registration, approve=False, reason=" ")
    assert caught.value.field == "reason"
    service.review_evidence(db.session, trainer, registration, approve=False, reason="Take the core course first.")
    db.session.commit()
    assert registration.status == S.DECLINED
    declined = [m for m in outbox_messages() if m.kind == "registration_declined"]
    assert declined and "Take the core course first." in declined[0].body_text
    # The group can try again with a better account of its experience.
    service.submit_attestation(db.session, coordinator, registration, "We organized 4 workplaces since 2019.")
    assert registration.status == S.PENDING


def test_closing_registration_lapses_incomplete_groups_once(make_group, make_cohort):
    cohort = make_cohort("organizing-fundamentals", capacity=3)
    complete, c1 = make_group(3, "Complete")
    small, c2 = make_group(2, "Small")
    waiting, c3 = make_group(3, "Waiting")
    r1, r2, r3 = register(complete, c1, cohort), register(small, c2, cohort), register(waiting, c3, cohort)
    assert (r1.status, r2.status, r3.status) == (S.CONFIRMED, S.PENDING, S.WAITLISTED)
    cohort.registration_deadline_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    lapsed = deadline.close_due_registrations(db.session)
    db.session.commit()
    assert {r.id for r in lapsed} == {r2.id, r3.id}
    assert (r1.status, r2.status, r3.status) == (S.CONFIRMED, S.LAPSED, S.LAPSED)
    assert cohort.status == CohortStatus.CLOSED
    emails = len(outbox_messages())
    assert deadline.close_due_registrations(db.session) == []
    assert len(outbox_messages()) == emails


def test_close_registration_command_is_safe_to_repeat(runner, make_group, make_cohort):
    cohort = make_cohort("organizing-fundamentals")
    small, c = make_group(2)
    register(small, c, cohort)
    cohort.registration_deadline_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    first = runner.invoke(args=["cohorts", "close-registration"])
    second = runner.invoke(args=["cohorts", "close-registration"])
    assert first.exit_code == 0 and "1 registration(s) lapsed" in first.output
    assert second.exit_code == 0 and "0 registration(s) lapsed" in second.output


def test_seat_count_never_goes_past_capacity_whatever_the_order(make_group, make_cohort):
    cohort = make_cohort("organizing-fundamentals", capacity=10)
    for n in range(6):
        group, coordinator = make_group(3, f"G{n}")
        register(group, coordinator, cohort)
    db.session.refresh(cohort)
    from app.registration.models import Registration

    held = db.session.scalar(sa.select(sa.func.sum(Registration.seats)).where(Registration.cohort_id == cohort.id))
    assert cohort.seats_taken == held == 9
    assert cohort.seats_taken <= cohort.capacity


def test_a_member_leaving_a_confirmed_group_gives_the_seat_back_and_the_waitlist_moves(make_group, make_cohort):
    from app.groups import service as groups

    cohort = make_cohort("organizing-fundamentals", capacity=6)
    first, c1 = make_group(4, "First")
    second, c2 = make_group(3, "Second")
    r1, r2 = register(first, c1, cohort), register(second, c2, cohort)
    assert (r1.status, r2.status, cohort.seats_taken) == (S.CONFIRMED, S.WAITLISTED, 4)
    leaver = first.active_members[-1].user
    groups.leave_group(db.session, leaver, first)
    db.session.commit()
    db.session.refresh(cohort)
    assert r1.status == S.CONFIRMED and r1.seats == 3 and len(r1.active_roster) == 3
    assert r2.status == S.CONFIRMED and cohort.seats_taken == 6  # 3 + 3: the freed seat let the second group in
