"""Linking a provider from the profile, removing it, and the last way in."""

import sqlalchemy as sa

from app.accounts.service import create_user
from app.extensions import db
from app.oidc.models import LinkedIdentity
from tests.conftest import csrf_tokens
from tests.oidc.conftest import approve_at_mock, local, set_claims, sign_in_through_mock, start

PASSWORD = "a long pass phrase"


def _sign_in_with_password(client, email):
    create_user(db.session, email=email, name="Rosa", password=PASSWORD)
    db.session.commit()
    assert client.submit("/login", {"email": email, "password": PASSWORD}).status_code == 302


def _link_from_profile(client, mock_provider, sub, **claims):
    set_claims(mock_provider, sub, **claims)
    redirect = start(client, page="/profile", path="/profile/providers/mock/link")
    assert redirect.status_code == 302
    return client.get(local(approve_at_mock(redirect.headers["Location"], sub)))


def _remove(client, identity_id):
    tokens = csrf_tokens(client.get("/profile").get_data(as_text=True))
    return client.post(f"/profile/providers/{identity_id}/remove", data={"csrf_token": tokens["csrf_token"]})


def test_a_signed_in_person_links_a_provider_at_once_and_sees_it_on_the_profile(client, mock_provider):
    _sign_in_with_password(client, "rosa@example.org")
    # Even an address the provider does not vouch for: being signed in here and there is the proof.
    answer = _link_from_profile(client, mock_provider, "rosa-sub", email="rosa.other@example.org")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/profile")
    page = client.get("/profile").get_data(as_text=True)
    assert "Mock ID is linked" in page and "rosa.other@example.org" in page and "Remove Mock ID" in page
    assert "rosa-sub" not in page
    client.submit("/logout", page="/profile")
    assert sign_in_through_mock(client, mock_provider, "rosa-sub").status_code == 302
    assert "rosa@example.org" in client.get("/profile").get_data(as_text=True)


def test_a_provider_account_that_opens_another_account_cannot_be_linked_again(client, mock_provider):
    set_claims(mock_provider, "taken-sub", email="first@example.org", email_verified=True)
    sign_in_through_mock(client, mock_provider, "taken-sub")
    client.submit("/logout", page="/profile")
    _sign_in_with_password(client, "second@example.org")
    answer = _link_from_profile(client, mock_provider, "taken-sub", email="first@example.org", email_verified=True)
    assert answer.status_code == 400 and "already signs in to another Plenary account" in answer.get_data(as_text=True)
    owners = db.session.scalars(sa.select(LinkedIdentity.user_id)).all()
    assert len(owners) == 1


def test_removing_a_provider_keeps_the_password_way_in(client, mock_provider):
    _sign_in_with_password(client, "rosa@example.org")
    _link_from_profile(client, mock_provider, "rosa-sub2", email="rosa@example.org")
    identity = db.session.scalar(sa.select(LinkedIdentity))
    answer = _remove(client, identity.id)
    assert answer.status_code == 302
    assert "Mock ID is no longer linked" in client.get("/profile").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LinkedIdentity)) == 0


def test_removing_the_last_way_in_is_refused(client, mock_provider):
    sign_in_through_mock(
        client, mock_provider, "only-way", claims={"email": "solo@example.org", "email_verified": True}
    )
    identity = db.session.scalar(sa.select(LinkedIdentity))
    answer = _remove(client, identity.id)
    assert answer.status_code == 302
    assert "This is your only way to sign in" in client.get("/profile").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LinkedIdentity)) == 1


def test_nobody_removes_another_persons_link(client, mock_provider):
    sign_in_through_mock(
        client, mock_provider, "victim", claims={"email": "victim@example.org", "email_verified": True}
    )
    victim_identity = db.session.scalar(sa.select(LinkedIdentity))
    client.submit("/logout", page="/profile")
    _sign_in_with_password(client, "rosa@example.org")
    _remove(client, victim_identity.id)
    assert "not linked to your account" in client.get("/profile").get_data(as_text=True)
    assert db.session.get(LinkedIdentity, victim_identity.id) is not None


def test_removing_needs_the_forms_csrf_token(client, mock_provider):
    sign_in_through_mock(client, mock_provider, "csrf", claims={"email": "c@example.org", "email_verified": True})
    identity = db.session.scalar(sa.select(LinkedIdentity))
    assert client.post(f"/profile/providers/{identity.id}/remove").status_code == 400


def test_a_passwordless_account_chooses_a_password_by_the_reset_link_then_may_remove_the_provider(
    client, mock_provider
):
    from app.accounts.models import User
    from app.accounts.service import make_reset_token

    sign_in_through_mock(
        client, mock_provider, "later-pw", claims={"email": "later@example.org", "email_verified": True}
    )
    user = db.session.scalar(sa.select(User).where(User.email == "later@example.org"))
    reset = f"/reset/{make_reset_token(user)}"
    assert (
        client.submit(reset, {"password": "another long phrase", "confirm": "another long phrase"}).status_code == 302
    )
    identity = db.session.scalar(sa.select(LinkedIdentity))
    assert _remove(client, identity.id).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LinkedIdentity)) == 0
