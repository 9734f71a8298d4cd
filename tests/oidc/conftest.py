"""A real OpenID provider on loopback (oidc-provider-mock: discovery, JWKS, authorize, token; PUT /users/{sub} sets
claims) for the whole run, and an app configured to use it as the provider "mock"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask

from app import create_app
from app.extensions import db
from tests.conftest import FormClient, empty_all_tables, release_connections, test_config
from tests.tools.oidc_mock import mock_provider_process, set_claims

CLIENT_ID, CLIENT_SECRET = "plenary-test", "not-a-real-secret-123"


@pytest.fixture(scope="session")
def mock_provider() -> Iterator[str]:
    with mock_provider_process() as url:
        yield url


def make_app(db_url: str, **settings) -> Flask:
    app = create_app(test_config(db_url, **settings))
    app.test_client_class = FormClient
    return app


@pytest.fixture
def oidc_settings(mock_provider) -> dict:
    return {"OIDC_PROVIDER_MOCK": f"{mock_provider}|{CLIENT_ID}|{CLIENT_SECRET}|Mock ID"}


@pytest.fixture
def app(_schema, db_url, oidc_settings) -> Iterator[Flask]:
    app = make_app(db_url, **oidc_settings)
    with app.app_context():
        yield app
        db.session.rollback()
        empty_all_tables()
        release_connections()


def start(client, provider: str = "mock", *, page: str = "/login", next_url: str = "", path: str | None = None):
    """Follow a provider's button on `page` (the link as the page shows it): the redirect to the provider."""
    html = client.get(page if not next_url else f"{page}?next={next_url}").get_data(as_text=True)
    wanted = path or f"/oidc/{provider}/start"
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html) if h.startswith(wanted)]
    assert hrefs, f"no button for {wanted} on {page}"
    return client.get(hrefs[0])


def approve_at_mock(authorize_url: str, sub: str) -> str:
    """What the person does at the mock provider: choose the account and approve. Returns the callback URL."""
    answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text[:300]
    return answer.headers["Location"]


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sign_in_through_mock(client, mock_provider: str, sub: str, *, next_url: str = "", claims: dict | None = None):
    """The whole code flow: button, the provider's page, back to Plenary's callback. Returns the callback's answer."""
    if claims is not None:
        set_claims(mock_provider, sub, **claims)
    redirect = start(client, next_url=next_url)
    assert redirect.status_code == 302, redirect.get_data(as_text=True)[:500]
    location = redirect.headers["Location"]
    assert location.startswith(f"{mock_provider}/oauth2/authorize")
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"] and query["nonce"]
    return client.get(local(approve_at_mock(location, sub)))
