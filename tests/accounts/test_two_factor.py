"""Two-step sign-in: setting it up, signing in with a code or a recovery code, replay, turning it off, and the
deployment rule that trainers and administrators must use it."""

import re

import pyotp
import pytest

from app.accounts.models import User
from app.extensions import db

PASSWORD = "correct horse battery"


def set_up_two_factor(client, email: str) -> tuple[str, list[str]]:
    assert client.submit("/login", {"email": email, "password": PASSWORD}).status_code == 302
    page = client.submit("/account/two-factor", {"start-submit": "1"}, page="/account/two-factor").get_data(
        as_text=True
    )
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    assert "<svg" in page and "<title>QR code for your authenticator app</title>" in page
    done = client.submit(
        "/account/two-factor",
        {"confirm-code": pyotp.TOTP(secret).now(), "confirm-submit": "1"},
        page="/account/two-factor",
    )
    codes = re.findall(r"<code>([0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})</code>", done.get_data(as_text=True))
    return secret, codes


def log_in_with_code(app, email: str, code: str):
    browser = app.test_client()
    first = browser.submit("/login", {"email": email, "password": PASSWORD})
    assert first.status_code == 302 and first.headers["Location"].endswith("/login/code")
    assert browser.get("/profile").status_code == 302  # the password alone does not sign in
    return browser, browser.submit("/login/code", {"code": code})


def test_setting_up_shows_a_qr_code_and_gives_ten_recovery_codes(client, make_user):
    make_user(email="ana@example.org")
    secret, codes = set_up_two_factor(client, "ana@example.org")
    assert len(codes) == 10 and len(set(codes)) == 10
    user = db.session.get(User, 1) or db.session.query(User).one()
    db.session.refresh(user)
    assert user.has_two_factor and user.totp_secret == secret
    assert codes[0] not in str(user.recovery_code_hashes)  # only hashes are stored


def test_a_wrong_setup_code_leaves_it_off(client, make_user):
    make_user(email="ana@example.org")
    client.submit("/login", {"email": "ana@example.org", "password": PASSWORD})
    client.submit("/account/two-factor", {"start-submit": "1"}, page="/account/two-factor")
    response = client.submit(
        "/account/two-factor", {"confirm-code": "000000", "confirm-submit": "1"}, page="/account/two-factor"
    )
    assert response.status_code == 422 and "That code is not right." in response.get_data(as_text=True)
    assert not db.session.query(User).one().has_two_factor


def test_signing_in_needs_the_code_and_a_code_works_only_once(app, client, make_user):
    make_user(email="ana@example.org")
    secret, _codes = set_up_two_factor(client, "ana@example.org")
    browser, wrong = log_in_with_code(app, "ana@example.org", "123456")
    assert wrong.status_code == 422 and browser.get("/profile").status_code == 302
    user = db.session.query(User).one()
    code = pyotp.TOTP(secret).at(user.totp_last_step * 30)  # the very code that confirmed the setup
    replayed_setup_browser, replayed_setup = log_in_with_code(app, "ana@example.org", code)
    assert replayed_setup.status_code == 422  # the code that confirmed the setup was used up there
    user.totp_last_step = None  # as if the next 30-second window had come
    db.session.commit()
    browser, right = log_in_with_code(app, "ana@example.org", code)
    assert right.status_code == 302 and browser.get("/profile").status_code == 200
    replayed_browser, replay = log_in_with_code(app, "ana@example.org", code)
    assert replay.status_code == 422 and replayed_browser.get("/profile").status_code == 302


def test_a_recovery_code_works_once(app, client, make_user):
    make_user(email="ana@example.org")
    _secret, codes = set_up_two_factor(client, "ana@example.org")
    browser, response = log_in_with_code(app, "ana@example.org", codes[3].upper())
    assert response.status_code == 302 and browser.get("/profile").status_code == 200
    _browser, again = log_in_with_code(app, "ana@example.org", codes[3])
    assert again.status_code == 422


def test_turning_it_off_needs_the_password_and_a_code(client, make_user):
    make_user(email="ana@example.org")
    _secret, codes = set_up_two_factor(client, "ana@example.org")
    refused = client.submit(
        "/account/two-factor",
        {"off-password": "wrong password", "off-code": codes[0], "off-submit": "1"},
        page="/account/two-factor",
    )
    assert refused.status_code == 422 and db.session.query(User).one().has_two_factor
    done = client.submit(
        "/account/two-factor",
        {"off-password": PASSWORD, "off-code": codes[0], "off-submit": "1"},
        page="/account/two-factor",
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert not db.session.query(User).one().has_two_factor


@pytest.fixture
def staff_must_use_two_factor(app):
    app.config["REQUIRE_TWO_FACTOR_FOR_STAFF"] = True
    yield
    app.config["REQUIRE_TWO_FACTOR_FOR_STAFF"] = False


def test_a_deployment_can_require_it_of_trainers_and_admins(
    app, client, make_user, make_cohort, staff_must_use_two_factor
):
    trainer = make_user(email="trainer@example.org")
    make_cohort(trainers=[trainer])
    make_user(email="member@example.org")
    client.submit("/login", {"email": "trainer@example.org", "password": PASSWORD})
    blocked = client.get("/trainer")
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith("/account/two-factor")
    member = app.test_client()
    member.submit("/login", {"email": "member@example.org", "password": PASSWORD})
    assert member.get("/profile").status_code == 200
    set_up_two_factor(app.test_client(), "trainer@example.org")
    trainer_browser = app.test_client()
    trainer_browser.submit("/login", {"email": "trainer@example.org", "password": PASSWORD})
    assert trainer_browser.get("/trainer").status_code == 302  # still waiting for the code
