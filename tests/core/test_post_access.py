"""Every POST route, as each of the eight people, on the demo world: who may act is decided by the server.

Each request carries a valid CSRF token and an empty form, so what differs between people is only who they are:
refused people get 403/404 (or the login page), allowed people get the form's own answer (a redirect, a page
with what is missing, a 4xx about the values). A route added without an entry here fails the test.
"""

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.demo.data import DEMO_PASSWORD
from app.extensions import db
from app.groups.models import GroupMembership
from app.learning.models import Commitment, CommitmentStatus
from tests.conftest import csrf_tokens
from tests.core.roles import ROLES
from tests.core.test_pages import url_arguments

# Actions that change who belongs where, or end the session, go last so they do not change what comes after them.
LAST = [
    "groups.join",
    "groups.make_coordinator",
    "groups.reset_join_link",
    "registration.update_roster",
    "registration.withdraw",
    "groups.remove_member",
    "groups.leave",
    "attendance.complete",
    "privacy.delete_account",
    "accounts.logout",
]


# Status per person, in this order: anonymous, participant, other_participant, coordinator, other_coordinator,
# trainer, other_trainer, admin. "login": sent to the login page. 403/404: refused. Anything else is the form's own
# answer to an empty submission (302 after a flashed message, 422 or 400 about the values, 200 a page shown again).
# The demo's Transit group (Jorge, Lucía) is confirmed in the running cohort; the sample room is Jorge's.
TABLE = {
    "accounts.change_email": ("login", 422, 422, 422, 422, 422, 422, 422),
    "accounts.change_password": ("login", 422, 422, 422, 422, 422, 422, 422),
    "accounts.confirm_signup": (400, 400, 400, 400, 400, 400, 400, 400),  # a link nobody was sent
    "accounts.signup_code": (302, 302, 302, 302, 302, 302, 302, 302),  # no sign-up waiting: to the form
    "accounts.confirm_undo_email_change": (400, 400, 400, 400, 400, 400, 400, 400),
    "accounts.confirm_email_change": (400, 400, 400, 400, 400, 400, 400, 400),  # a link nobody was sent
    "accounts.login": (422, 302, 302, 302, 302, 302, 302, 302),
    "language.choose": (302, 302, 302, 302, 302, 302, 302, 302),  # no language named: nothing changes
    "accounts.login_code": ("login", "login", "login", "login", "login", "login", "login", "login"),
    "accounts.profile": ("login", 200, 200, 200, 200, 200, 200, 200),
    "accounts.request_reset": (422, 422, 422, 422, 422, 422, 422, 422),
    "accounts.reset_password": (422, 422, 422, 422, 422, 422, 422, 422),
    "accounts.signup": (422, 302, 302, 302, 302, 302, 302, 302),
    "accounts.two_factor_page": ("login", 200, 200, 200, 200, 200, 200, 200),
    "attendance.group_page": ("login", 403, 403, 302, 403, 403, 403, 302),
    "attendance.trainer_page": ("login", 403, 403, 403, 403, 302, 403, 302),
    "breakouts.drop_override": ("login", 403, 403, 403, 403, 302, 403, 302),
    "breakouts.move_member": ("login", 403, 403, 403, 403, 422, 403, 422),
    "breakouts.page": ("login", 403, 403, 403, 403, 422, 403, 422),
    "breakouts.rename_room": ("login", 403, 403, 403, 403, 422, 403, 422),
    "cohorts.edit_cohort": ("login", 403, 403, 403, 403, 422, 403, 422),
    "cohorts.new_cohort": ("login", 200, 200, 200, 200, 200, 200, 200),  # shows the courses one may schedule
    "learning.reset_calendar": ("login", 302, 302, 302, 302, 302, 302, 302),
    "cohorts.use_browser_timezone": ("login", 302, 302, 302, 302, 302, 302, 302),
    "groups.add_roster_member": ("login", 422, 403, 422, 403, 403, 403, 422),  # Transit's members may add people
    "groups.invitation": (410, 410, 410, 410, 410, 410, 410, 410),
    "groups.invitation_signup": (410, 410, 410, 410, 410, 410, 410, 410),
    "groups.invite": ("login", 422, 403, 422, 403, 403, 403, 422),
    "groups.join_signup": (422, 422, 422, 422, 422, 422, 422, 422),
    "groups.new_group": ("login", 422, 422, 422, 422, 422, 422, 422),
    "learning.check_in": ("login", 422, 403, 403, 403, 403, 403, 403),  # Jorge's own commitment: nobody else's
    "learning.mark_read": ("login", 302, 302, 302, 302, 403, 403, 403),  # the cohort's participants
    "learning.mark_unread": ("login", 302, 302, 302, 302, 403, 403, 403),
    "learning.record_commitment": ("login", 422, 422, 422, 422, 403, 403, 403),
    "notes.change_roles": ("login", 302, 403, 403, 403, 403, 403, 403),  # the room's members write; trainers read
    "notes.preview": ("login", 200, 403, 403, 403, 403, 403, 403),
    "notes.restore": ("login", 302, 403, 403, 403, 403, 403, 403),
    "notes.save_note": ("login", 400, 403, 403, 403, 403, 403, 403),
    "notes.share": ("login", 302, 403, 403, 403, 403, 403, 403),
    "registration.log_pre_meeting": ("login", 403, 403, 422, 403, 403, 403, 422),
    "registration.new_registration": ("login", 200, 200, 422, 422, 200, 200, 200),  # for one's own groups
    "registration.review": ("login", 403, 403, 403, 403, 302, 403, 302),
    "registration.submit_evidence": ("login", 403, 403, 302, 403, 403, 403, 302),
    "groups.join": (200, 302, 302, 302, 302, 302, 302, 302),  # anyone holding the link may join
    "groups.make_coordinator": ("login", 403, 403, 302, 403, 403, 403, 302),
    "groups.reset_join_link": ("login", 403, 403, 302, 403, 403, 403, 302),
    "registration.update_roster": ("login", 403, 403, 302, 403, 403, 403, 302),
    "registration.withdraw": ("login", 403, 403, 302, 403, 403, 403, 302),
    "groups.remove_member": ("login", 403, 403, 302, 403, 403, 403, 302),
    "groups.leave": ("login", 302, 302, 302, 302, 302, 302, 302),  # "you are not a member" for outsiders
    "attendance.complete": ("login", 403, 403, 403, 403, 302, 403, 302),
    "privacy.delete_account": ("login", 422, 422, 422, 422, 422, 422, 422),
    "accounts.logout": (302, 302, 302, 302, 302, 302, 302, 302),
    # Identity providers (app/oidc): a link confirmation nobody was sent is refused; removing a link that is not
    # yours says so on the profile (a flashed message, 302).
    "oidc.confirm_link": (400, 400, 400, 400, 400, 400, 400, 400),  # a link nobody was sent
    "oidc.unlink": ("login", 302, 302, 302, 302, 302, 302, 302),
    # Signing in by emailed link or code (app/signin): an empty address is refused (signed in: no need to ask);
    # a code without asking first sends back to asking; a link nobody was sent is refused.
    "signin.ask": (422, 302, 302, 302, 302, 302, 302, 302),
    "signin.code": (302, 302, 302, 302, 302, 302, 302, 302),
    "signin.confirm_link": (400, 400, 400, 400, 400, 400, 400, 400),
    "signin.ask_confirm_code": ("login", 302, 302, 302, 302, 302, 302, 302),  # emails a code, back to the form
}
EXPECTED = {endpoint: dict(zip(ROLES, statuses, strict=True)) for endpoint, statuses in TABLE.items()}


def post_arguments(endpoint: str) -> dict:
    jorge = db.session.scalar(sa.select(User).where(User.email == ROLES["participant"]))
    arguments = url_arguments(endpoint)
    membership = db.session.scalar(
        sa.select(GroupMembership).where(
            GroupMembership.user_id == jorge.id, GroupMembership.group_id == arguments["group_id"]
        )
    )
    commitment = db.session.scalar(
        sa.select(Commitment).where(Commitment.user_id == jorge.id, Commitment.status == CommitmentStatus.OPEN)
    )
    from app.cohorts.models import Cohort

    cohort = db.session.get(Cohort, arguments["cohort_id"])
    return {
        **arguments,
        "membership_id": membership.id,
        "commitment_id": commitment.id,
        "cohort_session_id": cohort.sessions[0].id,
        "number": 1,
    }


def post_routes(app):
    rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
    return sorted(rules, key=lambda r: (LAST.index(r.endpoint) if r.endpoint in LAST else -1, r.endpoint))


def outcome(response) -> str | int:
    if response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return "login"
    return response.status_code


def test_every_post_route_has_an_expectation(app):
    missing = {rule.endpoint for rule in post_routes(app)} - set(EXPECTED)
    assert not missing, f"add these endpoints to TABLE with the status each person should get: {missing}"


@pytest.mark.parametrize("role", ROLES)
def test_every_post_route_answers_each_person_as_the_table_says(app, client, demo_world, role):
    if ROLES[role]:
        assert client.submit("/login", {"email": ROLES[role], "password": DEMO_PASSWORD}).status_code == 302
    page = client.get("/profile" if ROLES[role] else "/login").get_data(as_text=True)
    token = next(iter(csrf_tokens(page).values()))
    wrong = {}
    for rule in post_routes(app):
        arguments = post_arguments(rule.endpoint)
        url = rule.build({k: arguments[k] for k in rule.arguments})[1]
        got = outcome(client.post(url, data={"csrf_token": token}, headers={"X-CSRFToken": token}))
        if got != EXPECTED[rule.endpoint][role]:
            wrong[rule.endpoint] = (got, EXPECTED[rule.endpoint][role])
    assert not wrong, f"as {role}, (got, expected): {wrong}"
