"""Journey (c): a participant marks a reading done and writes breakout notes that another member of the room sees.

It runs on the demo's cohort under way: Jorge (Transit group) has read part of what is due, his breakout room is
assigned, and the next session's notes are open to the room.
"""

import re

from playwright.sync_api import expect

from app.demo.data import DEMO_PASSWORD, email_for

JORGE = "jorge.medina@members.example"


def log_in(journey, email: str):
    page = journey.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def demo_email(name: str) -> str:
    return "lucia@plenary.example" if name.startswith("Lucía") else email_for(name)


def english_speaking_demo_people() -> set[str]:
    from app.demo.data import TRANSIT_MEMBERS
    from app.demo.learning import RUNNING_GROUPS

    names = {name for name, _zone in TRANSIT_MEMBERS} | {"Lucía Fernández"}
    for *_, language, coordinator, members in RUNNING_GROUPS:
        if language == "en":
            names |= {coordinator, *members}
    return names


def test_participant_reads_and_writes_notes_a_roommate_sees(journey):
    jorge = journey(timezone_id="America/Mexico_City")
    page = log_in(jorge, JORGE)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My courses").click()
    expect(page.get_by_role("heading", name="My courses", level=1)).to_be_visible()
    expect(page.locator(".next-session").first).to_contain_text("(America/Mexico City)")
    progress = page.locator("progress").first
    before = int(progress.get_attribute("value"))
    jorge.check("participant home")

    # The first reading still to do, marked as read with the keyboard only.
    page.locator(".due-readings li.is-unread a").first.click()
    expect(page.get_by_role("heading", name="Your reading")).to_be_visible()
    jorge.check("reading")
    page.get_by_label("A note for yourself (optional)").fill("The part about depending on us hit home.")
    page.get_by_role("button", name="Mark as read").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Mark as unread")).to_be_visible()
    jorge.check("reading marked as read")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My courses").click()
    expect(page.locator("progress").first).to_have_attribute("value", str(before + 1))

    page.get_by_role("link", name="The room's shared notes for this session").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("notes for")
    jorge.check("room notes")
    roommates = [
        name
        for name in page.locator(".room-members li").all_inner_texts()
        if name.strip() and not name.startswith("Jorge") and "no email" not in name
    ]
    assert roommates, "Jorge's room has nobody else with an account"
    line = "Our power map: the depot manager decides, the transit authority funds."
    box = page.get_by_label("The room's notes")
    box.fill(box.input_value() + "\n\n" + line)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".note-preview")).to_contain_text("Our power map")
    page.get_by_role("button", name="Save the notes").click()
    expect(page.get_by_text("saved", exact=False).first).to_be_visible()
    jorge.check("notes saved")
    notes_url = page.url
    jorge.assert_accessible()
    jorge.assert_light()

    # A roommate who uses Plenary in English (this journey reads English labels; other demo groups use Spanish).
    english = [name for name in roommates if name.strip() in english_speaking_demo_people()]
    assert english, f"no English-speaking roommate among {roommates}"
    roommate = journey(timezone_id="America/Los_Angeles")
    other = log_in(roommate, demo_email(english[0].strip()))
    other.goto(notes_url)
    expect(other.get_by_label("The room's notes")).to_contain_text(line)
    roommate.check("roommate sees the notes")
    other.get_by_role("link", name=re.compile("History")).click()
    expect(other.locator("body")).to_contain_text("Jorge Medina")
    roommate.check("note history")
    roommate.assert_accessible()
    roommate.assert_light()
