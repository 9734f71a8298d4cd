"""Group rules: coordinators, invitations, join links, roster members, leaving."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.groups import invitations, service
from app.groups.models import GroupMembership, MembershipRole, MembershipStatus
from app.lib.errors import DomainError, Forbidden
from app.lib.time import now_utc
from tests.conftest import outbox_messages


@pytest.fixture
def coordinator(make_user):
    return make_user(email="coord@example.org", name="Coordinator")


@pytest.fixture
def group(coordinator):
    group = service.create_group(db.session, coordinator, name="Dock workers", organization="Port Union", country="ke")
    db.session.commit()
    return group


def token_from(message) -> str:
    return re.search(r"/invitations/(\S+)", message.body_text).group(1)


def test_creating_a_group_makes_its_creator_coordinator(group, coordinator):
    assert group.country == "KE"
    assert [(m.user_id, m.role) for m in group.active_members] == [(coordinator.id, MembershipRole.COORDINATOR)]
    assert len(group.join_code) >= 30


def test_group_needs_a_name_and_organization(coordinator):
    with pytest.raises(DomainError) as caught:
        service.create_group(db.session, coordinator, name=" ", organization="X")
    assert caught.value.field == "name"
    with pytest.raises(DomainError) as caught:
        service.create_group(db.session, coordinator, name="G", organization="X", country="Kenya")
    assert caught.value.field == "country"


def test_invitations_report_every_line(group, coordinator, make_user):
    member = make_user(email="already@example.org")
    invitations.join_with_code(db.session, member, group.join_code)
    pasted = "\n".join(
        [
            "ana@example.org",
            "  Bruno Silva <bruno@example.org>  ",
            "not an address",
            "ANA@example.org",
            "",
            "already@example.org",
            "carla@example",
        ]
    )
    report = invitations.invite_members(db.session, coordinator, group, pasted)
    outcomes = [(line.number, line.outcome) for line in report.lines]
    assert outcomes == [(1, "invited"), (2, "invited"), (3, "error"), (4, "skipped"), (6, "skipped"), (7, "error")]
    assert "the same address as line 1" in report.lines[3].message
    assert "already a member" in report.lines[4].message
    assert sorted(m.to_address for m in outbox_messages()) == ["ana@example.org", "bruno@example.org"]


def test_only_coordinators_invite(group, make_user):
    member = make_user()
    invitations.join_with_code(db.session, member, group.join_code)
    with pytest.raises(Forbidden):
        invitations.invite_members(db.session, member, group, "x@example.org")


def test_an_invitation_works_once_and_lands_the_person_in_the_group(group, coordinator, make_user):
    invitations.invite_members(db.session, coordinator, group, "dana@example.org")
    db.session.commit()
    token = token_from(outbox_messages()[0])
    dana = make_user(email="dana@example.org")
    joined = invitations.accept_invitation(db.session, dana, token)
    assert joined.id == group.id
    assert service.is_active_member(group, dana)
    with pytest.raises(DomainError, match="already been used"):
        invitations.accept_invitation(db.session, dana, token)


def test_an_expired_invitation_is_refused(group, coordinator, make_user):
    invitations.invite_members(db.session, coordinator, group, "late@example.org")
    token = token_from(outbox_messages()[0])
    group.invitations[0].expires_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(DomainError, match="expired"):
        invitations.accept_invitation(db.session, make_user(), token)


def test_inviting_again_replaces_the_old_link(group, coordinator, make_user):
    invitations.invite_members(db.session, coordinator, group, "again@example.org")
    first = token_from(outbox_messages()[0])
    report = invitations.invite_members(db.session, coordinator, group, "again@example.org")
    assert report.lines[0].outcome == "reinvited"
    second = token_from(outbox_messages()[1])
    with pytest.raises(DomainError, match="not valid"):
        invitations.find_invitation(db.session, first)
    assert invitations.find_invitation(db.session, second).email == "again@example.org"


def test_resetting_the_join_link_retires_the_old_one(group, coordinator, make_user):
    old = group.join_code
    invitations.reset_join_code(db.session, coordinator, group)
    assert group.join_code != old
    with pytest.raises(DomainError, match="not valid any more"):
        invitations.join_with_code(db.session, make_user(), old)


def test_joining_twice_keeps_one_membership_and_rejoining_reactivates(group, make_user):
    person = make_user()
    invitations.join_with_code(db.session, person, group.join_code)
    invitations.join_with_code(db.session, person, group.join_code)
    service.leave_group(db.session, person, group)
    invitations.join_with_code(db.session, person, group.join_code)
    rows = db.session.scalars(sa.select(GroupMembership).where(GroupMembership.user_id == person.id)).all()
    assert [r.status for r in rows] == [MembershipStatus.ACTIVE]


def test_the_database_refuses_a_second_membership_for_the_same_person(group, make_user):
    person = make_user()
    db.session.add_all([GroupMembership(group=group, user=person), GroupMembership(group=group, user=person)])
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_roster_members_without_email_count_in_the_group(group, coordinator):
    service.add_roster_member(db.session, coordinator, group, "Don Efraín")
    assert len(group.active_members) == 2
    assert group.active_members[1].is_roster_only


def test_last_coordinator_cannot_leave_or_be_removed(group, coordinator, make_user):
    with pytest.raises(DomainError, match="needs a coordinator"):
        service.leave_group(db.session, coordinator, group)
    other = make_user()
    membership = invitations.join_with_code(db.session, other, group.join_code) and group.memberships[-1]
    service.make_coordinator(db.session, coordinator, group, membership.id)
    service.leave_group(db.session, coordinator, group)
    assert [m.user_id for m in group.coordinators] == [other.id]


def test_coordinators_remove_members_and_members_cannot(group, coordinator, make_user):
    a, b = make_user(), make_user()
    invitations.join_with_code(db.session, a, group.join_code)
    invitations.join_with_code(db.session, b, group.join_code)
    b_membership = next(m for m in group.memberships if m.user_id == b.id)
    with pytest.raises(Forbidden):
        service.remove_member(db.session, a, group, b_membership.id)
    service.remove_member(db.session, coordinator, group, b_membership.id)
    assert not service.is_active_member(group, b)


def test_a_stranger_cannot_open_a_group(group, make_user):
    with pytest.raises(Forbidden):
        service.get_group(db.session, make_user(), group.id)


def test_a_join_link_expires_and_a_new_one_works_again(make_user):
    from datetime import timedelta

    from app.lib.errors import DomainError as Refused

    coordinator = make_user()
    group = service.create_group(db.session, coordinator, name="Riders", organization="Union")
    group.join_code_expires_at = service.now_utc() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(Refused, match="expired"):
        invitations.join_with_code(db.session, make_user(), group.join_code)
    invitations.reset_join_code(db.session, coordinator, group)
    assert invitations.join_with_code(db.session, make_user(), group.join_code) is group
