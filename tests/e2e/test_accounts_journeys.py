"""Journeys a newcomer takes in a real browser: sign up, browse the courses, read, reset a password."""

import re

from playwright.sync_api import expect

from app.demo.data import DEMO_PASSWORD
from tests.e2e.conftest import finish_signup


def test_newcomer_signs_up_with_their_zone_guessed_and_reads_a_course(journey, live_server):
    person = journey(timezone_id="Asia/Tokyo")
    page = person.goto("/")
    expect(page.get_by_role("heading", name="Courses", level=1)).to_be_visible()
    person.check("catalogue")

    page.get_by_role("link", name="Sign up").click()
    # The browser's zone is preselected by the small script; the person can still change it.
    expect(page.get_by_label("Your time zone")).to_have_value("Asia/Tokyo")
    person.check("signup")
    page.get_by_label("Your name").fill("Keiko Tanaka")
    page.get_by_label("Email").fill("keiko@example.org")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#password-error")).to_contain_text("at least 8")
    expect(page.get_by_label("Your name")).to_have_value("Keiko Tanaka")
    person.check("signup with an error")

    page.get_by_label("Password").fill("many rivers meet")
    page.get_by_role("button", name="Create account").click()
    person.check("check your email")
    finish_signup(page, live_server, "keiko@example.org")
    expect(page.get_by_text("Welcome to Plenary, Keiko Tanaka.")).to_be_visible()

    page.get_by_role("link", name="Power and Participation").click()
    expect(page.get_by_role("heading", name="Power and Participation", level=1)).to_be_visible()
    # The demo cohort's sessions are shown in the person's own zone, named.
    expect(page.locator(".session-times").first).to_contain_text("(Asia/Tokyo)")
    person.check("course page")

    page.locator(".reading-list a").first.click()
    expect(page.get_by_role("heading", name="Discussion questions")).to_be_visible()
    person.check("reading")

    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_label("Your time zone")).to_have_value("Asia/Tokyo")
    person.check("profile")
    person.assert_accessible()
    person.assert_light()


def test_forgotten_password_is_reset_from_the_emailed_link_using_only_the_keyboard(journey, live_server):
    person = journey()
    page = person.goto("/login")
    page.get_by_role("link", name="Forgot your password?").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/reset$"))
    person.check("reset request")
    page.get_by_label("Email").focus()
    page.keyboard.type("priya@plenary.example")
    page.keyboard.press("Tab")  # to the button
    page.keyboard.press("Enter")
    expect(page.get_by_text("a reset link is on its way")).to_be_visible()

    message = live_server.sink.wait_for("priya@plenary.example", subject_contains="Reset", timeout=20)
    link = re.search(r"https?://\S+/reset/\S+", live_server.sink.body_text(message)).group(0)
    page.goto(link)
    person.check("choose new password")
    page.get_by_label("New password", exact=True).focus()
    page.keyboard.type("a new river crossing")
    page.keyboard.press("Tab")
    page.keyboard.type("a new river crossing")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your password is changed.")).to_be_visible()

    # The old password no longer works; the new one does.
    page.get_by_role("button", name="Log out").click()
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill("priya@plenary.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_text("do not match an account")).to_be_visible()
    person.check("login error")
    page.get_by_label("Password").fill("a new river crossing")
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    person.assert_accessible()
    person.assert_light()


def test_pages_work_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/signup")
    expect(page.get_by_label("Your time zone")).to_have_value("UTC")
    page.get_by_label("Your name").fill("No Script")
    page.get_by_label("Email").fill("noscript@example.org")
    page.get_by_label("Password").fill("plain html works")
    page.get_by_label("Your time zone").select_option("Africa/Nairobi")
    page.get_by_role("button", name="Create account").click()
    finish_signup(page, live_server, "noscript@example.org")
    expect(page.get_by_text("Welcome to Plenary, No Script.")).to_be_visible()
    page.goto(live_server.url + "/courses/power-and-participation")
    expect(page.locator(".session-times").first).to_contain_text("(Africa/Nairobi)")
    context.close()
