"""Every email the app sends links to BASE_URL only, even when the request that caused it named another host (a
forged Host header would otherwise put the attacker's site into a password-reset link).

Every email template under */email/ must be rendered by this test (a new kind of email fails it until it is
added here), each while a request with a forged Host is under way, over HTTP where a person causes it.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import template_rendered

from app.accounts.models import User
from app.attendance import completion
from app.attendance import service as attendance
from app.extensions import db
from app.groups import invitations
from app.lib.time import now_utc
from app.lib.urls import DEVELOPMENT_BASE_URL
from app.oidc.providers import Provider
from app.oidc.service import send_link_confirmation
from app.registration import prerequisites as registration_prerequisites
from app.registration import seats as registration_seats
from tests.accounts.test_views import SIGNUP
from tests.conftest import csrf_tokens, outbox_messages

PASSWORD = "correct horse battery"

FORGED = "http://evil.example"
URL_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
EMAIL_TEMPLATES = {
    str(path.relative_to(path.parents[2])).removesuffix(path.suffix)
    for path in Path(__file__).resolve().parents[2].glob("app/*/templates/*/email/*.*")
}


def link_in(kind: str, to: str) -> str:
    """The path of the link in the last email of `kind` to `to`."""
    message = [m for m in outbox_messages() if m.kind == kind and m.to_address == to][-1]
    return re.search(r"https?://[^/\s]+(/\S+)", message.body_text).group(1)


# With BASE_URL (as in production, where it is required), and without it (development: a fixed address).
@pytest.mark.parametrize("base_url", ["http://plenary.test", ""])
def test_every_email_links_only_to_base_url_under_a_forged_host(app, make_user, make_running_cohort, base_url):
    app.config["BASE_URL"] = base_url
    expected = base_url or DEVELOPMENT_BASE_URL
    rendered: set[str] = set()

    def note(sender, template, context, **extra):
        rendered.add(template.name.removesuffix(".txt").removesuffix(".html"))

    template_rendered.connect(note, app)
    try:
        _send_every_kind_of_email(app, make_user, make_running_cohort)
    finally:
        template_rendered.disconnect(note, app)

    assert EMAIL_TEMPLATES and not EMAIL_TEMPLATES - rendered, f"not sent here: {EMAIL_TEMPLATES - rendered}"
    messages = outbox_messages()
    assert len({m.kind for m in messages}) >= 15
    for message in messages:
        for body in (message.body_text, message.body_html or ""):
            assert "evil.example" not in body, message.kind
            links = URL_RE.findall(body)
            assert body.count("://") == len(links), (message.kind, body)  # no other kind of address either
            assert all(link.startswith(expected + "/") for link in links), (message.kind, links)
    assert all(URL_RE.search(m.body_text) for m in messages if m.kind != "registration_waitlisted")
    # A link glued to its sentence ("here:http://...") is not clickable in many mail programs: each has its own line.
    for message in messages:
        for line in message.body_text.splitlines():
            if "://" in line:
                assert URL_RE.fullmatch(line.strip()), (message.kind, line)


def forged(client, url: str, data: dict, page: str | None = None):
    """Submit a form as a browser would, every request (the page and the post) naming the attacker's host."""
    tokens = csrf_tokens(client.get(page or url, base_url=FORGED).get_data(as_text=True))
    assert tokens, page or url
    return client.post(url, data={**tokens, **data}, base_url=FORGED)


def _send_every_kind_of_email(app, make_user, make_running_cohort) -> None:
    # What a person causes over HTTP, every request naming the attacker's host.
    make_user(email="ana@example.org", name="Ana")
    make_user(email="taken@example.org")
    visitor = app.test_client()
    forged(visitor, "/signup", {**SIGNUP, "email": "new@example.org"})  # signup_confirm
    forged(visitor, "/signup", {**SIGNUP, "email": "ana@example.org"})  # signup_existing
    forged(visitor, "/reset", {"email": "ana@example.org"})  # password_reset
    forged(app.test_client(), "/sign-in", {"email": "ana@example.org"})  # sign_in_link (app/signin)
    assert link_in("sign_in_link", "ana@example.org").startswith("/sign-in/")
    assert link_in("signup_confirm", "new@example.org").startswith("/signup/confirm/")

    ana = app.test_client()
    assert forged(ana, "/login", {"email": "ana@example.org", "password": PASSWORD}).status_code == 302
    forged(ana, "/account/confirm-code", {"back": "/profile"}, page="/profile")  # confirm_code (app/signin)
    for address in ("taken@example.org", "ana@new.example"):  # email_change_taken, email_change_confirm
        forged(ana, "/profile/email", {"em-email": address, "em-password": PASSWORD}, page="/profile")
    link = link_in("email_change_confirm", "ana@new.example")
    assert forged(ana, link, {}).status_code == 302  # email_changed
    assert db.session.scalar(sa.select(User.email).where(User.name == "Ana")) == "ana@new.example"

    # What services send when a coordinator, a trainer or the clock acts, during a request with a forged host.
    with app.test_request_context("/", base_url=FORGED):
        world = make_running_cohort((3,))  # registration_confirmed
        coordinator, group = world.groups[0].coordinator, world.groups[0].group
        invitations.invite_members(db.session, coordinator, group, "someone@example.org")  # group_invitation
        # A provider's verified address is Ana's (app/oidc, sent from the provider's callback): identity_link_confirm
        provider = Provider("mock", "Mock ID", "https://id.example", "client-id", "client-secret")
        ana_account = db.session.scalar(sa.select(User).where(User.name == "Ana"))
        send_link_confirmation(db.session, ana_account, provider, {"iss": provider.issuer, "sub": "s-1"}, "")
        reg = world.groups[0].registration
        context = {
            "waitlisted": {},
            "promoted": {},
            "declined": {"reason": "Tell us more about the group's history."},
            "lapsed": {},
            "deadline_reminder": {"checklist": registration_prerequisites.checklist(db.session, reg)},
            "pre_meeting_reminder": {"days": 6},
        }
        # Every registration email goes through this one function, which builds the link.
        for template, extra in context.items():
            registration_seats.notify_coordinators(db.session, reg, template, f"Subject {template}", **extra)
        db.session.commit()

        finished = make_running_cohort((3,), started_days_ago=30)
        everyone = {p.membership.id for p in finished.participants}
        for cohort_session in finished.cohort.sessions:
            attendance.record_checklist(db.session, finished.trainer, finished.cohort, cohort_session, everyone)
        completion.complete_cohort(db.session, finished.trainer, finished.cohort, at=now_utc() + timedelta(hours=1))
        db.session.commit()

    # Ana joins with her own account through an invitation sent to another address: the inviter is told.
    invitation = link_in("group_invitation", "someone@example.org")
    assert forged(ana, invitation, {"as_another_address": "1"}).status_code == 302  # group_invitation_accepted_as_other
