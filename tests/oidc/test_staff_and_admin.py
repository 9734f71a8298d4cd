"""Administrators: a provider required for staff, the list of ways in, and the personal data export."""

import pytest
import sqlalchemy as sa

from app.accounts.service import create_user
from app.extensions import db
from app.notifications.models import OutboxMessage
from tests.oidc.conftest import sign_in_through_mock

PASSWORD = "a long pass phrase"


def staff_rule(test):
    """Run `test` with OIDC_REQUIRE_PROVIDER_FOR_STAFF=mock."""
    test.staff_rule = True
    return test


@pytest.fixture
def oidc_settings(mock_provider, request) -> dict:
    from tests.oidc.conftest import CLIENT_ID, CLIENT_SECRET

    settings = {"OIDC_PROVIDER_MOCK": f"{mock_provider}|{CLIENT_ID}|{CLIENT_SECRET}|Mock ID"}
    if getattr(request.function, "staff_rule", False):
        settings["OIDC_REQUIRE_PROVIDER_FOR_STAFF"] = "mock"
    return settings


def _people():
    create_user(db.session, email="boss@example.org", name="Boss", password=PASSWORD, is_admin=True)
    create_user(db.session, email="member@example.org", name="Member", password=PASSWORD)
    db.session.commit()


@staff_rule
def test_staff_signing_in_with_a_password_are_turned_back_with_a_message(client):
    _people()
    assert client.submit("/login", {"email": "boss@example.org", "password": PASSWORD}).status_code == 302
    answer = client.get("/profile")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    page = client.get("/login").get_data(as_text=True)
    assert "Trainers and administrators sign in here with Mock ID only" in page
    assert client.get("/profile").status_code == 302  # the session was ended, not just this page refused


@staff_rule
def test_people_who_are_not_staff_keep_their_password(client):
    _people()
    client.submit("/login", {"email": "member@example.org", "password": PASSWORD})
    assert client.get("/profile").status_code == 200


@staff_rule
def test_staff_signing_in_through_the_required_provider_get_in(client, mock_provider):
    _people()
    claims = {"email": "boss@example.org", "email_verified": True}
    assert sign_in_through_mock(client, mock_provider, "boss-sub", claims=claims).status_code == 200
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "identity_link_confirm"))
    path = next(w for w in mail.body_text.split() if "/oidc/link/" in w).replace("http://plenary.test", "")
    assert client.submit(path).status_code == 302
    assert client.get("/profile").status_code == 200
    assert client.get("/admin/ways-in").status_code == 200


def test_the_ways_in_page_lists_each_person_without_secrets(client, mock_provider):
    _people()
    sign_in_through_mock(
        client, mock_provider, "subject-that-must-not-show", claims={"email": "new@example.org", "email_verified": True}
    )
    assert client.get("/admin/ways-in").status_code == 403  # not an administrator
    client.submit("/logout", page="/profile")
    client.submit("/login", {"email": "boss@example.org", "password": PASSWORD})
    page = client.get("/admin/ways-in").get_data(as_text=True)
    assert "new@example.org" in page and "Mock ID" in page and "member@example.org" in page
    assert "subject-that-must-not-show" not in page and "pbkdf2" not in page


def test_the_personal_data_export_lists_linked_providers(client, mock_provider):
    sign_in_through_mock(
        client, mock_provider, "export-sub", claims={"email": "ex@example.org", "email_verified": True}
    )
    data = client.get("/account/data.json").get_json()
    (linked,) = data["linked_sign_in_providers"]
    assert linked["provider"] == "mock" and linked["email_at_link"] == "ex@example.org"
    assert "export-sub" not in str(data)


@staff_rule
def test_staff_with_two_step_sign_in_stay_in_after_the_code(client, mock_provider):
    import pyotp

    from app.accounts.models import User
    from app.lib.time import now_utc

    _people()
    boss = db.session.scalar(sa.select(User).where(User.email == "boss@example.org"))
    boss.totp_secret, boss.totp_enabled_at = pyotp.random_base32(), now_utc()
    db.session.commit()
    sign_in_through_mock(
        client, mock_provider, "boss-2fa", claims={"email": "boss@example.org", "email_verified": True}
    )
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "identity_link_confirm"))
    path = next(w for w in mail.body_text.split() if "/oidc/link/" in w).replace("http://plenary.test", "")
    answer = client.submit(path)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login/code")
    code = pyotp.TOTP(boss.totp_secret).now()
    assert client.submit("/login/code", {"code": code}).status_code == 302
    assert client.get("/profile").status_code == 200
