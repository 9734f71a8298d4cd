"""Signing up without a password: the emailed confirmation signs the person in; later they sign in by emailed link
or code, and may set a password on the profile with an emailed code."""

import re

import sqlalchemy as sa

from app.accounts.models import User
from app.extensions import db
from tests.signin.conftest import ask, last_email_to, link_and_code


def _sign_up(client, email="nopass@example.org", password=""):
    data = {"name": "Noa", "email": email, "password": password, "timezone": "UTC"}
    return client.submit("/signup", data)


def test_the_sign_up_form_says_the_password_is_optional(client):
    page = client.get("/signup").get_data(as_text=True)
    assert "Password (optional)" in page and "leave it empty" in page


def test_signing_up_without_a_password_then_signing_in_by_code_and_setting_one(client):
    assert _sign_up(client).status_code == 200
    link = re.search(r"http://plenary\.test(/signup/confirm/\S+)", last_email_to("nopass@example.org").body_text)
    assert client.submit(link.group(1)).status_code == 302
    noa = db.session.scalar(sa.select(User).where(User.email == "nopass@example.org"))
    assert noa.password_hash is None and noa.email_confirmed_at is not None
    assert "Set a password" in client.get("/profile").get_data(as_text=True)
    client.submit("/logout", page="/profile")
    # No password to log in with: the password form refuses, the emailed code works.
    refused = client.submit("/login", {"email": "nopass@example.org", "password": ""})
    assert refused.status_code == 422
    ask(client, "nopass@example.org")
    _, code = link_and_code("nopass@example.org")
    assert client.submit("/sign-in/code", {"code": code}).status_code == 302
    client.submit("/account/confirm-code", {"back": "/profile"}, page="/profile")
    confirm = re.search(r"\b(\d{6})\b", last_email_to("nopass@example.org").body_text).group(1)
    new = "a pass phrase of my own"
    answer = client.submit(
        "/profile/password", {"pw-current_password": confirm, "pw-password": new, "pw-confirm": new}, page="/profile"
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, noa.id).check_password(new)


def test_a_short_password_is_still_refused(client):
    answer = _sign_up(client, password="short")
    assert answer.status_code == 422 and "at least 8" in answer.get_data(as_text=True)
