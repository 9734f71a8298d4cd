"""Sessions are held on the server: logout, timeouts and password changes really end them."""

from datetime import timedelta

import sqlalchemy as sa

from app.accounts.models import UserSession
from app.extensions import db
from app.lib.time import now_utc

COOKIE = "plenary"


def signed_in(client) -> bool:
    response = client.get("/profile")
    return response.status_code == 200


def test_a_cookie_copied_before_logout_is_refused_afterwards(app, client, auth, make_user):
    make_user(email="ana@example.org")
    auth.login("ana@example.org")
    stolen = client.get_cookie(COOKIE).value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie(COOKIE, stolen)
    assert not signed_in(thief)
    assert db.session.scalar(sa.select(UserSession)).ended_at is not None


def test_logging_in_renews_the_session(client, auth, make_user):
    make_user(email="ana@example.org")
    client.get("/login")
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    planted_cookie = client.get_cookie(COOKIE).value
    auth.login("ana@example.org")
    with client.session_transaction() as after:
        assert "planted" not in after
    assert client.get_cookie(COOKIE).value != planted_cookie


def test_an_idle_session_ends(app, client, auth, make_user):
    make_user(email="ana@example.org")
    auth.login("ana@example.org")
    assert signed_in(client)
    row = db.session.scalar(sa.select(UserSession))
    row.last_seen_at = now_utc() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.commit()
    assert not signed_in(client)


def test_a_session_in_use_still_ends_after_the_absolute_limit(app, client, auth, make_user):
    make_user(email="ana@example.org")
    auth.login("ana@example.org")
    row = db.session.scalar(sa.select(UserSession))
    row.created_at = now_utc() - timedelta(hours=app.config["SESSION_MAX_HOURS"], minutes=1)
    db.session.commit()
    assert not signed_in(client)


def test_activity_keeps_a_session_alive(app, client, auth, make_user):
    make_user(email="ana@example.org")
    auth.login("ana@example.org")
    row = db.session.scalar(sa.select(UserSession))
    almost_idle = now_utc() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    row.last_seen_at = almost_idle
    db.session.commit()
    assert signed_in(client)
    db.session.expire_all()
    assert db.session.scalar(sa.select(UserSession)).last_seen_at > almost_idle + timedelta(minutes=1)


def test_a_password_change_ends_the_other_browsers_sessions_but_not_this_one(app, client, auth, make_user):
    make_user(email="ana@example.org")
    other = app.test_client()
    assert other.submit("/login", {"email": "ana@example.org", "password": "correct horse battery"}).status_code == 302
    auth.login("ana@example.org")
    response = client.submit(
        "/profile/password",
        {
            "pw-current_password": "correct horse battery",
            "pw-password": "a brand new phrase",
            "pw-confirm": "a brand new phrase",
        },
        page="/profile",
    )
    assert response.status_code == 302
    assert signed_in(client) and not signed_in(other)
    open_rows = db.session.scalar(sa.select(sa.func.count()).where(UserSession.ended_at.is_(None)))
    assert open_rows == 1


def test_production_cookie_is_host_prefixed_secure_httponly_and_lax(monkeypatch, tmp_path, db_url):
    from app import create_app
    from tests.conftest import FormClient

    monkeypatch.setenv("PLENARY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("BASE_URL", "https://plenary.test")
    production = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "TESTING": True, "RATELIMIT_ENABLED": False})
    production.test_client_class = FormClient
    with production.app_context():
        client = production.test_client()
        response = client.get("/login", base_url="https://plenary.test")
        cookie = response.headers["Set-Cookie"]
        db.engine.dispose()
    assert cookie.startswith("__Host-plenary=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    assert "Domain=" not in cookie
