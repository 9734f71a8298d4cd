"""Journey (a): a trainer schedules a cohort in the browser, and someone elsewhere sees it in their own time."""

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from app.demo.data import DEMO_PASSWORD


def next_saturday(after: date) -> date:
    return after + timedelta(days=(5 - after.weekday()) % 7 or 7)


def test_trainer_schedules_a_cohort_seen_in_another_time_zone(journey, live_server):
    first = next_saturday(date.today() + timedelta(weeks=10))
    trainer = journey(timezone_id="Africa/Lagos")
    page = trainer.goto("/login")
    page.get_by_label("Email").fill("trainer@plenary.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.get_by_role("link", name="Teaching").click()
    trainer.check("trainer dashboard")
    page.get_by_role("link", name="Schedule a cohort").click()
    page.get_by_role("link", name="Power and Participation").click()
    expect(page.get_by_role("heading", name="Schedule Power and Participation")).to_be_visible()
    trainer.check("scheduling form")

    page.get_by_label("Label").fill("Autumn circle")
    page.get_by_label("Host time zone").select_option("America/Los_Angeles")
    for index in range(3):
        day = first + timedelta(weeks=index)
        page.locator(f"#sessions-{index}-date").fill(day.isoformat())
        page.locator(f"#sessions-{index}-start").fill("10:00")
    expect(page.locator("#sessions-0-plenary_minutes")).to_have_value("60")  # prefilled from the outline
    page.get_by_label("Registration deadline (date)").fill((first - timedelta(days=10)).isoformat())
    page.get_by_label("Registration deadline (time)").fill("23:59")
    page.get_by_label("Capacity (participants)").fill("50")
    page.get_by_label("Status").select_option("open")
    # Keyboard only for the key step: submit the form from the last field.
    page.get_by_label("Status").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("The cohort is scheduled.")).to_be_visible()
    expect(page.locator("table.times tbody tr").first).to_contain_text("10:00 (America/Los Angeles)")
    trainer.check("cohort scheduled")
    cohort_url = page.url

    visitor = journey(timezone_id="Asia/Tokyo")
    visitor_page = visitor.page
    visitor_page.goto(live_server.url + "/")  # the small script remembers the browser's zone
    visitor_page.goto(cohort_url)
    first_row = visitor_page.locator("table.times tbody tr").first
    # 10:00 in Los Angeles is 02:00 or 03:00 the next day in Tokyo, depending on daylight-saving time.
    expect(first_row).to_contain_text(re.compile(r"0[23]:00 \(Asia/Tokyo\)"))
    expect(first_row).to_contain_text("10:00 (America/Los Angeles)")
    visitor.check("cohort seen from Tokyo")
    # The zone picker is a plain form: it works the same without JavaScript, and the choice sticks.
    visitor_page.get_by_label("Show times in").select_option("Asia/Manila")
    visitor_page.get_by_role("button", name="Show", exact=True).click()
    expect(visitor_page.locator("table.times tbody tr").first).to_contain_text(re.compile(r"0[12]:00 \(Asia/Manila\)"))
    expect(visitor_page.get_by_text("Closes in")).to_be_visible()
    visitor.check("cohort seen from Manila")
    visitor_page.goto(cohort_url)  # the pick sticks: the script does not put its Tokyo guess back
    expect(visitor_page.locator("table.times tbody tr").first).to_contain_text("(Asia/Manila)")
    expect(visitor_page.get_by_text("Times are shown in Asia/Manila.")).to_be_visible()

    # Back to the trainer: which start time would suit a mostly Asian and African audience?
    page.goto(cohort_url + "/fair-times")
    page.get_by_label("Time zones of the people you expect (optional)").fill(
        "Asia/Manila 12\nAfrica/Nairobi 8\nAmerica/Los_Angeles 2"
    )
    page.get_by_role("button", name="Compare start times").click()
    expect(page.get_by_text("Based on 22 people.")).to_be_visible()
    expect(page.locator("table.fair-times tbody tr").first).to_contain_text("of 22")
    trainer.check("fair start times")
    page.get_by_role("link", name="Your cohorts").click()
    expect(page.get_by_role("link", name=re.compile("Autumn circle"))).to_be_visible()
    page.get_by_role("link", name="Your private calendar").click()
    page.get_by_role("button", name="Make my private calendar address").click()
    expect(page.get_by_label("Calendar address (keep it to yourself)")).to_have_value(re.compile(r"/calendar/.+\.ics$"))
    trainer.check("private calendar")
    trainer.assert_accessible()
    visitor.assert_accessible()
    trainer.assert_light()
    visitor.assert_light()
