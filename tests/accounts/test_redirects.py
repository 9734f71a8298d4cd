"""Where people land after signing in: `next=` is followed only when it is a plain path of this site, on every way
in (the password, the second step, the sign-up link). Anything else (another site, a line break that would split
the `Location` header, NUL, non-ASCII, a very long text) lands on the catalogue, never on an error page after the
sign-in was saved."""

import re

import pytest
import sqlalchemy as sa
from flask import current_app, url_for

from app.accounts.models import PendingSignup
from app.extensions import db
from app.lib.urls import is_safe_redirect
from tests.accounts.test_two_factor import PASSWORD, set_up_two_factor
from tests.accounts.test_views import SIGNUP, confirmation_link

HOSTILE_TARGETS = [
    "/profile\r\nSet-Cookie: session=stolen",
    "/profile\nLocation: https://evil.example",
    "/profile\r",
    "/\x00",
    "/\t/evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    " /profile",
    "/caf\u00e9",
    "/\u2028",
    "/\u202eevil",
    "/" + "a" * 10_000,
    "",
]
# Posted as a form field, a NUL is refused by every form before anything else (tests/security/test_hostile_forms.py).
POSTED_TARGETS = [t for t in HOSTILE_TARGETS if "\x00" not in t]


def lands_safely(response) -> None:
    assert response.status_code == 302, response.status_code
    with current_app.test_request_context():
        assert response.headers["Location"] == url_for("courses.catalogue")


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_is_safe_redirect_refuses_anything_but_a_plain_same_site_path(target):
    assert not is_safe_redirect(target)


@pytest.mark.parametrize("target", ["/profile", "/groups/3?tab=members", "/cohorts/1#sessions", "/a%0D%0Ab"])
def test_plain_same_site_paths_are_followed(target):
    assert is_safe_redirect(target)


@pytest.mark.parametrize("target", POSTED_TARGETS)
def test_a_hostile_next_after_the_password_lands_on_the_catalogue_signed_in(app, make_user, target):
    make_user(email="ana@example.org")
    browser = app.test_client()
    response = browser.submit("/login", {"email": "ana@example.org", "password": PASSWORD, "next": target})
    lands_safely(response)
    assert browser.get("/profile").status_code == 200


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_a_hostile_next_in_the_login_address_is_not_kept_in_the_form(app, make_user, target):
    make_user(email="ana@example.org")
    browser = app.test_client()
    page = browser.get("/login", query_string={"next": target})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "evil" not in html and 'name="next" type="hidden" value=""' in html
    assert browser.get("/signup", query_string={"next": target}).status_code == 200
    signed_in = app.test_client()
    signed_in.submit("/login", {"email": "ana@example.org", "password": PASSWORD})
    lands_safely(signed_in.get("/login", query_string={"next": target}))


def test_a_hostile_next_after_the_second_step_lands_on_the_catalogue(app, client, make_user):
    make_user(email="ana@example.org")
    _secret, recovery_codes = set_up_two_factor(client, "ana@example.org")
    for target, code in zip(POSTED_TARGETS, recovery_codes, strict=False):  # each recovery code works once
        browser = app.test_client()
        first = browser.submit("/login", {"email": "ana@example.org", "password": PASSWORD, "next": target})
        assert first.status_code == 302 and first.headers["Location"].endswith("/login/code")
        lands_safely(browser.submit("/login/code", {"code": code}))
        assert browser.get("/profile").status_code == 200


@pytest.mark.parametrize("target", POSTED_TARGETS)
def test_a_hostile_next_at_sign_up_is_not_saved_and_the_confirmation_lands_on_the_catalogue(app, client, target):
    assert client.submit("/signup", {**SIGNUP, "next": target}).status_code == 200
    assert db.session.scalar(sa.select(PendingSignup.next_url)) == ""
    link = confirmation_link(SIGNUP["email"])
    lands_safely(client.submit(link, page=link))


def test_a_safe_next_survives_the_second_step(app, client, make_user):
    make_user(email="ana@example.org")
    _secret, recovery_codes = set_up_two_factor(client, "ana@example.org")
    browser = app.test_client()
    browser.submit("/login", {"email": "ana@example.org", "password": PASSWORD, "next": "/profile"})
    done = browser.submit("/login/code", {"code": recovery_codes[0]})
    assert done.status_code == 302 and re.search(r"/profile$", done.headers["Location"])
