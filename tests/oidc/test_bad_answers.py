"""Providers that fail or lie: down at discovery or token time, HTML instead of JSON, ID tokens for another
audience, expired, or signed with a key the provider does not publish. Each: a clear page, 502, never a 500, nobody
signed in, nothing secret on the page or in the log; the password still works."""

import logging
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from app.accounts.models import User
from app.accounts.service import create_user
from app.extensions import db
from app.oidc.models import LinkedIdentity
from tests.conftest import empty_all_tables
from tests.oidc.conftest import CLIENT_SECRET, local, make_app, start
from tests.oidc.forging_provider import ForgingProvider

PASSWORD = "a long pass phrase"


@pytest.fixture(scope="module")
def forger() -> Iterator[ForgingProvider]:
    with ForgingProvider() as provider:
        yield provider


@pytest.fixture
def oidc_settings(forger) -> dict:
    forger.mode = "good"
    return {"OIDC_PROVIDER_MOCK": f"{forger.url}|{forger.client_id}|{CLIENT_SECRET}|Forge"}


def _through_forger(client):
    import requests

    redirect = start(client)
    assert redirect.status_code == 302
    callback = requests.get(redirect.headers["Location"], allow_redirects=False, timeout=5).headers["Location"]
    return client.get(local(callback))


def test_the_forging_provider_is_honest_when_asked_to_be(client, forger):
    """The control: with a good token the same flow signs in (so the refusals below are the checks at work)."""
    answer = _through_forger(client)
    assert answer.status_code == 302
    assert db.session.scalar(sa.select(LinkedIdentity.subject)) == "forged-subject"


@pytest.mark.parametrize("mode", ["wrong_iss", "wrong_aud", "expired", "other_key", "html", "no_id_token"])
def test_an_answer_that_cannot_be_trusted_is_refused(app, client, forger, mode, caplog):
    create_user(db.session, email="admin@plenary.example", name="Admin", password=PASSWORD)
    db.session.commit()
    forger.mode = mode
    with caplog.at_level(logging.INFO):
        answer = _through_forger(client)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 502, (mode, text[:400])
    assert "Signing in did not work" in text and "Forge" in text
    assert client.get("/profile").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LinkedIdentity)) == 0
    for secret in (CLIENT_SECRET, "code-", "eyJ"):
        assert secret not in text and secret not in caplog.text, (mode, secret)
    assert client.submit("/login", {"email": "admin@plenary.example", "password": PASSWORD}).status_code == 302


@pytest.fixture
def down_app(_schema, db_url) -> Iterator[Flask]:
    app = make_app(db_url, OIDC_PROVIDER_DOWN=f"http://127.0.0.1:9|id|{CLIENT_SECRET}|Down ID", OIDC_HTTP_TIMEOUT="2")
    with app.app_context():
        yield app
        empty_all_tables()
        db.session.remove()
        db.engine.dispose()


def test_a_provider_that_is_down_at_discovery_is_a_clear_502(down_app):
    client = down_app.test_client()
    answer = start(client, "down")
    assert answer.status_code == 502
    assert "Down ID did not answer" in answer.get_data(as_text=True)
    assert CLIENT_SECRET not in answer.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # the other ways in are still there


def test_a_provider_that_goes_down_at_token_time_is_a_clear_502(app, client, forger):
    redirect = start(client)
    import requests

    callback = requests.get(redirect.headers["Location"], allow_redirects=False, timeout=5).headers["Location"]
    forger.server.shutdown()  # stops answering between the two steps
    try:
        answer = client.get(local(callback))
    finally:
        forger.restart()
    assert answer.status_code == 502 and "did not answer properly" in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
