"""Who may open this area's pages (merged into tests/core/test_pages.py, which checks every GET route)."""

import sqlalchemy as sa

from app.cohorts.models import Cohort
from app.extensions import db
from app.groups.models import Group

EXPECTED: dict[str, dict] = {
    # Everyone signed in has a home; trainers and admins without a place in a cohort see the friendly empty state.
    "learning.home": {"anonymous": "login", "participant": 200, "coordinator": 200, "trainer": 200, "admin": 200},
    # Lucía (coordinator) is on the Transit roster, so she reads as a participant.
    "learning.reading": {"anonymous": "login", "participant": 200, "coordinator": 200, "trainer": 200, "admin": 200},
    "learning.reading_progress": {
        "anonymous": "login",
        "participant": 403,
        "coordinator": 403,
        "trainer": 200,
        "admin": 200,
    },
    # Lucía coordinates Transit; nobody else but admins sees even the counts.
    "learning.group_commitments": {
        "anonymous": "login",
        "participant": 403,
        "coordinator": 200,
        "trainer": 403,
        "admin": 200,
    },
}


def url_arguments() -> dict:
    """Sample values for this area's URL parameters, taken from the demo world (the test's database)."""
    from app.demo.data import RUNNING_LABEL

    running = db.session.scalar(sa.select(Cohort).where(Cohort.label == RUNNING_LABEL))
    transit = db.session.scalar(sa.select(Group).where(Group.name.like("Transit%")))
    return {"cohort_id": running.id, "group_id": transit.id, "reading_slug": "preface-and-introduction"}
