"""Every GET page in the app renders, for every kind of person, on the demo world."""

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.accounts.service import make_reset_token
from app.demo.data import DEMO_PASSWORD, load_demo
from app.extensions import db

ROLES = {
    "anonymous": None,
    "participant": "jorge.medina@members.example",
    "coordinator": "lucia@plenary.example",
    "trainer": "trainer@plenary.example",
    "admin": "admin@plenary.example",
}
# Routes that need a login send visitors to it; everything else is public.
LOGIN_REQUIRED = {"accounts.profile"}
SKIP = {"static"}


@pytest.fixture
def demo_world(app, synced_courses):
    load_demo(db.session)
    db.session.commit()


def url_arguments() -> dict[str, str]:
    user = db.session.scalar(sa.select(User).where(User.email == ROLES["participant"]))
    return {
        "slug": "power-and-participation",
        "reading_slug": "preface-and-introduction",
        "token": make_reset_token(user),
    }


def get_routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint not in SKIP and not rule.endpoint.startswith("_"):
            yield rule


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_every_role(app, client, demo_world, role):
    if ROLES[role]:
        assert client.submit("/login", {"email": ROLES[role], "password": DEMO_PASSWORD}).status_code == 302
    arguments = url_arguments()
    checked = 0
    for rule in get_routes(app):
        missing = set(rule.arguments) - set(arguments)
        assert not missing, f"add sample values for {missing} so {rule.rule} is checked"
        url = rule.build({k: arguments[k] for k in rule.arguments})[1]
        response = client.get(url)
        if role == "anonymous" and rule.endpoint in LOGIN_REQUIRED:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        elif rule.endpoint in {"accounts.login", "accounts.signup"} and role != "anonymous":
            assert response.status_code == 302, url  # already logged in
        else:
            assert response.status_code == 200, f"{url} as {role}: {response.status_code}"
        csp = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, url
        assert response.headers.get("X-Content-Type-Options") == "nosniff", url
        checked += 1
    assert checked >= 8
