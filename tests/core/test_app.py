"""Configuration, health check, error pages."""

import pytest

from app import create_app
from app.config import DEFAULT_SECRET_KEY, ConfigError


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_dead_database(tmp_path):
    broken = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
        }
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


@pytest.mark.parametrize("key", [None, DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_a_missing_default_or_short_secret_key(monkeypatch, key):
    monkeypatch.setenv("PLENARY_ENV", "production")
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_uses_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("PLENARY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("BASE_URL", "https://plenary.example.org")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize("base_url", [None, "", "plenary.example.org", "https://", "ftp://plenary.example.org"])
def test_production_refuses_to_start_without_a_public_address(monkeypatch, tmp_path, base_url):
    monkeypatch.setenv("PLENARY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    if base_url is None:
        monkeypatch.delenv("BASE_URL", raising=False)
    else:
        monkeypatch.setenv("BASE_URL", base_url)
    with pytest.raises(ConfigError, match="Set BASE_URL to the public address"):
        create_app()


def test_production_answers_only_the_public_address_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.setenv("PLENARY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setenv("BASE_URL", "https://plenary.example.org/")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    assert create_app()
    assert create_app().config["TRUSTED_HOSTS"] == ["plenary.example.org"]
    monkeypatch.setenv("TRUSTED_HOSTS", "plenary.example.org, .plenary.internal")
    assert create_app().config["TRUSTED_HOSTS"] == ["plenary.example.org", ".plenary.internal"]


def test_development_starts_without_a_public_address_and_answers_any_host(monkeypatch, tmp_path):
    monkeypatch.delenv("PLENARY_ENV", raising=False)
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    app = create_app({"TESTING": True})
    assert app.config["TRUSTED_HOSTS"] is None
    assert app.test_client().get("/healthz", headers={"Host": "laptop.local:5000"}).status_code != 400


def test_database_url_accepts_the_usual_postgres_spellings(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal:5432/plenary")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal:5432/plenary"


def test_proxy_headers_are_trusted_only_when_configured(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setenv("PROXY_FIX_X_FOR", "1")
    monkeypatch.setenv("PROXY_FIX_X_PROTO", "1")
    app = create_app({"TESTING": True})

    @app.get("/_scheme")
    def scheme():
        from flask import request

        return f"{request.scheme} {request.remote_addr}"

    body = app.test_client().get("/_scheme", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert body.get_data(as_text=True) == "https 203.0.113.9"


def test_not_found_is_a_friendly_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.get_data(as_text=True)


def test_unexpected_errors_are_a_friendly_500_without_details(app, client):
    @app.get("/_boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/_boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page and "secret internals" not in page


def test_ids_too_large_for_the_database_are_a_404_not_a_500(client):
    for url in ("/cohorts/99999999999999999999", "/api/v1/cohorts/2147483648", "/registrations/99999999999999999999"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/cohorts/2147483647").status_code == 404  # the largest id is still looked up


def test_control_characters_in_a_url_are_a_404_not_a_failing_query(client, synced_courses):
    for url in ("/join/abc%00def", "/courses/power%00and", "/calendar/x%0Ay.ics", "/cohorts/1/readings/a%00b"):
        assert client.get(url).status_code == 404, url
    response = client.get("/api/v1/cohorts?course=power%00and")
    assert response.status_code == 404 and "Unknown course" in response.get_json()["message"]
