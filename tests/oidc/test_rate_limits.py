"""The emailed confirmation that links a provider to an existing account is limited per account, on top of the
per-client limit on the callback: many provider accounts claiming one address, from many clients, cannot flood it."""

import pytest

from app.accounts.service import create_user
from app.extensions import db
from tests.conftest import outbox_messages
from tests.oidc.conftest import CLIENT_ID, CLIENT_SECRET, sign_in_through_mock

ALLOWED = 2


@pytest.fixture
def oidc_settings(mock_provider) -> dict:
    return {
        "OIDC_PROVIDER_MOCK": f"{mock_provider}|{CLIENT_ID}|{CLIENT_SECRET}|Mock ID",
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "100 per minute",
        "SIGN_IN_LINK_RATE_LIMIT": f"{ALLOWED} per minute",
    }


def _claim_from_a_new_client(app, mock_provider, n: int, email: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.0.{n // 200}.{n % 200 + 1}"
    return sign_in_through_mock(
        client, mock_provider, f"claimant-{email}-{n}", claims={"email": email, "email_verified": True}
    )


def _confirmations_to(address: str) -> int:
    return sum(1 for m in outbox_messages() if m.to_address == address and m.kind == "identity_link_confirm")


def test_link_confirmations_to_one_account_are_limited_whatever_the_client(app, mock_provider):
    for email in ("owner@example.org", "other@example.org"):
        create_user(db.session, email=email, name="Owner", password="a long pass phrase")
    db.session.commit()
    answers = [_claim_from_a_new_client(app, mock_provider, n, "owner@example.org") for n in range(ALLOWED + 1)]
    assert [a.status_code for a in answers] == [200] * ALLOWED + [429]
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60
    refused = answers[-1].get_data(as_text=True)
    assert "already emailed owner@example.org several links" in refused and "other ways in still work" in refused
    assert _confirmations_to("owner@example.org") == ALLOWED
    # Another account is not held back by the first one's limit.
    assert _claim_from_a_new_client(app, mock_provider, 50, "other@example.org").status_code == 200
    assert _confirmations_to("other@example.org") == 1
