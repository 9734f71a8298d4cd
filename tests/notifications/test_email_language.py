"""Emails are written in the recipient's language, whoever's request sends them: their profile's, or, for someone
with no account yet, the language of the person who caused the email."""

import pytest
from flask_babel import force_locale, gettext

from app.accounts import service as accounts
from app.extensions import db
from app.groups import invitations
from app.groups import service as groups
from app.registration import service as registration
from tests.conftest import outbox_messages
from tests.registration.conftest import member_ids


def in_language(language: str, message: str, **values) -> str:
    with force_locale(language):
        translated = gettext(message, **values)
    assert translated != gettext(message, **values), f"{message!r} has no {language} translation"
    return translated


def only_email(kind: str):
    (message,) = [m for m in outbox_messages() if m.kind == kind]
    return message


@pytest.fixture
def english_request(app):
    """Everything below runs inside a request from an English-speaking browser."""
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        yield


def test_a_password_reset_is_in_the_account_holders_language(english_request, make_user):
    make_user(email="ana@example.org", name="Ana Lima", locale="es")
    accounts.request_password_reset(db.session, "ana@example.org")
    message = only_email("password_reset")
    assert message.subject == in_language("es", "Reset your Plenary password")
    assert message.body_text.startswith(in_language("es", "Hello %(name)s,", name="Ana Lima"))


def test_an_invitation_is_in_the_invitees_language_or_else_the_inviters(english_request, make_user):
    coordinator = make_user(name="Bo", locale="fr")
    make_user(email="cy@example.org", locale="pt_BR")
    group = groups.create_group(db.session, coordinator, name="Dock workers", organization="Port Union")
    invitations.invite_members(db.session, coordinator, group, "cy@example.org\nnew@example.org")
    by_address = {m.to_address: m for m in outbox_messages()}
    subject = "%(name)s invites you to join %(group)s on Plenary"
    values = {"name": "Bo", "group": "Dock workers"}
    assert by_address["cy@example.org"].subject == in_language("pt_BR", subject, **values)
    assert by_address["new@example.org"].subject == in_language("fr", subject, **values)


def test_each_coordinator_is_told_in_their_own_language(english_request, make_user, make_cohort):
    cohort = make_cohort("organizing-fundamentals", capacity=10)
    coordinator = make_user(name="Ana", locale="es")
    group = groups.create_group(db.session, coordinator, name="Dock workers", organization="Port Union")
    second = make_user(name="Bo", locale="fr")
    invitations.join_with_code(db.session, second, group.join_code)
    (membership,) = [m for m in group.active_members if m.user_id == second.id]
    groups.make_coordinator(db.session, coordinator, group, membership.id)
    for _ in range(2):
        invitations.join_with_code(db.session, make_user(), group.join_code)
    registration.register_group(db.session, coordinator, group, cohort, member_ids(group))
    subject = "%(group)s is confirmed for %(course)s"
    values = {"group": "Dock workers", "course": cohort.course.title}
    by_address = {m.to_address: m.subject for m in outbox_messages() if m.kind == "registration_confirmed"}
    assert by_address == {
        coordinator.email: in_language("es", subject, **values),
        second.email: in_language("fr", subject, **values),
    }


def test_inviting_many_people_looks_their_languages_up_at_once(english_request, make_user, count_queries):
    coordinator = make_user(name="Bo", locale="fr")
    known = [f"known{n}@example.org" for n in range(6)]
    for address in known:
        make_user(email=address, locale="es")
    group = groups.create_group(db.session, coordinator, name="Dock workers", organization="Port Union")
    with count_queries() as two:
        invitations.invite_members(db.session, coordinator, group, "\n".join(known[:2]))
    with count_queries() as six:
        invitations.invite_members(db.session, coordinator, group, "\n".join(known))
    assert six.count - two.count <= 4 * 2  # the four more invitations' own rows, not a language lookup each
    subject = in_language("es", "%(name)s invites you to join %(group)s on Plenary", name="Bo", group="Dock workers")
    assert {m.to_address for m in outbox_messages() if m.subject == subject} == set(known)
