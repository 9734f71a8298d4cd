"""Rate limits on everything a script would hammer: sign-up, password reset, log-in, sending and accepting
invitations, join links and registering; past the limit, a clear 429 page that says when to try again."""

import pytest

from app import create_app
from app.extensions import db
from app.groups import service as groups
from tests.conftest import FormClient
from tests.conftest import test_config as config_for

LOGINS, ACTIONS = 3, 2


@pytest.fixture
def limited(app, db_url):
    """An app with tight limits, made after the test's own app: the limiter is one object, configured by the app
    initialized last."""
    limited_app = create_app(
        config_for(
            db_url,
            RATELIMIT_ENABLED=True,
            LOGIN_RATE_LIMIT=f"{LOGINS} per minute",
            ACTION_RATE_LIMIT=f"{ACTIONS} per minute",
        )
    )
    limited_app.test_client_class = FormClient
    yield limited_app
    with limited_app.app_context():
        db.engine.dispose()


def hammer(client, url: str, data: dict, times: int, page: str | None = None) -> list[int]:
    return [client.submit(url, data, page=page or url).status_code for _ in range(times)]


def assert_limited_after(statuses: list[int], allowed: int, url: str) -> None:
    assert 429 not in statuses[:allowed], f"{url} limited too early: {statuses}"
    assert statuses[allowed] == 429, f"{url} not limited after {allowed}: {statuses}"


def test_anonymous_entry_points_are_limited(limited):
    with limited.app_context():
        for url, data in (
            ("/signup", {"name": "Bot", "email": "bot@example.org", "password": "a long password", "timezone": "UTC"}),
            ("/reset", {"email": "bot@example.org"}),
            ("/login", {"email": "bot@example.org", "password": "wrong password"}),
        ):
            client = limited.test_client()
            statuses = hammer(client, url, data, LOGINS + 1)
            assert_limited_after(statuses, LOGINS, url)
            page = client.get(url)  # reading the form is never limited
            assert page.status_code == 200
            refused = client.submit(url, data)
            assert refused.status_code == 429 and "Too many attempts" in refused.get_data(as_text=True)
            assert int(refused.headers["Retry-After"]) > 0


def test_invitations_join_links_and_registrations_are_limited(make_user, make_cohort, limited):
    coordinator = make_user(email="coord@example.org")
    make_user(email="joiner@example.org")
    cohort = make_cohort("organizing-fundamentals")
    group = groups.create_group(db.session, coordinator, name="Riders", organization="Union")
    db.session.commit()
    group_id, code, cohort_id = group.id, group.join_code, cohort.id
    with limited.app_context():
        coordinator_client, joiner_client = limited.test_client(), limited.test_client()
        for client, email in ((coordinator_client, "coord@example.org"), (joiner_client, "joiner@example.org")):
            assert client.submit("/login", {"email": email, "password": "correct horse battery"}).status_code == 302
        checks = [
            (coordinator_client, f"/groups/{group_id}/invitations", {"emails": "x@example.org"}, f"/groups/{group_id}"),
            (coordinator_client, f"/registrations/new/{cohort_id}?group={group_id}", {"members": []}, None),
            (joiner_client, f"/join/{code}", {}, None),
            (joiner_client, "/invitations/not-a-real-token", {}, f"/join/{code}"),
        ]
        for client, url, data, page in checks:
            assert_limited_after(hammer(client, url, data, ACTIONS + 1, page), ACTIONS, url)


def test_typing_sign_up_codes_is_limited(make_user, limited):
    coordinator = make_user(email="coord@example.org")
    group = groups.create_group(db.session, coordinator, name="Riders", organization="Union")
    db.session.commit()
    code = group.join_code
    with limited.app_context():
        client = limited.test_client()
        signup = {"name": "Bot", "email": "bot@example.org", "password": "", "timezone": "UTC"}
        assert client.submit(f"/join/{code}/signup", signup, page=f"/join/{code}").status_code == 302
        statuses = hammer(client, "/signup/code", {"code": "000000"}, LOGINS + 1)
        assert_limited_after(statuses, LOGINS, "/signup/code")
