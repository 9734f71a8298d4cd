"""Requests that change things carry a CSRF token, and requests that read (GET) change nothing, on every route.

Both are generated from the app's URL map over the demo world, so a new route is checked the day it is added.
"""

import hashlib

import pytest
import sqlalchemy as sa

from app.demo.data import DEMO_PASSWORD
from app.extensions import db
from tests.core.test_pages import ROLES, get_routes, url_arguments

# Tables a read may write to by design: the audit log records who downloaded what, and a signed-in browser's
# session notes when it was last used (for the idle timeout).
WRITTEN_BY_READS = {"audit_events", "user_sessions"}


def post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint != "static":
            yield rule


def build(rule) -> str:
    """The route's URL with the demo's sample values (a placeholder id where the sample table has none: the CSRF
    check answers before the route looks anything up)."""
    arguments = url_arguments(rule.endpoint)
    return rule.build({k: arguments.get(k, 1) for k in rule.arguments})[1]


def test_every_post_route_refuses_a_request_without_its_csrf_token(app, client, demo_world):
    assert client.submit("/login", {"email": ROLES["admin"], "password": DEMO_PASSWORD}).status_code == 302
    checked = []
    for rule in post_routes(app):
        response = client.post(build(rule), data={"anything": "1"})
        assert response.status_code == 400 and "Form expired" in response.get_data(as_text=True), rule.rule
        checked.append(rule.rule)
    assert len(checked) > 40  # every form in the app, not a handful


def fingerprint() -> dict[str, str]:
    """A digest of every row of every table (but those reads may write), to see whether anything changed."""
    digests = {}
    for table in db.metadata.sorted_tables:
        if table.name in WRITTEN_BY_READS:
            continue
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


@pytest.mark.parametrize("role", ROLES)
def test_no_get_request_changes_anything(app, client, demo_world, role):
    if ROLES[role]:
        assert client.submit("/login", {"email": ROLES[role], "password": DEMO_PASSWORD}).status_code == 302
    db.session.expire_all()
    before = fingerprint()
    for rule in get_routes(app):
        client.get(build(rule))
    db.session.expire_all()
    after = fingerprint()
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"tables changed by GET requests as {role}: {changed}"
