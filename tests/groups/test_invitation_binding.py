"""An invitation is bound to the address it was sent to, on every way it can be accepted.

The ways: an existing account signed in, a sign-up through the link, someone already a member, an expired or used
link; each tried as the invited person and as someone else holding the link. Someone else can still join, but only
by saying so (the inviter is told and the acceptance audited).
"""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.groups import invitations, service
from app.groups.models import GroupInvitation
from app.lib.errors import DomainError
from app.lib.time import now_utc
from tests.conftest import outbox_messages

INVITED = "Rosa.Invited@Example.org"  # pasted as the coordinator typed it; the account uses lower case


@pytest.fixture
def world(app, make_user):
    coordinator = make_user(email="coord@example.org", name="Coordinator")
    group = service.create_group(db.session, coordinator, name="Dock workers", organization="Port Union")
    invitations.invite_members(db.session, coordinator, group, f"Rosa <{INVITED}>")
    db.session.commit()
    token = re.search(r"/invitations/(\S+)", outbox_messages()[-1].body_text).group(1)
    invited = make_user(email="rosa.invited@example.org", name="Rosa")
    other = make_user(email="someone.else@example.org", name="Someone Else")
    return type(
        "World",
        (),
        {
            "coordinator": coordinator,
            "group": group,
            "token": token,
            "invited": invited,
            "other": other,
            "link": f"/invitations/{token}",
        },
    )


def signed_in(app, user):
    client = app.test_client()
    response = client.submit("/login", {"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 302
    return client


def members(group) -> set[str]:
    db.session.expire_all()
    return {m.user.email for m in db.session.get(service.Group, group.id).active_members if m.user}


def invitation_open(world) -> bool:
    db.session.expire_all()
    return db.session.scalar(sa.select(GroupInvitation)).accepted_at is None


# --- the service --------------------------------------------------------------------------------------------------


def test_the_invited_account_accepts_whatever_the_case_of_its_address(world):
    invitations.accept_invitation(db.session, world.invited, world.token)
    db.session.commit()
    assert "rosa.invited@example.org" in members(world.group)


def test_another_account_is_refused_and_told_which_address_the_invitation_is_for(world):
    with pytest.raises(invitations.InvitationForAnotherAddress) as refused:
        invitations.accept_invitation(db.session, world.other, world.token)
    db.session.rollback()
    assert "rosa.invited@example.org" in refused.value.message
    assert "someone.else@example.org" not in members(world.group)
    assert invitation_open(world)


def test_another_account_joins_only_on_purpose_and_the_inviter_is_told(world):
    invitations.accept_invitation(db.session, world.other, world.token, as_another_address=True)
    db.session.commit()
    assert "someone.else@example.org" in members(world.group)
    told = [m for m in outbox_messages() if m.to_address == "coord@example.org"]
    assert len(told) == 1
    assert "rosa.invited@example.org" in told[0].subject and "someone.else@example.org" in told[0].body_text
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "group.invitation_accepted_as_other"))
    assert event.details["invited"] == "rosa.invited@example.org"
    assert event.details["accepted_as"] == "someone.else@example.org"
    with pytest.raises(DomainError, match="already been used"):
        invitations.accept_invitation(db.session, world.invited, world.token)


def test_a_member_cannot_use_up_an_invitation_meant_for_someone_else(world):
    invitations.join_with_code(db.session, world.other, world.group.join_code)
    db.session.commit()
    with pytest.raises(DomainError, match="already a member"):
        invitations.accept_invitation(db.session, world.other, world.token, as_another_address=True)
    db.session.rollback()
    assert invitation_open(world)


def test_the_invited_person_already_a_member_accepts_without_a_second_membership(world):
    invitations.join_with_code(db.session, world.invited, world.group.join_code)
    db.session.commit()
    invitations.accept_invitation(db.session, world.invited, world.token)
    db.session.commit()
    assert (
        sum(1 for m in db.session.get(service.Group, world.group.id).memberships if m.user_id == world.invited.id) == 1
    )
    assert not invitation_open(world)


@pytest.mark.parametrize("who", ["invited", "other"])
@pytest.mark.parametrize("as_another_address", [False, True])
def test_an_expired_or_used_invitation_is_refused_to_everyone(world, make_user, who, as_another_address):
    user = getattr(world, who)
    invitation = db.session.scalar(sa.select(GroupInvitation))
    invitation.expires_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(DomainError, match="expired"):
        invitations.accept_invitation(db.session, user, world.token, as_another_address=as_another_address)
    db.session.rollback()
    invitation.expires_at = now_utc() + timedelta(days=1)
    invitation.accepted_at = now_utc()
    db.session.commit()
    with pytest.raises(DomainError, match="already been used"):
        invitations.accept_invitation(db.session, user, world.token, as_another_address=as_another_address)


# --- over HTTP ----------------------------------------------------------------------------------------------------


def test_signed_in_as_the_invited_address_one_button_joins(app, world):
    client = signed_in(app, world.invited)
    page = client.get(world.link).get_data(as_text=True)
    assert "Join the group as Rosa" in page and "This invitation was sent to" not in page
    response = client.submit(world.link, {})
    assert response.status_code == 302 and response.headers["Location"] == f"/groups/{world.group.id}"
    assert "rosa.invited@example.org" in members(world.group)


def test_signed_in_as_another_address_the_page_names_the_invited_one_and_joining_is_refused(app, world):
    client = signed_in(app, world.other)
    page = client.get(world.link).get_data(as_text=True)
    assert "This invitation was sent to rosa.invited@example.org" in page
    assert "Log out and sign in as rosa.invited@example.org" in page
    assert "Join as someone.else@example.org" in page
    response = client.submit(world.link, {})  # the plain join button, forged
    assert response.status_code == 403
    assert "This invitation was sent to rosa.invited@example.org" in response.get_data(as_text=True)
    assert "someone.else@example.org" not in members(world.group)
    assert invitation_open(world)


def test_log_out_and_sign_in_as_the_invited_address_comes_back_to_the_invitation(app, world):
    client = signed_in(app, world.other)
    response = client.submit(world.link, {"switch_account": "1"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get(f"/groups/{world.group.id}").status_code in (302, 401)  # logged out
    login = client.submit(
        response.headers["Location"], {"email": world.invited.email, "password": "correct horse battery"}
    )
    assert login.headers["Location"].endswith(world.link)
    assert client.submit(world.link, {}).status_code == 302
    assert members(world.group) == {"coord@example.org", "rosa.invited@example.org"}


def test_join_as_my_own_address_is_explicit_and_tells_the_inviter(app, world):
    client = signed_in(app, world.other)
    response = client.submit(world.link, {"as_another_address": "1"})
    assert response.status_code == 302
    assert "someone.else@example.org" in members(world.group)
    assert any(m.to_address == "coord@example.org" for m in outbox_messages())


def test_signing_up_through_the_link_with_another_address_does_not_join_until_accepted_on_purpose(app, world):
    visitor = app.test_client()
    response = visitor.submit(
        f"{world.link}/signup",
        {"name": "New", "email": "new.person@example.org", "password": "long enough pass", "timezone": "UTC"},
        page=world.link,
    )
    assert response.headers["Location"] == "/signup/code"
    assert "Check your email" in visitor.get("/signup/code").get_data(as_text=True)
    message = next(m for m in outbox_messages() if m.to_address == "new.person@example.org")
    confirm = re.search(r"http://plenary.test(/signup/confirm/\S+)", message.body_text).group(1)
    back = visitor.submit(confirm, page=confirm)
    assert back.headers["Location"].endswith(world.link)
    page = visitor.get(world.link).get_data(as_text=True)
    assert "This invitation was sent to rosa.invited@example.org" in page
    assert visitor.submit(world.link, {}).status_code == 403
    assert "new.person@example.org" not in members(world.group)
    assert invitation_open(world)


def test_signing_up_through_the_link_with_the_invited_address_joins_at_once(app, world):
    db.session.delete(db.session.get(type(world.invited), world.invited.id))  # nobody has the address yet
    db.session.commit()
    visitor = app.test_client()
    response = visitor.submit(
        f"{world.link}/signup",
        {"name": "Rosa", "email": "ROSA.invited@example.org", "password": "long enough pass", "timezone": "UTC"},
        page=world.link,
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/groups/{world.group.id}"
    assert "rosa.invited@example.org" in members(world.group)


@pytest.mark.parametrize("who", ["invited", "other"])
def test_a_used_invitation_answers_410_to_everyone(app, world, who):
    invitations.accept_invitation(db.session, world.invited, world.token)
    db.session.commit()
    client = signed_in(app, getattr(world, who))
    assert client.get(world.link).status_code == 410
    assert client.submit(world.link, {}, page="/groups").status_code == 410
