"""Account rules, through the service functions."""

import pytest

from app.accounts import service
from app.accounts.models import User
from app.extensions import db
from app.lib.errors import DomainError
from tests.conftest import outbox_messages


def test_emails_are_unique_whatever_their_letter_case(make_user):
    make_user(email="Ana@Example.org")
    with pytest.raises(DomainError) as caught:
        service.create_user(db.session, email="ana@EXAMPLE.org ", name="Other Ana", password="long enough pw")
    assert caught.value.field == "email"


def test_database_enforces_email_uniqueness_even_without_the_service_check(make_user):
    import sqlalchemy as sa

    make_user(email="dup@example.org")
    db.session.add(User(email="dup@example.org", name="Twin", timezone="UTC", locale="en"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_passwords_are_hashed_and_checked(make_user):
    user = make_user(password="correct horse battery")
    assert "correct horse battery" not in user.password_hash
    assert user.check_password("correct horse battery")
    assert not user.check_password("Correct horse battery")


@pytest.mark.parametrize("password", ["short", "1234567"])
def test_short_passwords_are_refused(app, password):
    with pytest.raises(DomainError, match="at least 8"):
        service.create_user(db.session, email="a@b.org", name="A", password=password)


def test_unknown_time_zone_is_refused(app):
    with pytest.raises(DomainError) as caught:
        service.create_user(db.session, email="a@b.org", name="A", password="long enough pw", timezone="Mars/Base")
    assert caught.value.field == "timezone"


@pytest.mark.parametrize("email", ["", "no-at-sign", "a@" + "b" * 253])
def test_an_address_that_cannot_be_one_is_refused_on_every_way_in(app, make_user, email):
    """Creating an account, signing up and changing the email share one check (254 characters is the column)."""
    user = make_user(email="ana@example.org")
    attempts = [
        lambda: service.create_user(db.session, email=email, name="A", password="long enough pw"),
        lambda: service.request_signup(db.session, email=email, name="A", password="long enough pw"),
        lambda: service.change_email(db.session, user, "correct horse battery", email),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as caught:
            attempt()
        assert caught.value.field == "email"


def test_authenticate_gives_one_answer_for_unknown_email_and_wrong_password(make_user):
    make_user(email="known@example.org")
    with pytest.raises(DomainError) as unknown:
        service.authenticate(db.session, "nobody@example.org", "whatever pw")
    with pytest.raises(DomainError) as wrong:
        service.authenticate(db.session, "known@example.org", "wrong password")
    assert unknown.value.message == wrong.value.message


def test_reset_token_works_once(make_user):
    user = make_user()
    token = service.make_reset_token(user)
    service.reset_password(db.session, token, "a brand new password")
    db.session.commit()
    with pytest.raises(DomainError, match="already been used"):
        service.reset_password(db.session, token, "another new password")


def test_reset_token_expires(app, make_user):
    user = make_user()
    token = service.make_reset_token(user)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    with pytest.raises(DomainError, match="expired"):
        service.user_for_reset_token(db.session, token)


def test_forged_reset_token_is_refused(make_user):
    make_user()
    with pytest.raises(DomainError, match="not valid"):
        service.user_for_reset_token(db.session, "eyJ1aWQiOjF9.forged.signature")


def test_reset_request_for_unknown_email_queues_nothing(make_user):
    service.request_password_reset(db.session, "stranger@example.org")
    assert outbox_messages() == []


def test_reset_request_queues_an_email_with_a_working_link(make_user):
    user = make_user(email="forgetful@example.org")
    service.request_password_reset(db.session, "FORGETFUL@example.org")
    (message,) = outbox_messages()
    assert message.to_address == "forgetful@example.org"
    assert "http://plenary.test/reset/" in message.body_text
    token = message.body_text.split("http://plenary.test/reset/")[1].split()[0]
    assert service.user_for_reset_token(db.session, token).id == user.id


def test_reset_and_password_change_sign_out_other_sessions(make_user):
    user = make_user()
    old_cookie = user.get_id()
    service.change_password(db.session, user, "correct horse battery", "a different password")
    assert user.get_id() != old_cookie  # the login cookie names the session version, so old cookies stop working


@pytest.mark.parametrize("password", ["password1", "Iloveyou", "qwertyuiop", "12345678", "  sunshine "])
def test_the_most_common_passwords_are_refused_whatever_their_case(app, password):
    with pytest.raises(DomainError, match="most common passwords"):
        service.create_user(db.session, email="ana@example.org", name="Ana", password=password)


def test_long_passphrases_without_composition_rules_are_welcome(app):
    phrase = "the bus drivers of line twelve meet on thursdays at the depot " * 2
    user = service.create_user(db.session, email="ana@example.org", name="Ana", password=phrase.strip())
    assert user.check_password(phrase.strip())
