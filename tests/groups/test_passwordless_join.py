"""Accepting an invitation or a join link as a new person, without a password: the emailed confirmation (its link on
any device, or its 6-digit code typed in the browser that asked) creates the account, signs the person in and lands
them on the group's page."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import PendingSignup, User
from app.extensions import db
from app.groups import invitations, service
from app.lib.time import now_utc
from tests.conftest import outbox_messages

CONFIRM_RE = re.compile(r"http://plenary\.test(/signup/confirm/\S+)")
CODE_RE = re.compile(r"where you signed up:\s*(\d{6})")


@pytest.fixture
def invitation(app, make_user):
    coordinator = make_user(email="coord@example.org", name="Coordinator")
    group = service.create_group(db.session, coordinator, name="Dock workers", organization="Port Union")
    invitations.invite_members(db.session, coordinator, group, "noa@example.org")
    db.session.commit()
    token = re.search(r"/invitations/(\S+)", outbox_messages()[-1].body_text).group(1)
    return group, f"/invitations/{token}"


def _sign_up_on(client, link, email="noa@example.org", password=""):
    data = {"name": "Noa", "email": email, "password": password, "timezone": "UTC"}
    return client.submit(f"{link}/signup", data, page=link)


def _last_email_to(address):
    return [m for m in outbox_messages() if m.to_address == address][-1].body_text


def _member_emails(group) -> set[str]:
    db.session.expire_all()
    return {m.user.email for m in db.session.get(service.Group, group.id).active_members if m.user}


def _noa():
    return db.session.scalar(sa.select(User).where(User.email == "noa@example.org"))


def test_the_invitation_page_says_the_password_is_optional(client, invitation):
    page = client.get(invitation[1]).get_data(as_text=True)
    assert "Password (optional)" in page and "leave it empty" in page


def test_a_new_person_without_a_password_joins_by_typing_the_emailed_code(client, invitation):
    group, link = invitation
    answer = _sign_up_on(client, link)
    assert answer.status_code == 302 and answer.headers["Location"] == "/signup/code"
    assert _noa() is None  # nothing exists before the address is confirmed
    waiting = client.get("/signup/code").get_data(as_text=True)
    assert "We sent a message to noa@example.org" in waiting
    code = CODE_RE.search(_last_email_to("noa@example.org")).group(1)
    joined = client.submit("/signup/code", {"code": code})
    assert joined.status_code == 302 and joined.headers["Location"] == f"/groups/{group.id}"
    assert "noa@example.org" in _member_emails(group)
    noa = _noa()
    assert noa.password_hash is None and noa.email_confirmed_at is not None
    assert "Dock workers" in client.get(f"/groups/{group.id}").get_data(as_text=True)  # signed in, a member


def test_the_emailed_link_works_on_another_device_and_lands_on_the_group_page(app, client, invitation):
    group, link = invitation
    _sign_up_on(client, link)
    confirm = CONFIRM_RE.search(_last_email_to("noa@example.org")).group(1)
    phone = app.test_client()
    assert phone.get(confirm).status_code == 200 and _noa() is None  # opening the link changes nothing
    landed = phone.submit(confirm)
    assert landed.status_code == 302 and landed.headers["Location"] == f"/groups/{group.id}"
    assert "noa@example.org" in _member_emails(group)


def test_the_code_works_only_in_the_browser_that_asked(app, client, invitation):
    _group, link = invitation
    _sign_up_on(client, link)
    code = CODE_RE.search(_last_email_to("noa@example.org")).group(1)
    other = app.test_client()
    _sign_up_on(other, link, email="someone@example.org")  # another browser waiting for its own code
    refused = other.submit("/signup/code", {"code": code})
    assert refused.status_code == 400 and "not right" in refused.get_data(as_text=True)
    assert _noa() is None


def test_five_wrong_codes_spend_the_code_but_the_link_still_works(app, client, invitation):
    group, link = invitation
    _sign_up_on(client, link)
    body = _last_email_to("noa@example.org")
    code = CODE_RE.search(body).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = [client.submit("/signup/code", {"code": wrong}) for _ in range(5)]
    assert all(a.status_code == 400 for a in answers)
    assert "Too many wrong codes" in answers[-1].get_data(as_text=True)
    assert client.submit("/signup/code", {"code": code}).status_code == 400
    assert _noa() is None
    phone = app.test_client()
    assert phone.submit(CONFIRM_RE.search(body).group(1)).headers["Location"] == f"/groups/{group.id}"


def test_the_code_expires_after_fifteen_minutes(client, invitation):
    _group, link = invitation
    _sign_up_on(client, link)
    code = CODE_RE.search(_last_email_to("noa@example.org")).group(1)
    db.session.execute(sa.update(PendingSignup).values(created_at=now_utc() - timedelta(minutes=16)))
    db.session.commit()
    refused = client.submit("/signup/code", {"code": code})
    assert refused.status_code == 400 and "no longer works" in refused.get_data(as_text=True)
    assert _noa() is None


def test_an_address_with_an_account_gets_the_same_page_and_no_code(client, invitation, make_user):
    _group, link = invitation
    make_user(email="taken@example.org", name="Taken")
    answer = _sign_up_on(client, link, email="taken@example.org")
    assert answer.headers["Location"] == "/signup/code"
    assert "We sent a message to taken@example.org" in client.get("/signup/code").get_data(as_text=True)
    body = _last_email_to("taken@example.org")
    assert "already have" in body and not CODE_RE.search(body)
    assert client.submit("/signup/code", {"code": "123456"}).status_code == 400


def test_a_join_link_sign_up_by_code_lands_on_the_group_page(app, client, make_user):
    coordinator = make_user(email="coord@example.org", name="Coordinator")
    group = service.create_group(db.session, coordinator, name="Dock workers", organization="Port Union")
    db.session.commit()
    link = f"/join/{group.join_code}"
    _sign_up_on(client, link, email="newcomer@example.org")
    code = CODE_RE.search(_last_email_to("newcomer@example.org")).group(1)
    joined = client.submit("/signup/code", {"code": code})
    assert joined.headers["Location"] == f"/groups/{group.id}"
    assert "newcomer@example.org" in _member_emails(group)


def test_the_code_page_without_a_sign_up_sends_people_to_the_sign_up_form(client):
    assert client.get("/signup/code").headers["Location"] == "/signup"


def test_a_plain_sign_up_with_next_leads_back_to_the_join_page_without_joining(app, client, make_user):
    """Someone sent a link to /signup?next=/join/<code> never saw the group: they land on its page and choose."""
    coordinator = make_user(email="coord@example.org", name="Coordinator")
    group = service.create_group(db.session, coordinator, name="Dock workers", organization="Port Union")
    db.session.commit()
    link = f"/join/{group.join_code}"
    data = {"name": "Noa", "email": "noa@example.org", "password": "", "timezone": "UTC", "next": link}
    client.submit("/signup", data, page=f"/signup?next={link}")
    landed = client.submit(CONFIRM_RE.search(_last_email_to("noa@example.org")).group(1))
    assert landed.headers["Location"] == link
    assert "noa@example.org" not in _member_emails(group)


def test_a_join_link_replaced_before_the_confirmation_creates_the_account_but_joins_nothing(app, client, make_user):
    coordinator = make_user(email="coord@example.org", name="Coordinator")
    group = service.create_group(db.session, coordinator, name="Dock workers", organization="Port Union")
    db.session.commit()
    link = f"/join/{group.join_code}"
    _sign_up_on(client, link, email="late@example.org")
    invitations.reset_join_code(db.session, coordinator, group)  # the coordinator makes a new link meanwhile
    db.session.commit()
    code = CODE_RE.search(_last_email_to("late@example.org")).group(1)
    landed = client.submit("/signup/code", {"code": code})
    assert landed.headers["Location"] == link  # back on the old link's page, which says it no longer works
    assert "late@example.org" not in _member_emails(group)
    assert db.session.scalar(sa.select(User).where(User.email == "late@example.org")) is not None
    assert "not valid any more" in client.get(link).get_data(as_text=True)
