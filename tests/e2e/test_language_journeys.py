"""Languages in a real browser: a Spanish-speaking visitor switches to Portuguese without JavaScript, signs up and
gets the email in Portuguese; the same pages in the four languages on a phone, light and accessible in each.
Expected words come from the shipped catalogues, so the test follows the translators' wording."""

import re
from pathlib import Path

from babel.support import Translations
from playwright.sync_api import expect

from app.demo.data import DEMO_PASSWORD

TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "translations"
LANGUAGES = {"en": "en-GB", "es": "es-MX", "pt_BR": "pt-BR", "fr": "fr-FR"}


def said(language: str, message: str, **values) -> str:
    """`message` as the shipped catalogue of `language` says it."""
    text = Translations.load(str(TRANSLATIONS), [language]).gettext(message)
    return text % values if values else text


def test_a_visitor_switches_language_without_script_and_signs_up_in_portuguese(browser, live_server):
    context = browser.new_context(locale="es-MX", java_script_enabled=False, viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", name=said("es", "Courses"), level=1)).to_be_visible()

        page.get_by_role("navigation", name=said("es", "Language")).get_by_role(
            "link", name="Português (Brasil)"
        ).click()
        expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
        expect(page).to_have_url(live_server.url + "/")  # still on the page it was chosen from
        expect(page.get_by_role("heading", name=said("pt_BR", "Courses"), level=1)).to_be_visible()

        page.get_by_role("link", name=said("pt_BR", "Sign up")).first.click()
        page.get_by_label(said("pt_BR", "Your name")).fill("Ana Souza")
        page.get_by_label(said("pt_BR", "Email")).fill("ana.souza@example.org")
        page.get_by_label(said("pt_BR", "Password")).fill("a luta continua sempre")
        page.get_by_role("button", name=said("pt_BR", "Create account")).click()
        expect(page.get_by_role("heading", name=said("pt_BR", "Check your email"))).to_be_visible()
        subject = said("pt_BR", "Confirm your email to finish joining Plenary")
        assert subject != "Confirm your email to finish joining Plenary"
        message = live_server.sink.wait_for("ana.souza@example.org", subject_contains=subject, timeout=20)
        body = live_server.sink.body_text(message)
        assert said("pt_BR", "Hello %(name)s,", name="Ana Souza") in body
        link = re.search(r"https?://\S+/signup/confirm/\S+", body).group(0)
        page.goto(link)
        page.get_by_role("button", name=said("pt_BR", "Create my account")).click()
        expect(page.get_by_role("button", name=said("pt_BR", "Log out"))).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    finally:
        context.close()


def test_the_same_pages_in_four_languages_on_a_phone_are_light_and_accessible(journey):
    for language, browser_locale in LANGUAGES.items():
        person = journey(locale=browser_locale)
        person.page.set_viewport_size({"width": 360, "height": 800})
        for path, label in (("/", "catalogue"), ("/login", "log in"), ("/signup", "sign up")):
            page = person.goto(path)
            expect(page.locator("html")).to_have_attribute("lang", language.replace("_", "-"))
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{path} in {language} is wider than a phone by {overflow} px"
            person.check(f"{label} {language}")
        person.assert_accessible()
        person.assert_light()


def reading_title(slug: str, language: str) -> str:
    """The title a reading's translation (or, for English, its source) gives in its front matter."""
    suffix = "" if language == "en" else f".{language}"
    source = Path(__file__).resolve().parents[2] / "courses" / "power-and-participation" / "readings"
    text = (source / f"{slug}{suffix}.md").read_text(encoding="utf-8")
    return re.search(r"^title: (.+)$", text, re.MULTILINE).group(1).strip()


def test_a_spanish_speaking_participant_reads_in_spanish_and_is_told_where_a_text_is_not_translated(journey):
    maribel = journey(locale="en-US")  # her profile says Spanish: once she is signed in, that wins
    page = maribel.goto("/login")
    page.get_by_label("Email").fill("maribel.ortega@members.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=said("es", "Log out"))).to_be_visible()
    page.goto(maribel.base_url + "/home")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    link = page.locator(".due-readings a, a[href*='/readings/']").first
    slug = link.get_attribute("href").rsplit("/", 1)[-1]
    link.click()
    spanish = reading_title(slug, "es")
    expect(page.get_by_role("heading", name=spanish, level=1)).to_be_visible()
    expect(page.locator(".reading-text")).to_have_attribute("lang", "es")
    maribel.check("reading in Spanish")

    page.get_by_role("link", name=said("es", "Read the original (English)")).click()
    expect(page.get_by_role("heading", name=reading_title(slug, "en"), level=1)).to_be_visible()

    # In French, which no course is translated into yet, the reading says so and shows the English text.
    page.get_by_role("link", name=said("es", "Show it in your language")).click()
    expect(page.get_by_role("heading", name=spanish, level=1)).to_be_visible()
    page.get_by_role("navigation", name=said("es", "Language")).get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(
        page.get_by_role("note").filter(has_text=said("fr", "Not yet translated — shown in English"))
    ).to_be_visible()
    expect(page.locator(".reading-text")).to_have_attribute("lang", "en")
    maribel.check("reading not yet translated into French")
    maribel.assert_accessible()
