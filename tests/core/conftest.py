import pytest

from app.demo.data import load_demo
from app.extensions import db


@pytest.fixture
def demo_world(app, synced_courses):
    """The demo data (`flask demo load`): every role and every state a page can be in."""
    load_demo(db.session)
    db.session.commit()
