"""Every form people use, fed arbitrary input by Hypothesis: any Unicode, very long strings, NUL bytes, repeated
fields (a list where one value is expected), missing fields. Whatever arrives: never a 500, and a refusal (4xx)
leaves the database exactly as it was (nothing half-saved).

The forms are not listed by hand: each page a person uses is fetched and every POST form on it is fuzzed, field
by field, as the browser would send it (with the page's CSRF token).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from tests.core.test_request_safety import fingerprint

# The same examples on every run, so CI is repeatable; FUZZ_RANDOM=1 explores new ones (run it locally, often).
DERANDOMIZE = not os.environ.get("FUZZ_RANDOM")
EXAMPLES_PER_FORM = 12
SKIPPED_ACTIONS = ("/logout", "/account/delete")  # ending the session or the account would stop the run, not test it
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=200),
    st.text(min_size=5_000, max_size=12_000).map(lambda s: (s * 20)[:200_000]),
    st.sampled_from(
        ["\x00", "a\x00b", "<script>alert(1)</script>", "' OR 1=1 --", "-1", "99999999999999999999", "", " "]
    ),
)
FUZZED = {"requests": 0}


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> the value the page filled in


class FormFinder(HTMLParser):
    """The POST forms of a page, with their fields' names and default values."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url, self.forms, self._form, self._select = page_url, [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = Form(a.get("action") or self.page_url)
            self.forms.append(self._form)
        elif self._form is not None and a.get("name"):
            if tag == "input" and a.get("type") not in ("submit", "checkbox", "radio", "file"):
                self._form.fields[a["name"]] = a.get("value") or ""
            elif tag == "input" and a.get("type") in ("checkbox", "radio", "submit") and a.get("name"):
                self._form.fields.setdefault(a["name"], a.get("value") or "1")
            elif tag == "textarea":
                self._form.fields[a["name"]] = ""
            elif tag == "select":
                self._select = a["name"]
                self._form.fields[a["name"]] = ""
        if tag == "option" and self._select and self._form and not self._form.fields.get(self._select):
            self._form.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(client, url: str) -> list[Form]:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    finder = FormFinder(url)
    finder.feed(response.get_data(as_text=True))
    return [f for f in finder.forms if not f.action.startswith(SKIPPED_ACTIONS)]


@pytest.fixture
def world(make_running_cohort, place_in_rooms, make_cohort, make_user):
    world = make_running_cohort((4, 3), roster_only=1, started_days_ago=3)
    place_in_rooms(world, size=4)
    world.open_cohort = make_cohort("organizing-fundamentals", trainers=[world.trainer], label="Open")
    return world


def pages_for(world) -> dict[str, list[str]]:
    cohort, first = world.cohort, world.cohort.sessions[0]
    group = world.groups[0]
    reading = first.course_session.readings[0]
    return {
        "anonymous": ["/signup", "/login", "/reset"],
        "member": [
            "/profile",
            "/groups/new",
            "/home",
            f"/cohorts/{cohort.id}/readings/{reading.slug}",
            f"/cohorts/{cohort.id}/sessions/{first.id}/rooms/{_room_id(world)}/notes",
            "/account/two-factor",
            "/account/data",
        ],
        "coordinator": [
            f"/groups/{group.group.id}",
            f"/registrations/{group.registration.id}",
            f"/registrations/new/{world.open_cohort.id}?group={group.group.id}",
            f"/cohorts/{cohort.id}/groups/{group.group.id}/attendance",
        ],
        "trainer": [
            f"/cohorts/{cohort.id}/breakouts",
            f"/cohorts/{cohort.id}/attendance",
            f"/cohorts/{world.open_cohort.id}/edit",
            f"/cohorts/{cohort.id}/fair-times",
            "/calendar",
        ],
    }


def _room_id(world) -> int:
    from app.breakouts.service import room_of

    member = world.groups[0].members[1]
    membership = next(p.membership for p in world.participants if p.user and p.user.id == member.id)
    return room_of(db.session, world.cohort, world.cohort.sessions[0], membership.id).id


def fuzz_form(client, form: Form) -> None:
    """Post `form` EXAMPLES_PER_FORM times, each field kept, replaced by hostile text, doubled or left out."""
    names = [n for n in form.fields if not n.endswith("csrf_token")]

    @given(data=st.data())
    @settings(
        max_examples=EXAMPLES_PER_FORM,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(data):
        values = dict(form.fields)
        for name in names:
            choice = data.draw(st.sampled_from(["keep", "hostile", "list", "missing"]), label=name)
            if choice == "hostile":
                values[name] = data.draw(HOSTILE, label=name)
            elif choice == "list":
                values[name] = [data.draw(HOSTILE), data.draw(HOSTILE)]
            elif choice == "missing":
                values.pop(name, None)
        db.session.expire_all()
        before = fingerprint()
        response = client.post(form.action, data=values)
        FUZZED["requests"] += 1
        FUZZED.setdefault("statuses", Counter())[response.status_code] += 1
        assert response.status_code < 500, f"{form.action} answered {response.status_code} to {values!r:.300}"
        if response.status_code >= 400:
            db.session.expire_all()
            assert fingerprint() == before, f"{form.action} refused ({response.status_code}) but changed data"

    fuzz()


def test_every_form_survives_hostile_input_without_a_500_or_a_half_save(app, world):
    people = {
        "member": world.groups[0].members[1],
        "coordinator": world.groups[0].coordinator,
        "trainer": world.trainer,
    }
    targets = []
    for actor, urls in pages_for(world).items():
        client = app.test_client()
        if actor in people:
            login = client.submit("/login", {"email": people[actor].email, "password": "correct horse battery"})
            assert login.status_code == 302
        for url in urls:
            targets.extend((client, url, form) for form in forms_on(client, url))
    assert len(targets) >= 25, [f.action for _c, _u, f in targets]

    for client, _page, form in targets:
        fuzz_form(client, form)
    assert FUZZED["requests"] >= len(targets) * 5
    print(f"hostile forms: {len(targets)} forms, {FUZZED['requests']} requests, statuses {dict(FUZZED['statuses'])}")
