"""Journey (b): a coordinator creates a group, invites members by email, members accept from the emailed
link (read from the SMTP sink) and sign up on the way, and the registration confirms at the threshold."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import finish_signup


def invitation_link(live_server, email: str) -> str:
    message = live_server.sink.wait_for(email, subject_contains="invites you", timeout=20)
    return re.search(r"https?://\S+/invitations/\S+", live_server.sink.body_text(message)).group(0)


def test_group_forms_by_email_invitation_and_confirms_at_the_threshold(journey, live_server):
    coordinator = journey(timezone_id="America/Bogota")
    page = coordinator.goto("/signup")
    page.get_by_label("Your name").fill("Marta Quispe")
    page.get_by_label("Email").fill("marta@riders.example")
    page.get_by_label("Password").fill("riders united now")
    page.get_by_role("button", name="Create account").click()
    finish_signup(page, live_server, "marta@riders.example")

    page.get_by_role("link", name="Groups").click()
    coordinator.check("my groups, empty")
    page.get_by_role("link", name="Create a group").click()
    page.get_by_label("Group name").fill("Delivery riders' circle")
    page.get_by_label("Organization").fill("Riders' Union of Lima")
    page.get_by_label("Country code").fill("PE")
    page.get_by_role("button", name="Create group").click()
    expect(page.get_by_text("Your group is created.")).to_be_visible()
    coordinator.check("new group")

    page.get_by_label("Email addresses").fill("Rosa Huamán <rosa@riders.example>\nluis@riders.example\nnot-an-email")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("2 invitations sent.")).to_be_visible()
    expect(page.locator(".invite-report")).to_contain_text("Line 3: not-an-email")
    coordinator.check("invitations sent with one bad line")

    for name, email in (("Rosa Huamán", "rosa@riders.example"), ("Luis Paredes", "luis@riders.example")):
        member = journey(timezone_id="America/Lima")
        member_page = member.page
        member_page.goto(invitation_link(live_server, email))
        expect(member_page.get_by_role("heading", name="Join Delivery riders' circle")).to_be_visible()
        expect(member_page.get_by_label("Email")).to_have_value(email)
        member.check("invitation")
        member_page.get_by_label("Your name").fill(name)
        member_page.get_by_label("Password (optional)").fill("we ride together")
        member_page.get_by_role("button", name="Create account and join").click()
        expect(member_page.get_by_text("Welcome to Delivery riders' circle.")).to_be_visible()
        member.check("joined the group")
        member.assert_accessible()

    page.reload()
    expect(page.get_by_role("heading", name="3 active members")).to_be_visible()

    # The coordinator registers from the course page, using the keyboard only.
    page.goto(live_server.url + "/courses/organizing-fundamentals")
    register = page.get_by_role("link", name=re.compile("Register your group.*Wednesday evenings"))
    register.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Register for Organizing Fundamentals")).to_be_visible()
    coordinator.check("registration form")
    page.get_by_role("button", name="Register the group").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".status")).to_contain_text("Confirmed: 3 seats held.")
    expect(page.get_by_text("3 of 3 members have joined the roster.")).to_be_visible()
    coordinator.check("registration confirmed")
    confirmation = live_server.sink.wait_for("marta@riders.example", subject_contains="is confirmed", timeout=20)
    assert "Organizing Fundamentals" in confirmation["Subject"]
    coordinator.assert_accessible()
    coordinator.assert_light()
