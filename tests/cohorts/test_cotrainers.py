"""Nobody is made a trainer of a cohort without having agreed to train: whoever edits the cohort (a trainer of
the cohort only, a trainer of the course, an administrator) can add only people who already train the course
(made its trainers by an administrator) or administrators. Every trainer added or removed is in the audit log."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.cohorts import scheduling
from app.courses.models import Course
from app.extensions import db
from app.lib.errors import DomainError
from tests.cohorts.test_session_history import form_fields, post_rows, rows_of


def audit_events(action):
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture
def people(make_user, make_cohort):
    course_trainer = make_user(email="course.trainer@example.org")
    course = db.session.scalar(sa.select(Course).where(Course.slug == "power-and-participation"))
    course.trainers.append(course_trainer)
    db.session.commit()
    cohort_trainer = make_user(email="cohort.only@example.org")
    cohort = make_cohort(trainers=[cohort_trainer])
    return SimpleNamespace(
        cohort=cohort,
        course_trainer=course_trainer,
        cohort_trainer=cohort_trainer,
        admin=make_user(email="admin@example.org", is_admin=True),
        stranger=make_user(email="stranger@example.org"),
        other_course_trainer=_trainer_of_another_course(make_user),
    )


def _trainer_of_another_course(make_user):
    user = make_user(email="other.course@example.org")
    course = db.session.scalar(sa.select(Course).where(Course.slug == "organizing-fundamentals"))
    course.trainers.append(user)
    db.session.commit()
    return user


def post_trainers(client, cohort, emails):
    rest, rows = rows_of(form_fields(client, SimpleNamespace(cohort=cohort)))
    rest["trainers"] = "\n".join(emails)
    return post_rows(client, SimpleNamespace(cohort=cohort), rest, [r for r in rows if r.get("date")])


@pytest.mark.parametrize("editor", ["cohort_trainer", "course_trainer", "admin"])
@pytest.mark.parametrize("added", ["stranger", "other_course_trainer"])
def test_nobody_can_add_a_person_who_does_not_train_the_course(client, auth, people, editor, added):
    auth.login(getattr(people, editor).email)
    response = post_trainers(client, people.cohort, [people.cohort_trainer.email, getattr(people, added).email])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"{getattr(people, added).email} does not train Power and Participation" in page
    assert 'id="trainers-error"' in page
    db.session.expire_all()
    assert [t.email for t in people.cohort.trainers] == [people.cohort_trainer.email]
    assert audit_events("cohort.trainer_added") == []


@pytest.mark.parametrize("added", ["course_trainer", "admin"])
def test_a_cohort_trainer_adds_people_who_already_train_and_the_audit_log_says_who(client, auth, people, added):
    auth.login(people.cohort_trainer.email)
    person = getattr(people, added)
    response = post_trainers(client, people.cohort, [people.cohort_trainer.email, person.email])
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    db.session.expire_all()
    assert person in people.cohort.trainers
    (event,) = audit_events("cohort.trainer_added")
    assert event.actor_id == people.cohort_trainer.id and event.details == {"trainer": person.email}
    assert event.subject == f"cohort {people.cohort.id}"
    # Saving again adds nobody twice; taking someone off is recorded too.
    assert post_trainers(client, people.cohort, [people.cohort_trainer.email, person.email]).status_code == 302
    assert post_trainers(client, people.cohort, [people.cohort_trainer.email]).status_code == 302
    assert len(audit_events("cohort.trainer_added")) == 1
    (removed,) = audit_events("cohort.trainer_removed")
    assert removed.details == {"trainer": person.email}


def test_scheduling_a_cohort_cannot_make_a_stranger_its_trainer(people):
    course = people.cohort.course
    plan = scheduling.plan_of(people.cohort)
    with pytest.raises(DomainError) as refused:
        scheduling.schedule_cohort(
            db.session,
            course=course,
            label="New",
            host_timezone=plan.host_timezone,
            sessions=[
                scheduling.SessionPlan(s.local_start, s.plenary_minutes, s.breakout_minutes) for s in plan.sessions
            ],
            deadline_local=plan.deadline_local,
            capacity=plan.capacity,
            trainers=[people.course_trainer, people.stranger],
            actor=people.course_trainer,
        )
    assert refused.value.field == "trainers"
    db.session.rollback()


def test_the_cohort_s_own_trainers_stay_when_it_is_saved(people):
    """A trainer of the cohort only (added by the command line, which an operator runs) is kept on every save."""
    plan = scheduling.plan_of(people.cohort)
    scheduling.update_cohort(db.session, people.course_trainer, people.cohort, plan)
    db.session.commit()
    assert [t.email for t in people.cohort.trainers] == [people.cohort_trainer.email]
    assert audit_events("cohort.trainer_added") == audit_events("cohort.trainer_removed") == []
