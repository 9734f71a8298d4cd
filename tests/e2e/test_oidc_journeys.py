"""Journey: an invited member signs in through an OpenID provider (oidc-provider-mock on loopback) in a real
browser and lands on the group. Its own live server, configured with the provider."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveServer, finish_signup
from tests.tools.oidc_mock import set_claims


@pytest.fixture(scope="module")
def live_server(provider_live_server) -> LiveServer:
    """This module's server: a database of its own, and the mock provider configured as "Mock ID"."""
    return provider_live_server


def test_an_invited_member_signs_in_through_the_provider_and_joins_the_group(journey, live_server, mock_provider):
    coordinator = journey(timezone_id="America/Bogota")
    page = coordinator.goto("/signup")
    page.get_by_label("Your name").fill("Marta Quispe")
    page.get_by_label("Email").fill("marta.oidc@riders.example")
    page.get_by_label("Password").fill("riders united now")
    page.get_by_role("button", name="Create account").click()
    finish_signup(page, live_server, "marta.oidc@riders.example")
    page.get_by_role("link", name="Groups").click()
    page.get_by_role("link", name="Create a group").click()
    page.get_by_label("Group name").fill("Bike couriers' circle")
    page.get_by_label("Organization").fill("Riders' Union of Lima")
    page.get_by_role("button", name="Create group").click()
    page.get_by_label("Email addresses").fill("ines@riders.example")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("1 invitation sent.")).to_be_visible()

    set_claims(mock_provider, "ines-at-mock", email="ines@riders.example", email_verified=True, name="Inés Flores")
    message = live_server.sink.wait_for("ines@riders.example", subject_contains="invites you", timeout=20)
    link = re.search(r"https?://\S+/invitations/\S+", live_server.sink.body_text(message)).group(0)
    member = journey(timezone_id="America/Lima")
    member_page = member.page
    member_page.goto(link)
    expect(member_page.get_by_role("link", name="Sign in with Mock ID")).to_be_visible()
    member.check("invitation with a provider button")
    member_page.get_by_role("link", name="Sign in with Mock ID").click()
    member_page.wait_for_url(re.compile(re.escape(mock_provider) + r"/oauth2/authorize"))
    member.screenshot("the provider's sign-in page")
    member_page.locator("input[name=sub]").fill("ines-at-mock")
    member_page.get_by_role("button", name="Authorize").click()
    expect(member_page.get_by_text("Welcome to Plenary, Inés Flores.")).to_be_visible()
    assert "/invitations/" in member_page.url  # back where she was going
    member.check("back on the invitation, signed in")
    member_page.get_by_role("button", name=re.compile("Join the group as Inés Flores")).click()
    expect(member_page.get_by_text("Welcome to Bike couriers' circle.")).to_be_visible()
    member.check("joined the group")

    member_page.get_by_role("link", name="Profile").click()
    expect(member_page.get_by_role("heading", name="Sign-in providers")).to_be_visible()
    expect(member_page.get_by_text("ines@riders.example").first).to_be_visible()
    member.check("profile with the linked provider")
    member.assert_accessible()
