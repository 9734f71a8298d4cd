"""Hostile text in every field people control (names, group and organization names, notes, attestations, reasons,
pre-meeting notes, commitments and reflections, reading comments, the audit log, an uploaded attendance report),
and every page that shows it, opened in the browser by the people who would see it.

On each page: no payload ran (window.__xss stays 0), no payload became markup (no probe element, no inline event
handler, no javascript:/data: link, no inline script), and the Content-Security-Policy had nothing to block (a
blocked inline script would mean text had turned into one).
"""

import json
import subprocess
import sys

from playwright.sync_api import expect

from app.demo.data import DEMO_PASSWORD
from tests.e2e.hostile_world import PAYLOADS
from tests.tools.live_server import ROOT

WATCH = """
window.__xss = 0;
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""
# Elements a payload would have created: probes, frames, and any attribute that is an event handler or a script URL.
INJECTED = """() => Array.from(document.querySelectorAll("*")).filter((e) =>
  e.matches(".xss-probe, iframe, object, embed") ||
  Array.from(e.attributes).some((a) => /^on/i.test(a.name) || /^\\s*(javascript|data|vbscript):/i.test(a.value))
).map((e) => e.outerHTML.slice(0, 80))"""


def seed_hostile_world(live_server) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.hostile_world"],
        cwd=ROOT,
        env=live_server.env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def check_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    assert page.evaluate("window.__xss") == 0, f"a payload ran on {url}"
    injected = page.evaluate(INJECTED)
    assert not injected, f"payloads became markup on {url}: {injected}"
    assert page.evaluate("Array.from(document.scripts).filter(s => !s.src).length") == 0, url
    assert page.evaluate("window.__csp") == [], f"the CSP had to block something on {url}"


def test_hostile_text_never_runs_nor_becomes_markup_on_any_page(journey, live_server):
    world = seed_hostile_world(live_server)
    cohort, session, room = world["cohort"], world["session"], world["room"]
    notes = f"/cohorts/{cohort}/sessions/{session}/rooms/{room}/notes"
    visits = {
        world["member"]: [
            "/home",
            f"/cohorts/{cohort}/readings/{world['reading']}",
            notes,
            notes + "/history",
            "/groups",
            f"/groups/{world['group']}",
            "/account/data",
        ],
        world["coordinator"]: [
            f"/groups/{world['group']}",
            f"/registrations/{world['registration']}",
            f"/cohorts/{cohort}/groups/{world['group']}/commitments",
            f"/cohorts/{cohort}/groups/{world['group']}/attendance",
        ],
        "trainer@plenary.example": [
            f"/cohorts/{cohort}/registrations",
            f"/registrations/{world['registration']}",
            "/reviews",
            f"/cohorts/{cohort}/breakouts",
            f"/cohorts/{cohort}/attendance",
            f"/cohorts/{cohort}/sessions/{session}/board",
            f"/cohorts/{cohort}/readings",
            notes,
        ],
        "admin@plenary.example": ["/admin/audit", f"/groups/{world['group']}"],
    }
    checked = 0
    for email, urls in visits.items():
        person = journey()
        person.context.add_init_script(WATCH)
        page = person.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        for url in urls:
            check_page(page, live_server.url + url)
            checked += 1
        if email == "trainer@plenary.example":
            # An uploaded report is shown back (its unmatched rows): the file is hostile input too.
            rows = "\n".join(
                f'"{p.replace(chr(34), chr(39))}",nobody{i}@attack.example' for i, p in enumerate(PAYLOADS)
            )
            page.goto(live_server.url + f"/cohorts/{cohort}/attendance?session={session}")
            page.get_by_label("Attendance report (CSV)").set_input_files(
                files=[{"name": "report.csv", "mimeType": "text/csv", "buffer": f"Name,Email\n{rows}\n".encode()}]
            )
            page.get_by_role("button", name="Import the report").click()
            expect(page.get_by_text("nobody0@attack.example")).to_be_visible()
            assert page.evaluate("window.__xss") == 0
            assert page.evaluate(INJECTED) == []
            assert page.evaluate("window.__csp") == []
            checked += 1
            person.screenshot("hostile attendance report")
        person.screenshot(f"hostile pages as {email.split('@')[0]}")
    assert checked == sum(len(urls) for urls in visits.values()) + 1
