"""A course with `accepts_equivalent_experience: false` takes prerequisites from completions only: an attestation
is refused on every path (registering, sending one later, a trainer approving one) and no page offers the field."""

import pytest
import sqlalchemy as sa

from app.courses.models import Course
from app.extensions import db
from app.lib.errors import DomainError
from app.registration import pre_meetings, prerequisites, service
from app.registration.models import PrerequisiteEvidence, RegistrationStatus
from tests.registration.conftest import member_ids

S = RegistrationStatus
ATTESTATION = "Ten years of union organizing."


@pytest.fixture
def course(synced_courses):
    course = db.session.scalar(sa.select(Course).where(Course.slug == "power-and-participation"))
    course.min_group_size = 3
    db.session.commit()
    return course


def set_accepts(course, accepts: bool):
    course.accepts_equivalent_experience = accepts
    db.session.commit()


@pytest.fixture
def cohort(course, make_cohort, make_user):
    trainer = make_user(email="trainer@example.org", name="Trainer")
    return make_cohort("power-and-participation", capacity=30, min_group_size=3, trainers=[trainer])


@pytest.fixture
def strict(course, cohort):
    set_accepts(course, False)
    return cohort


def evidence_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(PrerequisiteEvidence))


def test_registering_with_an_attestation_is_refused(strict, make_group):
    group, coordinator = make_group(3)
    with pytest.raises(DomainError, match="does not accept equivalent experience") as refusal:
        service.register_group(db.session, coordinator, group, strict, member_ids(group), attestation=ATTESTATION)
    assert refusal.value.field == "attestation"


def test_sending_an_attestation_later_is_refused(strict, make_group):
    group, coordinator = make_group(3)
    registration = service.register_group(db.session, coordinator, group, strict, member_ids(group))
    db.session.commit()
    assert registration.status == S.PENDING
    with pytest.raises(DomainError, match="does not accept equivalent experience"):
        service.submit_attestation(db.session, coordinator, registration, ATTESTATION)
    db.session.rollback()
    assert evidence_count() == 0


def test_approving_an_attestation_sent_before_the_course_stopped_accepting_them_is_refused(course, cohort, make_group):
    group, coordinator = make_group(3)
    registration = service.register_group(
        db.session, coordinator, group, cohort, member_ids(group), attestation=ATTESTATION
    )
    db.session.commit()
    set_accepts(course, False)
    trainer = cohort.trainers[0]
    with pytest.raises(DomainError, match="does not accept equivalent experience"):
        service.review_evidence(db.session, trainer, registration, approve=True)
    db.session.rollback()
    assert registration.status == S.PENDING and registration.seats == 0
    assert prerequisites.checklist(db.session, registration).prerequisites.state == "missing"
    service.review_evidence(db.session, trainer, registration, approve=False, reason="Completions only here.")
    db.session.commit()
    assert registration.status == S.DECLINED


def test_an_approved_attestation_does_not_count_where_the_course_accepts_none(course, cohort, make_group):
    group, coordinator = make_group(3)
    registration = service.register_group(
        db.session, coordinator, group, cohort, member_ids(group), attestation=ATTESTATION
    )
    service.review_evidence(db.session, cohort.trainers[0], registration, approve=True)
    db.session.commit()
    assert prerequisites.prerequisites_of(db.session, registration).met
    set_accepts(course, False)
    assert not prerequisites.prerequisites_of(db.session, registration).met


def test_the_pages_do_not_offer_the_field_and_a_forged_post_is_refused(strict, make_group, client, auth):
    group, coordinator = make_group(3)
    auth.login(coordinator.email)
    new = f"/registrations/new/{strict.id}?group={group.id}"
    page = client.get(new).get_data(as_text=True)
    assert 'name="attestation"' not in page and "does not accept equivalent experience" in page

    forged = client.submit(new, {"members": member_ids(group), "attestation": ATTESTATION})
    assert forged.status_code == 422 and "does not accept equivalent experience" in forged.get_data(as_text=True)
    assert evidence_count() == 0

    assert client.submit(new, {"members": member_ids(group)}).status_code == 302
    registration = service.registrations_for_group(db.session, group)[0]
    detail = f"/registrations/{registration.id}"
    page = client.get(detail).get_data(as_text=True)
    assert 'name="attestation"' not in page and "does not accept equivalent experience" in page
    reply = client.post(
        f"{detail}/evidence",
        data={**_tokens(client, detail), "attestation": ATTESTATION},
        follow_redirects=True,
    )
    assert "does not accept equivalent experience" in reply.get_data(as_text=True)
    assert evidence_count() == 0


def test_a_trainer_cannot_approve_over_http_where_the_course_accepts_none(course, cohort, make_group, client, auth):
    group, coordinator = make_group(3)
    registration = service.register_group(
        db.session, coordinator, group, cohort, member_ids(group), attestation=ATTESTATION
    )
    db.session.commit()
    set_accepts(course, False)
    auth.login("trainer@example.org")
    detail = f"/registrations/{registration.id}"
    page = client.get(detail).get_data(as_text=True)
    assert 'name="approve"' not in page and 'name="decline"' in page  # declining stays possible
    reply = client.post(
        f"{detail}/review", data={**_tokens(client, detail), "approve": "Approve"}, follow_redirects=True
    )
    assert "does not accept equivalent experience" in reply.get_data(as_text=True)
    db.session.expire_all()
    assert registration.status == S.PENDING and registration.evidence.status == "pending"


def test_a_course_that_accepts_equivalent_experience_still_offers_the_field(cohort, make_group, client, auth):
    group, coordinator = make_group(3)
    auth.login(coordinator.email)
    page = client.get(f"/registrations/new/{cohort.id}?group={group.id}").get_data(as_text=True)
    assert 'name="attestation"' in page


def _tokens(client, page):
    from tests.conftest import csrf_tokens

    return csrf_tokens(client.get(page).get_data(as_text=True))


@pytest.mark.parametrize("what", ["register", "send later", "decline reason", "pre-meeting notes"])
def test_text_longer_than_its_bound_is_refused_by_the_service_on_every_path(course, cohort, make_group, what):
    """The forms bound these texts; the services bound them again, for every caller that is not a form."""
    from datetime import date

    group, coordinator = make_group(3)
    too_long = "x" * 20_000
    if what == "register":
        with pytest.raises(DomainError, match="at most") as refusal:
            service.register_group(db.session, coordinator, group, cohort, member_ids(group), attestation=too_long)
        assert refusal.value.field == "attestation"
        return
    registration = service.register_group(db.session, coordinator, group, cohort, member_ids(group))
    db.session.commit()
    with pytest.raises(DomainError, match="at most"):
        if what == "send later":
            service.submit_attestation(db.session, coordinator, registration, too_long)
        elif what == "decline reason":
            service.review_evidence(db.session, cohort.trainers[0], registration, approve=False, reason=too_long)
        else:
            pre_meetings.log_pre_meeting(
                db.session, coordinator, registration, held_on=date(2020, 1, 1), attendance=3, notes=too_long
            )
    db.session.rollback()
    assert evidence_count() == 0
