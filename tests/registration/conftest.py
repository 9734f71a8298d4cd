import pytest

from app.extensions import db
from app.groups import invitations
from app.groups import service as groups


@pytest.fixture
def make_group(app, make_user):
    """A group with a coordinator and `size - 1` more active members (all with accounts)."""

    def make(size: int = 10, name: str = "Group"):
        coordinator = make_user(name=f"{name} coordinator")
        group = groups.create_group(db.session, coordinator, name=name, organization=f"{name} union")
        for _ in range(size - 1):
            invitations.join_with_code(db.session, make_user(), group.join_code)
        db.session.commit()
        return group, coordinator

    return make


def member_ids(group, count: int | None = None) -> list[int]:
    ids = [m.id for m in group.active_members]
    return ids if count is None else ids[:count]
