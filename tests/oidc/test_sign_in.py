"""Signing in through a real OpenID provider on loopback, the whole authorization code flow."""

import sqlalchemy as sa

from app.accounts.models import User
from app.accounts.service import create_user
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.oidc.models import LinkedIdentity
from tests.oidc.conftest import approve_at_mock, local, set_claims, sign_in_through_mock, start


def _verified(email, name="Ana Torres"):
    return {"email": email, "email_verified": True, "name": name}


def test_a_new_person_signs_up_through_the_provider_and_lands_where_they_were_going(client, mock_provider):
    answer = sign_in_through_mock(
        client, mock_provider, "ana-1", next_url="/groups", claims=_verified("Ana@Example.org")
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/groups")
    user = db.session.scalar(sa.select(User).where(User.email == "ana@example.org"))
    assert user is not None and user.name == "Ana Torres" and user.password_hash is None
    identity = db.session.scalar(sa.select(LinkedIdentity))
    assert (identity.user_id, identity.subject, identity.issuer) == (user.id, "ana-1", mock_provider)
    assert "Welcome to Plenary, Ana Torres." in client.get("/groups").get_data(as_text=True)
    assert "Ana Torres" in client.get("/profile").get_data(as_text=True)


def test_a_known_subject_signs_in_to_its_account_whatever_email_it_now_shows(client, mock_provider):
    sign_in_through_mock(client, mock_provider, "ana-2", claims=_verified("ana2@example.org"))
    client.post("/logout", data={"csrf_token": _token(client)})
    answer = sign_in_through_mock(client, mock_provider, "ana-2", claims=_verified("changed@example.org"))
    assert answer.status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    assert "ana2@example.org" in page and "Mock ID" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def _token(client):
    from tests.conftest import csrf_tokens

    return next(iter(csrf_tokens(client.get("/profile").get_data(as_text=True)).values()))


def test_a_forged_state_is_refused_and_nobody_is_signed_in(client, mock_provider):
    set_claims(mock_provider, "mallory", **_verified("mallory@example.org"))
    callback = local(approve_at_mock(start(client).headers["Location"], "mallory"))
    forged = callback.replace("state=", "state=x")
    answer = client.get(forged)
    assert answer.status_code == 400 and "not started here" in answer.get_data(as_text=True)
    assert client.get("/profile").status_code == 302  # still signed out
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_callback_without_state_or_code_is_a_clear_400(client):
    for url in ("/oidc/mock/callback", "/oidc/mock/callback?code=abc", "/oidc/mock/callback?state=abc"):
        answer = client.get(url)
        assert answer.status_code == 400, url
        assert "Signing in did not work" in answer.get_data(as_text=True)


def test_a_replayed_code_is_refused(client, mock_provider):
    set_claims(mock_provider, "ana-3", **_verified("ana3@example.org"))
    redirect = start(client)
    callback = local(approve_at_mock(redirect.headers["Location"], "ana-3"))
    assert client.get(callback).status_code == 302
    client.post("/logout", data={"csrf_token": _token(client)})
    again = client.get(callback)
    assert again.status_code == 400
    assert client.get("/profile").status_code == 302


def test_an_error_from_the_provider_is_a_clear_page(client, mock_provider):
    redirect = start(client)
    state = redirect.headers["Location"].split("state=")[1].split("&")[0]
    answer = client.get(f"/oidc/mock/callback?error=access_denied&state={state}")
    assert answer.status_code == 400
    assert "did not finish signing in at Mock ID" in answer.get_data(as_text=True)


def test_an_unverified_email_never_links_nor_signs_into_the_account_that_has_it(app, client, mock_provider):
    create_user(db.session, email="owner@example.org", name="Owner", password="a long pass phrase")
    db.session.commit()
    claims = {"email": "owner@example.org", "email_verified": False}
    answer = sign_in_through_mock(client, mock_provider, "attacker", claims=claims)
    assert answer.status_code == 403
    assert "did not confirm your email address" in answer.get_data(as_text=True)
    assert client.get("/profile").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LinkedIdentity)) == 0
    # Missing entirely: the same
    answer = sign_in_through_mock(client, mock_provider, "attacker2", claims={"email": "new@example.org"})
    assert answer.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_a_verified_email_of_an_existing_account_links_only_after_the_emailed_confirmation(app, client, mock_provider):
    create_user(db.session, email="owner@example.org", name="Owner", password="a long pass phrase")
    db.session.commit()
    answer = sign_in_through_mock(
        client, mock_provider, "owner-sub", next_url="/groups", claims=_verified("owner@example.org")
    )
    assert answer.status_code == 200 and "Check your email" in answer.get_data(as_text=True)
    assert client.get("/profile").status_code == 302  # not signed in
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LinkedIdentity)) == 0
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "identity_link_confirm"))
    assert mail.to_address == "owner@example.org"
    link = next(word for word in mail.body_text.split() if "/oidc/link/" in word)
    path = link.replace("http://plenary.test", "")
    page = client.get(path)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and "Link Mock ID" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LinkedIdentity)) == 0
    confirmed = client.submit(path)
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/groups")
    assert "Mock ID is linked" in client.get("/groups").get_data(as_text=True)
    assert db.session.scalar(sa.select(LinkedIdentity.subject)) == "owner-sub"
    assert client.get(path).status_code == 400  # single use
    client.post("/logout", data={"csrf_token": _token(client)})
    assert sign_in_through_mock(client, mock_provider, "owner-sub").status_code == 302
    assert "owner@example.org" in client.get("/profile").get_data(as_text=True)


def test_two_step_sign_in_is_still_asked_after_the_provider(app, client, mock_provider):
    sign_in_through_mock(client, mock_provider, "ana-4", claims=_verified("ana4@example.org"))
    user = db.session.scalar(sa.select(User).where(User.email == "ana4@example.org"))
    from app.lib.time import now_utc

    user.totp_secret, user.totp_enabled_at = "JBSWY3DPEHPK3PXP", now_utc()
    db.session.commit()
    client.post("/logout", data={"csrf_token": _token(client)})
    answer = sign_in_through_mock(client, mock_provider, "ana-4")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login/code")
    assert client.get("/profile").status_code == 302


def test_the_buttons_show_on_the_log_in_sign_up_and_join_pages_carrying_next(client):
    login = client.get("/login?next=/groups").get_data(as_text=True)
    assert "Sign in with Mock ID" in login and 'href="/oidc/mock/start?next=/groups"' in login
    assert "Sign in with Mock ID" in client.get("/signup").get_data(as_text=True)


def test_a_join_link_leads_through_the_provider_and_back_to_the_group(app, client, mock_provider):
    from app.groups.service import create_group

    coordinator = create_user(db.session, email="coord@example.org", name="Coord", password="a long pass phrase")
    group = create_group(db.session, coordinator, name="Transit Riders", organization="Riders Union")
    db.session.commit()
    join_path = f"/join/{group.join_code}"
    page = client.get(join_path).get_data(as_text=True)
    assert "Sign in with Mock ID" in page and f'href="/oidc/mock/start?next={join_path}"' in page
    answer = sign_in_through_mock(
        client, mock_provider, "joiner", next_url=join_path, claims=_verified("joiner@example.org", "Joiner")
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith(join_path)
    assert "Join the group as Joiner" in client.get(join_path).get_data(as_text=True)
