"""Who may open this area's pages (merged into tests/core/test_pages.py, which checks every GET route)."""

import sqlalchemy as sa

from tests.core.roles import COHORT_TRAINERS as TRAINERS_ONLY

EXPECTED: dict[str, dict] = {
    "breakouts.page": TRAINERS_ONLY,
    "breakouts.breakout_csv": TRAINERS_ONLY,
    "breakouts.roster_csv": TRAINERS_ONLY,
}


def url_arguments() -> dict:
    """Sample values for this area's URL parameters, taken from the demo world (the test's database): the running
    demo cohort, which has standing rooms."""
    from app.cohorts.models import Cohort
    from app.demo.learning import RUNNING_LABEL
    from app.extensions import db

    running = db.session.scalar(sa.select(Cohort).where(Cohort.label == RUNNING_LABEL))
    return {"cohort_id": running.id} if running is not None else {}
