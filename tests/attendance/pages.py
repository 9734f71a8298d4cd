"""Who may open this area's pages (merged into tests/core/test_pages.py, which checks every GET route)."""

import sqlalchemy as sa

from app.cohorts.models import Cohort
from app.extensions import db
from app.groups.models import Group
from tests.core.roles import COHORT_TRAINERS, GROUP_COORDINATORS, LOGIN, access

EXPECTED: dict[str, dict] = {
    "attendance.trainer_page": COHORT_TRAINERS,
    "attendance.attendance_csv": COHORT_TRAINERS,
    # Lucía coordinates the Transit group; its members, other coordinators and the trainers have no business here.
    "attendance.group_page": GROUP_COORDINATORS,
    # The running cohort is not completed, so nobody holds a certificate for it yet (tests/attendance/test_views.py
    # opens Jorge's and Lucía's certificates of the demo's completed core cohort).
    "attendance.certificate": access(404, anonymous=LOGIN),
}


def url_arguments() -> dict:
    """Sample values for this area's URL parameters, taken from the demo world (the test's database)."""
    from app.demo.learning import RUNNING_LABEL

    running = db.session.scalar(sa.select(Cohort).where(Cohort.label == RUNNING_LABEL))
    transit = db.session.scalar(sa.select(Group).where(Group.name.like("Transit%")))
    return {"cohort_id": running.id, "group_id": transit.id}
