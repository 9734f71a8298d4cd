"""Which language a page is in: the profile for signed-in people, the menu's cookie or the browser for visitors,
English last; the menu works without JavaScript and leaves the person on the page they were on."""

import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from app.accounts.models import User
from app.extensions import db
from tests.accounts.test_views import SIGNUP, confirmation_link
from tests.conftest import outbox_messages


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def in_language(language: str, message: str) -> str:
    """`message` as the shipped catalogue of `language` has it."""
    with force_locale(language):
        return gettext(message)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-MX,es;q=0.9,en;q=0.5", "es"),
        ("pt-BR", "pt-BR"),
        ("pt", "pt-BR"),  # a bare language finds its one offered variant
        ("pt-PT,pt;q=0.8", "pt-BR"),
        ("fr-CA", "fr"),
        ("de-DE,de;q=0.9", "en"),  # nothing offered: English
        ("en;q=abc,,;;==", "en"),  # malformed: ignored
        ("", "en"),
    ],
)
def test_a_visitor_is_answered_in_the_best_language_their_browser_asks_for(client, header, expected):
    response = client.get("/login", headers={"Accept-Language": header})
    assert response.status_code == 200 and html_lang(response) == expected


def test_the_page_text_follows_the_language(client):
    spanish = client.get("/login", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert in_language("es", "Log in") != "Log in", "the Spanish catalogue is not compiled or not translated"
    assert in_language("es", "Log in") in spanish


def test_the_menu_switches_a_visitor_without_script_and_stays_on_the_page(client):
    page = client.get("/courses?tz=UTC", headers={"Accept-Language": "es"}).get_data(as_text=True)
    link = re.search(r'<a href="(/language\?[^"]+)"[^>]*lang="pt-BR"', page).group(1).replace("&amp;", "&")
    switched = client.get(link, headers={"Accept-Language": "es"})
    assert switched.status_code == 302 and switched.headers["Location"] == "/courses?tz=UTC"
    # From now on the choice beats the browser's header, on every page.
    for url in ("/courses", "/login"):
        assert html_lang(client.get(url, headers={"Accept-Language": "es"})) == "pt-BR"


@pytest.mark.parametrize("value", ["xx", "", "es\r\nSet-Cookie: a=b", "a" * 5000, "<script>"])
def test_an_unknown_language_changes_nothing_and_is_not_shown(client, value):
    response = client.get("/language", query_string={"lang": value, "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Set-Cookie" not in response.headers
    client.set_cookie("lang", value[:100].replace("\r\n", ""))
    page = client.get("/login")
    assert page.status_code == 200 and html_lang(page) == "en" and "<script>" not in page.get_data(as_text=True)


def test_the_menu_never_leads_to_another_site(client):
    response = client.get("/language", query_string={"lang": "fr", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_a_signed_in_person_switches_with_a_button_that_saves_the_profile(client, auth, make_user):
    user = make_user(email="ana@example.org")
    auth.login("ana@example.org")
    page = client.get("/groups").get_data(as_text=True)
    assert 'name="lang" value="fr"' in page  # a form with its CSRF token, not a link
    switched = client.submit("/language", {"lang": "fr", "next": "/groups"}, page="/groups")
    assert switched.status_code == 302 and switched.headers["Location"] == "/groups"
    db.session.refresh(user)
    assert user.locale == "fr"
    assert html_lang(client.get("/profile", headers={"Accept-Language": "es"})) == "fr"


def test_a_link_cannot_change_a_signed_in_persons_language(client, auth, make_user):
    user = make_user(email="ana@example.org", locale="es")
    auth.login("ana@example.org")
    client.get("/language", query_string={"lang": "fr", "next": "/groups"})
    db.session.refresh(user)
    assert user.locale == "es" and html_lang(client.get("/groups")) == "es"
    refused = client.post("/language", data={"lang": "fr", "next": "/groups"})  # no CSRF token
    assert refused.status_code == 400
    db.session.refresh(user)
    assert user.locale == "es"


def test_the_profile_language_beats_the_cookie_and_the_browser(client, auth, make_user):
    make_user(email="ana@example.org", locale="fr")
    client.get("/language", query_string={"lang": "es", "next": "/"})
    auth.login("ana@example.org")
    assert html_lang(client.get("/profile", headers={"Accept-Language": "pt-BR"})) == "fr"


def test_an_old_profile_setting_for_portuguese_is_brazilian_portuguese(client, auth, make_user):
    make_user(email="ana@example.org", locale="pt")
    auth.login("ana@example.org")
    assert html_lang(client.get("/profile")) == "pt-BR"


def test_a_person_who_signs_up_in_portuguese_gets_the_email_and_the_account_in_portuguese(client):
    client.get("/language", query_string={"lang": "pt_BR", "next": "/signup"})
    client.submit("/signup", SIGNUP)
    link = confirmation_link(SIGNUP["email"])
    client.submit(link, page=link)
    user = db.session.scalar(sa.select(User).where(User.email == SIGNUP["email"]))
    assert user.locale == "pt_BR"
    (email,) = outbox_messages()
    assert (
        email.subject
        == in_language("pt_BR", "Confirm your email to finish joining Plenary")
        != ("Confirm your email to finish joining Plenary")
    )


def test_visitors_in_different_languages_never_get_each_others_cached_page(app):
    spanish, english = app.test_client(), app.test_client()
    spanish.get("/language", query_string={"lang": "es", "next": "/"})
    for _ in range(2):  # the second round is served from the cache
        assert html_lang(spanish.get("/courses")) == "es"
        assert html_lang(english.get("/courses")) == "en"
