"""In a real browser, under the real Content-Security-Policy: the live preview while typing, and the report-back
board updating a column by itself when a room shares its notes. (Runs with the browser journeys: `make e2e`.)"""

import pytest

from app.extensions import db
from app.notes import service
from tests.notes.conftest import make_rooms, notes_url  # noqa: F401 - make_rooms is a fixture
from tests.tools.live_server import gunicorn, server_env

pytestmark = pytest.mark.e2e


def logged_in_page(browser, base: str, email: str, problems: list[str]):
    page = browser.new_context().new_page()
    # Script errors and CSP refusals reach the console; failed requests are listed by address instead (a browser
    # asks for /favicon.ico, which the app does not serve).
    page.on(
        "console", lambda m: problems.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    # Wait for the answer's page itself: "load" of the log-in page can come first, and a goto then would cut the
    # sign-in short (seen once under load: the next page was the log-in page again).
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def test_live_preview_and_self_updating_board_in_a_browser(app, db_url, tmp_path, make_rooms, browser):  # noqa: F811
    from playwright.sync_api import expect

    world = make_rooms((2, 2))
    problems: list[str] = []
    with gunicorn(server_env(db_url), tmp_path / "gunicorn.log") as base:
        member = logged_in_page(browser, base, world.people[0][0].email, problems)
        member.goto(base + notes_url(world))
        preview = member.locator("[data-note-preview-body]")
        expect(preview).to_be_hidden()
        member.get_by_label("The room's notes").fill("## Live\n\nWe agreed to **map the council**.")
        expect(preview.locator("strong")).to_have_text("map the council", timeout=10_000)
        member.get_by_role("button", name="Save the notes").click()
        expect(member.get_by_text("Saved as revision 1.")).to_be_visible()

        trainer = logged_in_page(browser, base, world.trainer.email, problems)
        trainer.goto(base + f"/cohorts/{world.cohort.id}/sessions/{world.sessions[0].id}/board")
        column = trainer.locator(f"[data-room-id='{world.rooms[1].id}']")
        expect(column).to_contain_text("This room has not shared its notes yet.")

        # Room 2 writes and shares while the board is open: its column changes without a reload.
        other = world.people[1][0]
        page = service.open_note(db.session, other, world.cohort.id, world.sessions[0].id, world.rooms[1].id)
        service.save_note(db.session, other, page.note, "Report-back: **rent strike** next month", 0)
        service.set_shared(db.session, other, page.note, True)
        db.session.commit()
        trainer.evaluate("window.__sameDocument = true")
        expect(column.locator("strong")).to_have_text("rent strike", timeout=20_000)
        assert trainer.evaluate("window.__sameDocument === true")  # no full reload happened
        expect(trainer.locator("[data-board-status]")).to_contain_text("Room 2")
    assert not problems, problems  # no script error, nothing blocked by the Content-Security-Policy
