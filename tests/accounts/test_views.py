"""Sign-up, login, logout, reset and profile over HTTP, with CSRF on as in production."""

import re

import sqlalchemy as sa

from app.accounts.models import User
from app.extensions import db
from tests.conftest import outbox_messages

SIGNUP = {
    "name": "Ana Lima",
    "email": "ana@example.org",
    "password": "solidarity forever",
    "timezone": "America/Sao_Paulo",
}


def confirmation_link(email: str) -> str:
    message = [m for m in outbox_messages() if m.to_address == email][-1]
    return re.search(r"http://plenary.test(/signup/confirm/\S+)", message.body_text).group(1)


def test_signup_confirms_the_email_then_creates_the_account_and_logs_in(client):
    response = client.submit("/signup", {**SIGNUP, "next": "/groups"})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User)) is None  # nothing exists until the address is confirmed
    link = confirmation_link("ana@example.org")
    assert client.get(link).status_code == 200 and db.session.scalar(sa.select(User)) is None  # GET only asks
    done = client.submit(link, page=link)
    assert done.status_code == 302 and done.headers["Location"].endswith("/groups")
    user = db.session.scalar(sa.select(User).where(User.email == "ana@example.org"))
    assert user.timezone == "America/Sao_Paulo" and user.check_password(SIGNUP["password"])
    assert client.get("/profile").status_code == 200
    assert client.get(link).status_code == 400  # the link works once


def test_signup_form_guesses_the_time_zone_but_works_without_script(client):
    page = client.get("/signup").get_data(as_text=True)
    assert 'data-guess-timezone="true"' in page
    assert '<option selected value="UTC">' in page or '<option value="UTC" selected>' in page
    assert "/static/js/timezone.js" in page


def test_signup_answers_the_same_whether_or_not_the_email_has_an_account(app, client, make_user):
    make_user(email="ana@example.org", name="Ana Original")
    known = client.submit("/signup", {**SIGNUP, "email": "ANA@example.org"})
    unknown = app.test_client().submit("/signup", {**SIGNUP, "email": "bea@example.org"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r, email: r.get_data(as_text=True).replace(email, "EMAIL")  # noqa: E731
    assert strip(known, "ana@example.org") == strip(unknown, "bea@example.org")
    kinds = {m.to_address: m.kind for m in outbox_messages()}
    assert kinds == {"ana@example.org": "signup_existing", "bea@example.org": "signup_confirm"}
    assert db.session.scalar(sa.select(User.name).where(User.email == "ana@example.org")) == "Ana Original"


def test_signup_with_bad_email_and_short_password_explains_both(client):
    response = client.submit("/signup", {**SIGNUP, "email": "not-an-email", "password": "short"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page
    assert 'id="password-error"' in page


def test_signup_without_csrf_token_is_refused(client):
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_login_and_logout(client, auth, make_user):
    make_user(email="rosa@example.org")
    response = auth.login("Rosa@Example.org")
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/profile").status_code == 302


def test_login_failure_is_a_clear_message_not_a_500(client, auth, make_user):
    make_user(email="rosa@example.org")
    response = auth.login("rosa@example.org", "wrong password")
    assert response.status_code == 422
    assert "do not match an account" in response.get_data(as_text=True)


def test_login_redirects_only_to_local_pages(client, make_user):
    make_user(email="rosa@example.org")
    data = {"email": "rosa@example.org", "password": "correct horse battery"}
    evil = client.submit("/login", {**data, "next": "https://evil.example/steal"})
    assert evil.headers["Location"] == "/"
    client.submit("/logout", page="/")
    good = client.submit("/login", {**data, "next": "/profile"})
    assert good.headers["Location"] == "/profile"


def test_logout_is_post_only(client, auth, make_user):
    make_user(email="rosa@example.org")
    auth.login("rosa@example.org")
    assert client.get("/logout").status_code == 405
    assert client.get("/profile").status_code == 200


def test_login_is_rate_limited_with_a_clear_429_page(app, db_url, make_user):
    from app import create_app
    from tests.conftest import FormClient, test_config

    limited = create_app(test_config(db_url, RATELIMIT_ENABLED=True))
    limited.test_client_class = FormClient
    with limited.app_context():
        client = limited.test_client()
        attempts = [client.submit("/login", {"email": "x@example.org", "password": "wrong pass"}) for _ in range(11)]
        db.engine.dispose()
    assert [r.status_code for r in attempts[:10]] == [422] * 10
    assert attempts[10].status_code == 429
    assert "Too many attempts" in attempts[10].get_data(as_text=True)
    assert int(attempts[10].headers["Retry-After"]) > 0


def test_password_reset_journey(client, make_user):
    make_user(email="forgetful@example.org")
    response = client.submit("/reset", {"email": "forgetful@example.org"}, follow_redirects=True)
    assert "a reset link is on its way" in response.get_data(as_text=True)
    (message,) = outbox_messages()
    link = re.search(r"http://plenary\.test(/reset/\S+)", message.body_text).group(1)
    response = client.submit(link, {"password": "new password here", "confirm": "new password here"})
    assert response.status_code == 302
    client.submit("/logout", page="/")
    login = client.submit("/login", {"email": "forgetful@example.org", "password": "new password here"})
    assert login.status_code == 302
    # The link worked once.
    assert client.get(link).status_code == 400


def test_reset_request_answers_the_same_for_unknown_emails(client, make_user):
    make_user(email="known@example.org")

    def answer(email):
        page = client.submit("/reset", {"email": email}, follow_redirects=True).get_data(as_text=True)
        return re.sub(r'value="[^"]*"', "", page)  # CSRF tokens carry a timestamp; nothing else may differ

    assert answer("known@example.org") == answer("unknown@example.org")


def test_reset_form_mismatch_is_shown_next_to_the_field(client, make_user):
    from app.accounts.service import make_reset_token

    user = make_user()
    link = f"/reset/{make_reset_token(user)}"
    response = client.submit(link, {"password": "new password here", "confirm": "different one here"})
    assert response.status_code == 422
    assert "The two passwords differ." in response.get_data(as_text=True)


def test_profile_updates_name_and_time_zone(client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    response = client.submit(
        "/profile",
        {"name": "New Name", "timezone": "Asia/Manila", "locale": "es", "submit": "1"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    db.session.refresh(user)
    assert (user.name, user.timezone, user.locale) == ("New Name", "Asia/Manila", "es")


def test_profile_refuses_an_unknown_time_zone(client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    response = client.submit("/profile", {"name": "N", "timezone": "Atlantis/Capital", "locale": "en", "submit": "1"})
    assert response.status_code == 422
    assert 'id="timezone-error"' in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.timezone == "UTC"


def test_changing_password_keeps_this_session_and_ends_others(app, client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    other = app.test_client()
    other.submit("/login", {"email": user.email, "password": "correct horse battery"})
    assert other.get("/profile").status_code == 200
    response = client.submit(
        "/profile/password",
        {
            "pw-current_password": "correct horse battery",
            "pw-password": "fresh password 1",
            "pw-confirm": "fresh password 1",
        },
        page="/profile",
    )
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    assert other.get("/profile").status_code == 302


def test_users_create_command_makes_an_admin(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Boss@Example.org",
            "--name",
            "Boss",
            "--password",
            "long enough password",
            "--admin",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "boss@example.org"))
    assert user.is_admin


def test_users_create_command_reports_errors_with_exit_1(runner, make_user):
    make_user(email="taken@example.org")
    result = runner.invoke(
        args=["users", "create", "--email", "taken@example.org", "--name", "X", "--password", "long enough password"]
    )
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_signup_with_a_common_password_says_why_next_to_the_field_and_keeps_the_rest(client):
    response = client.submit("/signup", {**SIGNUP, "password": "iloveyou1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "most common passwords" in page and 'value="Ana Lima"' in page
    assert db.session.scalar(sa.select(User).where(User.email == SIGNUP["email"])) is None


def change_email(client, password: str, email: str):
    return client.submit("/profile/email", {"em-email": email, "em-password": password}, page="/profile")


def test_changing_email_asks_for_the_password_again(client, auth, make_user):
    make_user(email="ana@example.org")
    auth.login("ana@example.org")
    refused = change_email(client, "not my password", "ana@new.example")
    assert refused.status_code == 422 and "Your password is not right." in refused.get_data(as_text=True)
    assert 'value="ana@new.example"' in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.email)) == "ana@example.org"
    taken = change_email(client, "correct horse battery", "ana@example.org")
    assert "already your email address" in taken.get_data(as_text=True)


def email_change_link(email: str) -> str:
    message = [m for m in outbox_messages() if m.to_address == email and m.kind == "email_change_confirm"][-1]
    return re.search(r"http://plenary.test(/account/confirm-email/\S+)", message.body_text).group(1)


def test_changing_email_answers_the_same_whether_or_not_another_account_uses_the_address(app, client, auth, make_user):
    make_user(email="ana@example.org", name="Ana")
    make_user(email="taken@example.org", name="Owner of the address")
    auth.login("ana@example.org")
    answers, pages = [], []
    for address in ("Taken@Example.org", "free@example.org"):
        answers.append(change_email(client, "correct horse battery", address))
        pages.append(client.get(answers[-1].headers["Location"]).get_data(as_text=True))
    taken, free = answers
    assert taken.status_code == free.status_code == 302
    assert taken.headers["Location"] == free.headers["Location"]
    assert "We sent a link to taken@example.org" in pages[0]
    same = [re.sub(r'(csrf_token"[^>]*value=")[^"]+', r"\1TOKEN", p) for p in pages]  # signed with the time
    assert same[0].replace("taken@example.org", "EMAIL") == same[1].replace("free@example.org", "EMAIL")
    kinds = {m.to_address: m.kind for m in outbox_messages()}
    assert kinds == {"taken@example.org": "email_change_taken", "free@example.org": "email_change_confirm"}
    notice = next(m for m in outbox_messages() if m.kind == "email_change_taken")
    assert "Ana" not in notice.body_text and "ana@example.org" not in notice.body_text  # nothing about who tried
    emails = set(db.session.scalars(sa.select(User.email)))
    assert emails == {"ana@example.org", "taken@example.org"}  # nothing changed, for either account


def test_an_email_change_happens_only_when_the_new_address_confirms_it_and_the_link_works_once(
    app, client, auth, make_user
):
    make_user(email="ana@example.org")
    auth.login("ana@example.org")
    change_email(client, "correct horse battery", "ana@new.example")
    assert db.session.scalar(sa.select(User.email)) == "ana@example.org"  # not yet
    link = email_change_link("ana@new.example")
    assert client.get(link).status_code == 200
    assert db.session.scalar(sa.select(User.email)) == "ana@example.org"  # opening the link changes nothing
    done = client.submit(link, page=link)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.email)) == "ana@new.example"
    assert [m.to_address for m in outbox_messages() if m.kind == "email_changed"] == ["ana@example.org"]
    assert client.get(link).status_code == 400  # works once
    assert client.submit(link, page="/profile").status_code == 400


def test_an_email_change_link_is_refused_once_another_account_took_the_address(app, client, auth, make_user):
    make_user(email="ana@example.org")
    auth.login("ana@example.org")
    change_email(client, "correct horse battery", "ana@new.example")
    link = email_change_link("ana@new.example")
    make_user(email="ana@new.example")
    refused = client.submit(link, page=link)
    assert refused.status_code == 400 and "Another account now uses this address" in refused.get_data(as_text=True)
    assert set(db.session.scalars(sa.select(User.email))) == {"ana@example.org", "ana@new.example"}


def test_a_forged_or_expired_email_change_link_changes_nothing(app, client, auth, make_user):
    make_user(email="ana@example.org")
    auth.login("ana@example.org")
    change_email(client, "correct horse battery", "ana@new.example")
    link = email_change_link("ana@new.example")
    forged = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    assert client.get(forged).status_code == 400
    assert client.submit(forged, page="/profile").status_code == 400
    assert db.session.scalar(sa.select(User.email)) == "ana@example.org"


def test_the_old_address_can_undo_an_email_change_and_everyone_is_signed_out(app, client, auth, make_user):
    make_user(email="ana@example.org")
    auth.login("ana@example.org")
    assert change_email(client, "correct horse battery", "Mallory@Evil.example").status_code == 302
    link = email_change_link("mallory@evil.example")
    assert client.submit(link, page=link).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.email)) == "mallory@evil.example"
    notice = [m for m in outbox_messages() if m.kind == "email_changed"]
    assert [m.to_address for m in notice] == ["ana@example.org"]
    undo = re.search(r"http://plenary.test(/account/undo-email-change/\S+)", notice[0].body_text).group(1)

    owner = app.test_client()
    assert owner.get(undo).status_code == 200
    assert db.session.scalar(sa.select(User.email)) == "mallory@evil.example"  # opening the link changes nothing
    response = owner.submit(undo, page=undo)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.email)) == "ana@example.org"
    assert client.get("/profile").status_code == 302  # the browser that made the change is signed out
    assert [m.to_address for m in outbox_messages() if m.kind == "password_reset"] == ["ana@example.org"]
    again = owner.submit(undo, page=undo)
    assert again.status_code == 400 and "already undone" in again.get_data(as_text=True)
