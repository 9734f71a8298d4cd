"""The demo world's attendance: the running cohort's sessions so far, and the completed core cohort."""

import sqlalchemy as sa

from app.attendance import records
from app.attendance.models import Attendance, AttendanceSource
from app.cohorts.models import Cohort, CohortStatus
from app.demo.data import DEMO_PASSWORD, load_demo
from app.demo.learning import COMPLETED_LABEL, RUNNING_LABEL
from app.extensions import db
from app.groups.models import Group
from app.registration.models import Completion, Registration


def cohort_by_label(label: str) -> Cohort:
    return db.session.scalar(sa.select(Cohort).where(Cohort.label == label))


def test_demo_records_attendance_for_the_sessions_that_have_started(app, synced_courses):
    load_demo(db.session)
    db.session.commit()
    running = cohort_by_label(RUNNING_LABEL)

    counts = records.attendance_for(db.session, running)

    assert [c.has_started for c in counts] == [True, True, False]
    for count in counts[:2]:
        assert count.recorded == count.participants > 20
        assert count.participants - 6 <= count.present < count.participants  # most present, a few absent
    assert counts[2].recorded == 0
    sources = set(db.session.scalars(sa.select(Attendance.source).distinct()))
    assert sources == {AttendanceSource.CHECKLIST, AttendanceSource.IMPORT, AttendanceSource.COORDINATOR}


def test_demo_completed_cohort_unlocks_the_running_advanced_cohort(app, client, synced_courses):
    load_demo(db.session)
    db.session.commit()
    completed = cohort_by_label(COMPLETED_LABEL)
    transit = db.session.scalar(sa.select(Group).where(Group.name.like("Transit%")))
    running_registration = db.session.scalar(
        sa.select(Registration).where(
            Registration.group_id == transit.id, Registration.cohort_id == cohort_by_label(RUNNING_LABEL).id
        )
    )

    assert completed.status == CohortStatus.COMPLETED
    assert db.session.scalar(sa.select(sa.func.count(Completion.id)).where(Completion.cohort_id == completed.id)) >= 6
    assert running_registration.evidence is None  # confirmed on completions alone
    assert (
        client.submit("/login", {"email": "jorge.medina@members.example", "password": DEMO_PASSWORD}).status_code == 302
    )
    response = client.get(f"/cohorts/{completed.id}/certificate")
    assert response.status_code == 200 and "Jorge Medina" in response.get_data(as_text=True)


def test_loading_the_demo_again_records_nothing_new(app, synced_courses):
    load_demo(db.session)
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count(Attendance.id)))
    completions = db.session.scalar(sa.select(sa.func.count(Completion.id)))

    load_demo(db.session)
    db.session.commit()

    assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == before
    assert db.session.scalar(sa.select(sa.func.count(Completion.id))) == completions
