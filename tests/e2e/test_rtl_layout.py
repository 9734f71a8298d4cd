"""Right-to-left in a real browser: the signed-in pages of a participant and a trainer, laid out right to left
(`dir="rtl"`, as an Arabic or Hebrew locale sets it) on a 360-pixel phone, run off neither edge and mirror the
header. Screenshots in tests/e2e/artifacts/."""

import re

from playwright.sync_api import expect

from tests.e2e.test_learning_journeys import JORGE, log_in

TRAINER = "trainer@plenary.example"
PHONE = {"width": 360, "height": 800}


def right_to_left(journey, label: str) -> dict:
    """Lay the current page out right to left, then measure it and keep a screenshot."""
    page = journey.page
    page.evaluate("document.documentElement.dir = 'rtl'")
    measures = page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const brand = document.querySelector('.brand').getBoundingClientRect();
            const outside = [...document.querySelectorAll('body *')].filter(element => {
                const box = element.getBoundingClientRect();
                const scrolls = element.closest('.table-scroll, pre, code, .skip-link, .prose table');
                return box.width > 0 && !scrolls && (box.left < -1 || box.right > width + 1);
            }).slice(0, 5).map(element => element.tagName + '.' + element.className);
            return {scroll: document.documentElement.scrollWidth, width, brandLeft: brand.left, outside};
        }"""
    )
    journey.screenshot(f"rtl {label}")
    return measures


def links(page, pattern: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "anchors => anchors.map(a => a.getAttribute('href'))")
    return sorted({href for href in hrefs if re.fullmatch(pattern, href)})


def test_signed_in_pages_lay_out_right_to_left_on_a_phone(journey):
    participant, trainer = journey(), journey()
    for person in (participant, trainer):
        person.page.set_viewport_size(PHONE)
    page = log_in(participant, JORGE)
    pages = {"home": "/home"}
    participant.goto("/home")
    pages["reading"] = links(page, r"/cohorts/\d+/readings/[\w-]+")[0]
    pages["room notes"] = links(page, r"/cohorts/\d+/sessions/\d+/rooms/\d+/notes")[0]
    participant.goto("/groups")
    pages["group"] = links(page, r"/groups/\d+")[0]
    problems = {}
    for label, path in pages.items():
        participant.goto(path)
        expect(page.get_by_role("button", name="Log out")).to_be_attached()
        measured = right_to_left(participant, label)
        if measured["scroll"] > measured["width"] + 1 or measured["outside"]:
            problems[label] = measured
        assert measured["brandLeft"] > measured["width"] / 2, f"{label}: the header did not mirror"

    page = log_in(trainer, TRAINER)
    trainer.goto("/trainer")
    cohort = links(page, r"/cohorts/\d+")[0]
    for label, path in {
        "cohort": cohort,
        "registrations": f"{cohort}/registrations",
        "breakouts": f"{cohort}/breakouts",
        "attendance": f"{cohort}/attendance",
    }.items():
        trainer.goto(path)
        measured = right_to_left(trainer, label)
        if measured["scroll"] > measured["width"] + 1 or measured["outside"]:
            problems[label] = measured
    assert not problems, f"pages that run off the screen right to left: {problems}"
