"""A draft cohort exists only for the people who may edit it: every route that takes a cohort id, as every person.

The demo's running cohort, with its groups, rooms, notes and attendance, is taken back to draft; then every GET and
POST route whose rule has a cohort id is requested as each of the eight people. Its trainer and an administrator
still reach it; everyone else gets the very answer an unknown cohort id gets (a 404, or the login page for a
visitor where the route needs an account), never its label or deadline. A route added with a cohort id and no entry
in ROUTES fails `test_every_route_taking_a_cohort_id_is_listed`.
"""

import re

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from app.cohorts.models import Cohort, CohortStatus
from app.demo.data import DEMO_PASSWORD
from app.demo.learning import RUNNING_LABEL
from app.extensions import db
from tests.conftest import csrf_tokens
from tests.core.roles import ROLES
from tests.core.test_post_access import outcome, post_arguments, post_routes

SHOWN = "shown"  # its trainers and administrators reach the route as for any cohort
OWN = "own"  # a person's own record in the cohort (a certificate): a 404 for whoever has none, draft or not
HIDDEN = "hidden"  # hidden from everyone: a public, anonymous answer that only ever shows published cohorts

# Every route with a cohort id in its rule, by (method, endpoint).
ROUTES = {
    ("GET", "api.cohort"): HIDDEN,  # the public read-only API lists published cohorts only, to everyone
    ("GET", "attendance.attendance_csv"): SHOWN,
    ("GET", "attendance.certificate"): OWN,
    ("GET", "attendance.group_page"): SHOWN,
    ("GET", "attendance.trainer_page"): SHOWN,
    ("GET", "breakouts.breakout_csv"): SHOWN,
    ("GET", "breakouts.page"): SHOWN,
    ("GET", "breakouts.roster_csv"): SHOWN,
    ("GET", "cohorts.calendar_feed"): SHOWN,
    ("GET", "cohorts.cohort_page"): SHOWN,
    ("GET", "cohorts.edit_cohort"): SHOWN,
    ("GET", "registration.fair_times"): SHOWN,
    ("GET", "learning.group_commitments"): SHOWN,
    ("GET", "learning.reading"): SHOWN,
    ("GET", "learning.reading_progress"): SHOWN,
    ("GET", "notes.board"): SHOWN,
    ("GET", "notes.board_json"): SHOWN,
    ("GET", "notes.history"): SHOWN,
    ("GET", "notes.note_page"): SHOWN,
    ("GET", "notes.revision"): SHOWN,
    ("GET", "registration.board"): SHOWN,
    ("GET", "registration.new_registration"): SHOWN,
    ("GET", "registration.roster_csv"): SHOWN,
    ("POST", "attendance.complete"): SHOWN,
    ("POST", "attendance.group_page"): SHOWN,
    ("POST", "attendance.trainer_page"): SHOWN,
    ("POST", "breakouts.drop_override"): SHOWN,
    ("POST", "breakouts.move_member"): SHOWN,
    ("POST", "breakouts.page"): SHOWN,
    ("POST", "breakouts.rename_room"): SHOWN,
    ("POST", "cohorts.edit_cohort"): SHOWN,
    ("POST", "cohorts.use_browser_timezone"): SHOWN,
    ("POST", "learning.mark_read"): SHOWN,
    ("POST", "learning.mark_unread"): SHOWN,
    ("POST", "learning.record_commitment"): SHOWN,
    ("POST", "notes.change_roles"): SHOWN,
    ("POST", "notes.preview"): SHOWN,
    ("POST", "notes.restore"): SHOWN,
    ("POST", "notes.save_note"): SHOWN,
    ("POST", "notes.share"): SHOWN,
    ("POST", "registration.new_registration"): SHOWN,
}
SEES_DRAFTS = {"trainer", "admin"}  # the running cohort's trainer (who may edit it) and an administrator


def cohort_routes(app) -> list[tuple[str, object]]:
    """(method, rule) for every rule with a cohort id: GETs first, then POSTs in the order the POST table uses (the
    ones that change who belongs where last)."""
    gets = [r for r in app.url_map.iter_rules() if "GET" in r.methods and "cohort_id" in r.arguments]
    posts = [r for r in post_routes(app) if "cohort_id" in r.arguments]
    return [("GET", r) for r in sorted(gets, key=lambda r: r.endpoint)] + [("POST", r) for r in posts]


def test_every_route_taking_a_cohort_id_is_listed(app):
    found = {(method, rule.endpoint) for method, rule in cohort_routes(app)}
    assert found == set(ROUTES), (
        f"add to ROUTES (and load the cohort with visible_cohort): {found - set(ROUTES)}; gone: {set(ROUTES) - found}"
    )


def _revealing_texts(cohort: Cohort) -> list[str]:
    deadline = cohort.registration_deadline_at
    dates = [deadline.date().isoformat()] + [format_date(deadline, f, locale="en") for f in ("medium", "long", "full")]
    return [cohort.label, cohort.label.replace("·", "&middot;"), *dates]


def _page(body: str) -> str:
    """The page without its CSRF tokens (signed with the time, so they differ from one second to the next)."""
    return re.sub(r'(csrf_token" value="|csrf-token" content=")[^"]*', r"\1", body)


def _answer(client, method: str, url: str, token: str):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": token}, headers={"X-CSRFToken": token})


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_cohort_exists_only_for_its_trainers_and_administrators(app, client, demo_world, role):
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.label == RUNNING_LABEL))
    routes = cohort_routes(app)
    arguments = {rule.endpoint: post_arguments(rule.endpoint) for _method, rule in routes}
    unknown_id = db.session.scalar(sa.select(sa.func.max(Cohort.id))) + 1000
    texts = _revealing_texts(cohort)
    cohort.status = CohortStatus.DRAFT
    db.session.commit()

    if ROLES[role]:
        assert client.submit("/login", {"email": ROLES[role], "password": DEMO_PASSWORD}).status_code == 302
    token = next(iter(csrf_tokens(client.get("/profile" if ROLES[role] else "/login").get_data(as_text=True)).values()))
    wrong = {}
    for method, rule in routes:
        values = {k: arguments[rule.endpoint][k] for k in rule.arguments}
        url = rule.build(values)[1]
        response = _answer(client, method, url, token)
        body = response.get_data(as_text=True)
        where = f"{method} {url}"
        assert response.status_code < 500, f"{where} as {role}: {response.status_code}"
        if role in SEES_DRAFTS and ROUTES[(method, rule.endpoint)] in (SHOWN, OWN):
            if response.status_code == 404 and ROUTES[(method, rule.endpoint)] == SHOWN:
                wrong[where] = "404 for someone who may see the draft"
            continue
        leaked = [text for text in texts if text in body]
        if leaked:
            wrong[where] = f"shows {leaked}"
        unknown = _answer(client, method, rule.build({**values, "cohort_id": unknown_id})[1], token)
        same_body = _page(unknown.get_data(as_text=True).replace(str(unknown_id), str(cohort.id))) == _page(body)
        if outcome(response) != outcome(unknown) or (outcome(response) != "login" and not same_body):
            wrong[where] = f"answers {outcome(response)}, unlike an unknown cohort ({outcome(unknown)})"
        elif outcome(response) not in (404, "login"):
            wrong[where] = f"answers {outcome(response)}"
    assert not wrong, f"as {role}: {wrong}"
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).status == CohortStatus.DRAFT  # nothing above published it
