"""Who may open this area's pages (merged into tests/core/test_pages.py, which checks every GET route)."""

import sqlalchemy as sa

from app.cohorts.models import Cohort
from app.extensions import db
from app.groups.models import Group
from tests.core.roles import COHORT_TRAINERS, GROUP_COORDINATORS, LOGIN, SIGNED_IN, access

EXPECTED: dict[str, dict] = {
    # Everyone signed in has a home; people without a place in a cohort see the friendly empty state.
    "learning.home": SIGNED_IN,
    # The running cohort's participants (all three groups; Lucía is on the Transit roster), its trainer and admins.
    "learning.reading": access(200, anonymous=LOGIN, other_trainer=403),
    "learning.reading_progress": COHORT_TRAINERS,
    # Lucía coordinates Transit; nobody else but admins sees even the counts (another coordinator neither).
    "learning.group_commitments": GROUP_COORDINATORS,
}


def url_arguments() -> dict:
    """Sample values for this area's URL parameters, taken from the demo world (the test's database)."""
    from app.demo.learning import RUNNING_LABEL

    running = db.session.scalar(sa.select(Cohort).where(Cohort.label == RUNNING_LABEL))
    transit = db.session.scalar(sa.select(Group).where(Group.name.like("Transit%")))
    return {"cohort_id": running.id, "group_id": transit.id, "reading_slug": "preface-and-introduction"}
