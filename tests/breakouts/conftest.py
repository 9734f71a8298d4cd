import pytest

from app.extensions import db
from app.groups import invitations
from app.registration.service import update_roster


@pytest.fixture
def add_late_joiner(make_user):
    """A person who joins the first group of a running cohort's world and is added to its confirmed roster after
    rooms were made; returns their membership."""

    def add(world, name: str = "Late Joiner"):
        group = world.groups[0]
        late = make_user(name=name)
        invitations.join_with_code(db.session, late, group.group.join_code)
        db.session.flush()
        update_roster(db.session, group.coordinator, group.registration, [m.id for m in group.group.active_members])
        db.session.commit()
        return next(m for m in group.group.memberships if m.user_id == late.id)

    return add
