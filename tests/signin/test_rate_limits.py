"""Asking for sign-in links is limited per client and, separately, per address."""

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import FormClient
from tests.conftest import test_config as config_for
from tests.signin.conftest import ask

ALLOWED = 2


@pytest.fixture
def limited(app, db_url):
    limited_app = create_app(
        config_for(db_url, RATELIMIT_ENABLED=True, SIGN_IN_LINK_RATE_LIMIT=f"{ALLOWED} per minute")
    )
    limited_app.test_client_class = FormClient
    yield limited_app
    with limited_app.app_context():
        db.engine.dispose()


def test_one_client_asking_for_many_addresses_is_limited(limited):
    with limited.app_context():
        client = limited.test_client()
        statuses = [ask(client, f"p{n}@example.org").status_code for n in range(ALLOWED + 1)]
        assert statuses[:ALLOWED] == [302] * ALLOWED and statuses[ALLOWED] == 429


def test_one_address_asked_from_many_clients_is_limited(limited):
    with limited.app_context():
        statuses = []
        for n in range(ALLOWED + 1):
            client = limited.test_client()
            client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
            statuses.append(ask(client, "ana@example.org").status_code)
        assert statuses[:ALLOWED] == [302] * ALLOWED and statuses[ALLOWED] == 429
        other = limited.test_client()
        other.environ_base["REMOTE_ADDR"] = "10.0.1.1"
        assert ask(other, "someone-else@example.org").status_code == 302
