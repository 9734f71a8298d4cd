"""Sensitive changes ask a person with a password for it, and a person without one for a 6-digit code emailed on
request (app/accounts/reauth.py, app/signin/confirm.py): changing the email address, setting or changing the
password, turning two-step sign-in off, deleting the account."""

import re

import pyotp
import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.extensions import db
from app.lib.time import now_utc
from app.signin.models import EmailedToken
from tests.signin.conftest import ask, last_email_to, link_and_code

PASSWORD = "correct horse battery"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

# page, form URL, the proof field's name, the rest of the form (for the person "ana@example.org")
FORMS = {
    "change email": ("/profile", "/profile/email", "em-password", {"em-email": "ana.new@example.org"}),
    "password": (
        "/profile",
        "/profile/password",
        "pw-current_password",
        {"pw-password": "a brand new pass phrase", "pw-confirm": "a brand new pass phrase"},
    ),
    "two-step off": ("/account/two-factor", "/account/two-factor", "off-password", {"off-submit": "1"}),
    "delete account": ("/account/data", "/account/delete", "password", {"confirmation": "ana@example.org"}),
}


def _done(name: str, answer) -> bool:
    ana = db.session.scalar(sa.select(User).where(User.id == 1))
    db.session.expire_all()
    ana = db.session.get(User, ana.id) if ana else None
    return {
        "change email": lambda: any(m.to_address == "ana.new@example.org" for m in _outbox()),
        "password": lambda: ana is not None and ana.check_password("a brand new pass phrase"),
        "two-step off": lambda: ana is not None and not ana.has_two_factor,
        "delete account": lambda: ana is None,
    }[name]()


def _outbox():
    from tests.conftest import outbox_messages

    return outbox_messages()


def _sign_in_by_link(client, email: str) -> None:
    ask(client, email)
    link, _ = link_and_code(email)
    assert client.submit(link).status_code == 302


def _form_data(name: str) -> dict:
    data = dict(FORMS[name][3])
    if name == "two-step off":
        data["off-code"] = pyotp.TOTP(SECRET).now()
    return data


@pytest.fixture
def ana(make_user):
    return make_user(email="ana@example.org", name="Ana", password=PASSWORD)


def _with_two_step(user: User) -> None:
    user.totp_secret, user.totp_enabled_at = SECRET, now_utc()
    db.session.commit()


@pytest.mark.parametrize("name", FORMS)
def test_a_person_with_a_password_types_it(client, auth, ana, name):
    page, url, proof, _rest = FORMS[name]
    auth.login("ana@example.org")
    if name == "two-step off":
        _with_two_step(ana)
    shown = client.get(page).get_data(as_text=True)
    assert "Email me a code" not in shown and "Code from your email" not in shown
    wrong = client.submit(url, {**_form_data(name), proof: "not my password"}, page=page)
    assert wrong.status_code == 422 and "Your password is not right." in wrong.get_data(as_text=True)
    assert not _done(name, wrong)
    assert client.submit(url, {**_form_data(name), proof: PASSWORD}, page=page).status_code == 302
    assert _done(name, None)


@pytest.mark.parametrize("name", FORMS)
def test_a_person_without_a_password_types_an_emailed_code(client, ana, name):
    page, url, proof, _rest = FORMS[name]
    ana.password_hash = None
    db.session.commit()
    _sign_in_by_link(client, "ana@example.org")
    if name == "two-step off":
        _with_two_step(ana)
    shown = client.get(page).get_data(as_text=True)
    assert "Code from your email" in shown and "Email me a code" in shown
    assert "Your password" not in shown and 'autocomplete="current-password"' not in shown
    # Nothing asked yet: nothing proves it is Ana (an empty or guessed code is refused).
    refused = client.submit(url, {**_form_data(name), proof: "123456"}, page=page)
    assert refused.status_code == 422 and not _done(name, refused)
    asked = client.submit("/account/confirm-code", {"back": page}, page=page)
    assert asked.status_code == 302 and asked.headers["Location"].endswith(page)
    code = re.search(r"\b(\d{6})\b", last_email_to("ana@example.org").body_text).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = client.submit(url, {**_form_data(name), proof: wrong}, page=page)
    assert refused.status_code == 422 and "That code is not right" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(EmailedToken.wrong_codes).where(EmailedToken.purpose == "confirm")) == 1
    assert client.submit(url, {**_form_data(name), proof: code}, page=page).status_code == 302
    assert _done(name, None)


def test_the_emailed_code_works_only_in_the_browser_that_asked(client, ana):
    ana.password_hash = None
    db.session.commit()
    _sign_in_by_link(client, "ana@example.org")
    other = client.application.test_client()
    _sign_in_by_link(other, "ana@example.org")
    client.submit("/account/confirm-code", {"back": "/profile"}, page="/profile")
    code = re.search(r"\b(\d{6})\b", last_email_to("ana@example.org").body_text).group(1)
    data = {"em-email": "ana.new@example.org", "em-password": code}
    assert other.submit("/profile/email", data, page="/profile").status_code == 422
    assert client.submit("/profile/email", data, page="/profile").status_code == 302
    assert client.submit("/profile/email", data, page="/profile").status_code == 422  # used once


def test_five_wrong_emailed_codes_burn_it(client, ana):
    ana.password_hash = None
    db.session.commit()
    _sign_in_by_link(client, "ana@example.org")
    client.submit("/account/confirm-code", {"back": "/profile"}, page="/profile")
    code = re.search(r"\b(\d{6})\b", last_email_to("ana@example.org").body_text).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        client.submit("/profile/email", {"em-email": "ana.new@example.org", "em-password": wrong}, page="/profile")
    late = client.submit("/profile/email", {"em-email": "ana.new@example.org", "em-password": code}, page="/profile")
    assert late.status_code == 422
