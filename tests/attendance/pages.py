"""Who may open this area's pages (merged into tests/core/test_pages.py, which checks every GET route)."""

import sqlalchemy as sa

from app.cohorts.models import Cohort
from app.extensions import db
from app.groups.models import Group

TRAINERS_ONLY = {"anonymous": "login", "participant": 403, "coordinator": 403, "trainer": 200, "admin": 200}

EXPECTED: dict[str, dict] = {
    "attendance.trainer_page": TRAINERS_ONLY,
    "attendance.attendance_csv": TRAINERS_ONLY,
    # Lucía coordinates the Transit group; its members and the trainer have no business recording its attendance.
    "attendance.group_page": {
        "anonymous": "login",
        "participant": 403,
        "coordinator": 200,
        "trainer": 403,
        "admin": 200,
    },
    # The running cohort is not completed, so nobody holds a certificate for it yet (tests/attendance/test_views.py
    # opens Jorge's and Lucía's certificates of the demo's completed core cohort).
    "attendance.certificate": {
        "anonymous": "login",
        "participant": 404,
        "coordinator": 404,
        "trainer": 404,
        "admin": 404,
    },
}


def url_arguments() -> dict:
    """Sample values for this area's URL parameters, taken from the demo world (the test's database)."""
    from app.demo.data import RUNNING_LABEL

    running = db.session.scalar(sa.select(Cohort).where(Cohort.label == RUNNING_LABEL))
    transit = db.session.scalar(sa.select(Group).where(Group.name.like("Transit%")))
    return {"cohort_id": running.id, "group_id": transit.id}
