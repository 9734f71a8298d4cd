"""Every GET page in the app renders, for every kind of person, on the demo world.

The expected status of each page for each role is written down here: a new page without an entry fails,
so nobody adds a route without deciding who may see it.
"""

import importlib

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.accounts.service import make_reset_token
from app.cohorts.models import Cohort
from app.demo.data import DEMO_PASSWORD
from app.demo.learning import RUNNING_LABEL
from app.extensions import db
from app.groups.models import Group
from app.registration.models import Registration
from tests.core.roles import (  # noqa: E402
    ADMINS,
    ANONYMOUS_ONLY,
    COHORT_TRAINERS,
    LOGIN,
    PUBLIC,
    ROLES,
    SIGNED_IN,
    access,
)

EXPECTED = {
    "courses.catalogue": PUBLIC,
    "cohorts.course_page": PUBLIC,
    "courses.reading_page": PUBLIC,
    "accounts.signup": ANONYMOUS_ONLY,
    "accounts.login": ANONYMOUS_ONLY,
    "accounts.request_reset": PUBLIC,
    "accounts.reset_password": PUBLIC,
    "accounts.profile": SIGNED_IN,
    "accounts.two_factor_page": SIGNED_IN,
    "privacy.my_data": SIGNED_IN,
    "privacy.my_data_json": SIGNED_IN,
    "accounts.login_code": {role: 302 for role in ROLES},  # without a password step first: back to the login page
    "accounts.undo_email_change": PUBLIC,  # a confirmation page; only its POST (with a valid token) changes anything
    "accounts.confirm_signup": {role: 400 for role in ROLES},  # a link nobody was sent
    "accounts.signup_code": {role: 302 for role in ROLES},  # no sign-up waiting in this browser: to the form
    "accounts.confirm_email_change_page": {role: 400 for role in ROLES},  # a link nobody was sent
    "health.healthz": PUBLIC,
    "language.choose": {role: 302 for role in ROLES},  # no language named: back to the catalogue, nothing kept
    "groups.my_groups": SIGNED_IN,
    "groups.new_group": SIGNED_IN,
    # The Transit group's members and administrators; nobody else, trainers included.
    "groups.group_page": access(403, anonymous=LOGIN, participant=200, coordinator=200, admin=200),
    "groups.join": PUBLIC,
    "groups.invitation": {role: 410 for role in ROLES},  # the demo's invitation links were never revealed
    "registration.new_registration": SIGNED_IN,
    "cohorts.new_cohort": SIGNED_IN,  # lists the courses the person may schedule (none for most people)
    "cohorts.edit_cohort": COHORT_TRAINERS,
    "cohorts.cohort_page": PUBLIC,
    "registration.board": COHORT_TRAINERS,
    "registration.roster_csv": COHORT_TRAINERS,
    "cohorts.calendar_feed": PUBLIC,
    "api.courses": PUBLIC,
    "api.course": PUBLIC,
    "api.cohorts": PUBLIC,
    "api.cohort": PUBLIC,
    "api.openapi": PUBLIC,
    "registration.dashboard": SIGNED_IN,
    "learning.my_calendar": SIGNED_IN,
    "registration.fair_times": COHORT_TRAINERS,
    "learning.private_feed": {role: 404 for role in ROLES},  # a token nobody holds
    # The Transit registration: its group's members, the cohort's trainer and admins; never another group.
    "registration.registration_page": access(
        403, anonymous=LOGIN, participant=200, coordinator=200, trainer=200, admin=200
    ),
    "registration.review_queue": SIGNED_IN,  # everyone signed in; people who train nothing see an empty queue
    "audit.audit_log": ADMINS,
    # Identity providers (app/oidc; tests/oidc): the demo configures none, so a provider's pages are not found;
    # a link confirmation nobody was sent is refused; the ways-in list is for administrators.
    "oidc.start": {role: 404 for role in ROLES},
    "oidc.start_link": access(404, anonymous=LOGIN),
    "oidc.callback": {role: 404 for role in ROLES},
    "oidc.confirm_link": {role: 400 for role in ROLES},
    "oidc.ways_in": ADMINS,
    # Signing in by emailed link or code (app/signin; tests/signin): asking is for people not signed in; the code
    # page without asking first sends back to asking; a link nobody was sent (wrong length) is refused.
    "signin.ask": ANONYMOUS_ONLY,
    "signin.code": {role: 302 for role in ROLES},
    "signin.confirm_link": {role: 400 for role in ROLES},
}


# Each learning area keeps its pages' expectations beside its tests: tests/<area>/pages.py defines EXPECTED
# (same shape as above) and url_arguments() -> dict of sample values for its URL parameters, from the demo world.
AREA_PAGES = [
    importlib.import_module(f"tests.{area}.pages") for area in ("learning", "breakouts", "notes", "attendance")
]
for _area in AREA_PAGES:
    EXPECTED.update(_area.EXPECTED)


def url_arguments(endpoint: str) -> dict:
    participant = db.session.scalar(sa.select(User).where(User.email == ROLES["participant"]))
    transit = db.session.scalar(sa.select(Group).where(Group.name.like("Transit%")))
    by_endpoint = {
        "accounts.reset_password": {"token": make_reset_token(participant)},
        "groups.invitation": {"token": "not-a-real-invitation"},
        "learning.private_feed": {"token": "not-a-real-feed-token"},
        "accounts.undo_email_change": {"token": "not-a-real-token"},
        "accounts.confirm_signup": {"token": "not-a-real-token"},
        "signin.confirm_link": {"token": "not-a-real-token"},
        "accounts.confirm_email_change_page": {"token": "not-a-real-token"},
    }
    running = db.session.scalar(sa.select(Cohort).where(Cohort.label == RUNNING_LABEL))
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.group_id == transit.id, Registration.cohort_id == running.id)
    )
    common = {
        "slug": "power-and-participation",
        "reading_slug": "preface-and-introduction",
        "group_id": transit.id,
        "code": transit.join_code,
        "cohort_id": registration.cohort_id,
        "registration_id": registration.id,
        "token": "not-a-real-token",
        "provider": "google",  # app/oidc: not configured in the demo
        "identity_id": 1,
    }
    area_arguments = {}
    for area in AREA_PAGES:
        area_arguments.update(area.url_arguments())
    return {**common, **area_arguments, **by_endpoint.get(endpoint, {})}


def get_routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            yield rule


def test_every_get_route_has_an_expectation(app):
    missing = {rule.endpoint for rule in get_routes(app)} - set(EXPECTED)
    assert not missing, f"add these endpoints to EXPECTED with the status each role should get: {missing}"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_every_role(app, client, demo_world, role):
    if ROLES[role]:
        assert client.submit("/login", {"email": ROLES[role], "password": DEMO_PASSWORD}).status_code == 302
    for rule in get_routes(app):
        arguments = url_arguments(rule.endpoint)
        missing = set(rule.arguments) - set(arguments)
        assert not missing, f"add sample values for {missing} so {rule.rule} is checked"
        url = rule.build({k: arguments[k] for k in rule.arguments})[1]
        response = client.get(url)
        expected = EXPECTED[rule.endpoint][role]
        if expected == LOGIN:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == expected, f"{url} as {role}: {response.status_code}"
        csp = response.headers.get("Content-Security-Policy", "")
        for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp, f"{url}: no {directive}"
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert response.headers.get("X-Content-Type-Options") == "nosniff", url
        assert response.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", url
