"""The public API: documents validated against the OpenAPI description, errors as JSON with a reason,
and agreement with the cohort page and the calendar for every demo cohort."""

from datetime import datetime

import pytest
import sqlalchemy as sa
from icalendar import Calendar
from jsonschema import Draft202012Validator

from app.cohorts.models import Cohort, CohortStatus
from app.demo.data import load_demo
from app.extensions import db


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def validate(spec, schema_name: str, document) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(document), key=str)
    assert not errors, [e.message for e in errors]


def test_openapi_document_lists_every_api_route(app, spec):
    api_rules = {
        r.rule.replace("<slug>", "{slug}").replace("<int:cohort_id>", "{id}")
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/") and "openapi" not in r.rule
    }
    assert api_rules == set(spec["paths"])


def test_course_list_and_course_match_the_spec(client, spec, synced_courses):
    courses = client.get("/api/v1/courses").get_json()
    validate(spec, "CourseList", courses)
    assert {c["slug"] for c in courses["courses"]} == {"organizing-fundamentals", "power-and-participation"}
    course = client.get("/api/v1/courses/power-and-participation").get_json()
    validate(spec, "Course", course)
    assert course["prerequisites"] == ["organizing-fundamentals"] and len(course["sessions"]) == 3


def test_cohort_document_has_utc_instants(client, spec, make_cohort):
    cohort = make_cohort(tz="America/Los_Angeles", first=datetime(2031, 10, 4, 10, 0))
    document = client.get(f"/api/v1/cohorts/{cohort.id}").get_json()
    validate(spec, "Cohort", document)
    assert document["sessions"][0] == {
        "number": 1,
        "title": "Mapping power",
        "starts_at": "2031-10-04T17:00:00Z",
        "ends_at": "2031-10-04T19:00:00Z",
        "plenary_minutes": 60,
        "breakout_minutes": 60,
    }
    assert document["course"] == "power-and-participation" and document["seats_left"] == 60
    listing = client.get("/api/v1/cohorts").get_json()
    validate(spec, "CohortList", listing)
    assert [c["id"] for c in listing["cohorts"]] == [cohort.id]


def test_drafts_are_not_in_the_api(client, make_cohort):
    draft = make_cohort(status=CohortStatus.DRAFT)
    assert client.get("/api/v1/cohorts").get_json() == {"cohorts": []}
    assert client.get(f"/api/v1/cohorts/{draft.id}").status_code == 404


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/cohorts/999999", 404),
        ("/api/v1/courses/no-such-course", 404),
        ("/api/v1/cohorts?course=no-such-course", 404),
        ("/api/v1/cohorts?colour=red", 400),
        ("/api/v1/nothing-here", 404),
    ],
)
def test_errors_are_json_with_a_reason(client, spec, synced_courses, url, status):
    response = client.get(url)
    assert response.status_code == status
    body = response.get_json()
    validate(spec, "Error", body)
    assert body["message"]


def test_cohort_page_calendar_and_api_agree_for_every_demo_cohort(client, synced_courses):
    load_demo(db.session)
    db.session.commit()
    cohorts = db.session.scalars(sa.select(Cohort)).all()
    assert len(cohorts) >= 2
    for cohort in cohorts:
        api = client.get(f"/api/v1/cohorts/{cohort.id}").get_json()
        calendar = Calendar.from_ical(client.get(f"/cohorts/{cohort.id}/calendar.ics").data)
        page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
        events = list(calendar.walk("VEVENT"))
        assert len(events) == len(api["sessions"]) == len(cohort.sessions)
        for event, session in zip(events, api["sessions"], strict=True):
            starts = event.decoded("dtstart")
            assert starts.strftime("%Y-%m-%dT%H:%M:%SZ") == session["starts_at"]
            assert event.decoded("dtend").strftime("%Y-%m-%dT%H:%M:%SZ") == session["ends_at"]
            assert f'datetime="{starts.isoformat()}"' in page
