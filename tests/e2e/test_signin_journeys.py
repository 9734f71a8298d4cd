"""Journey of issue 14: a coordinator with no password signs up by the emailed link, creates a group and invites two
members; one accepts through an OpenID provider (oidc-provider-mock on loopback), the other, new to Plenary, signs up
on the invitation page without a password and types the emailed 6-digit code; both end on the group's page. Its own
live server, configured with the provider."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveServer, finish_signup
from tests.tools.oidc_mock import set_claims

GROUP = "Night-shift nurses' circle"


@pytest.fixture(scope="module")
def live_server(provider_live_server) -> LiveServer:
    """This module's server: a database of its own, and the mock provider configured as "Mock ID"."""
    return provider_live_server


def _invitation_link(live_server: LiveServer, address: str) -> str:
    message = live_server.sink.wait_for(address, subject_contains="invites you", timeout=20)
    return re.search(r"https?://\S+/invitations/\S+", live_server.sink.body_text(message)).group(0)


def test_a_passwordless_coordinator_invites_two_who_join_by_provider_and_by_signing_up_with_an_emailed_code(
    journey, live_server, mock_provider
):
    coordinator = journey(timezone_id="America/Santiago")
    page = coordinator.goto("/signup")
    page.get_by_label("Your name").fill("Carla Muñoz")
    page.get_by_label("Email", exact=True).fill("carla@nurses.example")
    coordinator.check("sign-up with the password left empty")
    page.get_by_role("button", name="Create account").click()
    finish_signup(page, live_server, "carla@nurses.example")
    expect(page.get_by_text("Welcome to Plenary, Carla Muñoz.")).to_be_visible()
    page.get_by_role("link", name="Groups").click()
    page.get_by_role("link", name="Create a group").click()
    page.get_by_label("Group name").fill(GROUP)
    page.get_by_label("Organization").fill("Health Workers' Union")
    page.get_by_role("button", name="Create group").click()
    page.get_by_label("Email addresses").fill("rosa@nurses.example\npablo@nurses.example")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("2 invitations sent.")).to_be_visible()
    coordinator.check("group with two invitations")

    # Rosa: through the identity provider.
    set_claims(mock_provider, "rosa-at-mock", email="rosa@nurses.example", email_verified=True, name="Rosa Díaz")
    rosa = journey(timezone_id="America/Santiago")
    rosa_page = rosa.page
    rosa_page.goto(_invitation_link(live_server, "rosa@nurses.example"))
    rosa_page.get_by_role("link", name="Sign in with Mock ID").click()
    rosa_page.wait_for_url(re.compile(re.escape(mock_provider) + r"/oauth2/authorize"))
    rosa_page.locator("input[name=sub]").fill("rosa-at-mock")
    rosa_page.get_by_role("button", name="Authorize").click()
    rosa_page.get_by_role("button", name=re.compile("Join the group as Rosa Díaz")).click()
    expect(rosa_page.get_by_text(f"Welcome to {GROUP}.")).to_be_visible()
    rosa.check("Rosa on the group page")

    # Pablo, new to Plenary: signs up on the invitation page without a password and types the emailed code.
    pablo = journey(timezone_id="America/Santiago")
    pablo_page = pablo.page
    pablo_page.goto(_invitation_link(live_server, "pablo@nurses.example"))
    pablo_page.get_by_label("Your name").fill("Pablo Soto")
    expect(pablo_page.get_by_label("Email", exact=True)).to_have_value("pablo@nurses.example")
    expect(pablo_page.get_by_label("Password (optional)")).to_have_value("")
    pablo.check("signing up on the invitation page with the password left empty")
    pablo_page.get_by_role("button", name="Create account and join").click()
    expect(pablo_page.get_by_role("heading", name="Check your email")).to_be_visible()
    message = live_server.sink.wait_for("pablo@nurses.example", subject_contains="Confirm your email", timeout=20)
    code = re.search(r"where you signed up:\s*(\d{6})", live_server.sink.body_text(message)).group(1)
    pablo_page.get_by_label("Code from the email").fill(code)
    pablo.check("typing the emailed code")
    pablo_page.get_by_role("button", name="Finish creating my account").click()
    expect(pablo_page.get_by_text("Welcome to Plenary, Pablo Soto.")).to_be_visible()
    expect(pablo_page.get_by_role("heading", name=GROUP)).to_be_visible()
    assert re.search(r"/groups/\d+$", pablo_page.url)  # straight onto the group page
    pablo.check("Pablo on the group page")

    page.reload()
    expect(page.get_by_text("Rosa Díaz", exact=True)).to_be_visible()
    expect(page.get_by_text("Pablo Soto", exact=True)).to_be_visible()
    coordinator.check("the coordinator sees both members")
    for person in (coordinator, rosa, pablo):
        person.assert_accessible()
