"""With sign-in by email on, an address Plenary has seen the person confirm counts as a way in (app/oidc's
last-way-in rule): a passwordless account may then remove its last provider."""

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.extensions import db
from app.lib.errors import DomainError
from app.oidc import service as oidc
from app.oidc.models import LinkedIdentity
from tests.signin.conftest import ask, link_and_code


@pytest.fixture
def solo(app):
    user = User(email="solo@example.org", name="Solo", timezone="UTC", locale="en")  # made by a provider
    db.session.add(user)
    db.session.flush()
    db.session.add(LinkedIdentity(user_id=user.id, provider="mock", issuer="https://id.test", subject="solo"))
    db.session.commit()
    return user


def _identity():
    return db.session.scalar(sa.select(LinkedIdentity))


def test_an_unconfirmed_address_is_not_a_way_in(solo):
    with pytest.raises(DomainError) as refused:
        oidc.unlink(db.session, solo, _identity().id)
    assert 'sign in once by "Email me a sign-in link"' in refused.value.message


def test_once_the_address_is_confirmed_by_an_emailed_link_the_provider_may_go(client, solo):
    ask(client, "solo@example.org")
    link, _ = link_and_code("solo@example.org")
    assert client.submit(link).status_code == 302
    db.session.expire_all()
    solo = db.session.get(User, solo.id)
    assert solo.email_confirmed_at is not None
    assert oidc.other_ways_in(db.session, solo, without=_identity()) == 1
    oidc.unlink(db.session, solo, _identity().id)
    db.session.commit()
    assert _identity() is None


def test_with_sign_in_by_email_off_a_confirmed_address_does_not_count(app, client, solo):
    from app.lib.time import now_utc

    solo.email_confirmed_at = now_utc()
    db.session.commit()
    app.config["SIGN_IN_BY_EMAIL"] = False
    assert oidc.other_ways_in(db.session, solo, without=_identity()) == 0
    assert client.get("/sign-in").status_code == 404
    assert "Email me a sign-in link" not in client.get("/login").get_data(as_text=True)


def _ways_in_row(client, email: str) -> list[str]:
    """The cells of this person's row on /admin/ways-in, as text, without the person's own cell."""
    import re

    page = client.get("/admin/ways-in").get_data(as_text=True)
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", page, re.S) if email in r)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)][1:]


def test_the_ways_in_page_shows_whether_each_address_is_confirmed(app, client, make_user, solo):
    from app.lib.time import now_utc

    make_user(email="boss@example.org", name="Boss", is_admin=True)
    confirmed = make_user(email="confirmed@example.org", name="Confirmed")
    confirmed.email_confirmed_at = now_utc()
    db.session.commit()
    client.submit("/login", {"email": "boss@example.org", "password": "correct horse battery"})
    # Columns: address confirmed, emailed link or code, password, two-step sign-in, providers.
    assert _ways_in_row(client, "confirmed@example.org") == ["yes", "yes", "yes", "no", "none"]
    assert _ways_in_row(client, "solo@example.org") == ["no", "no", "no", "no", "mock"]
    app.config["SIGN_IN_BY_EMAIL"] = False
    assert _ways_in_row(client, "confirmed@example.org")[:2] == ["yes", "no"]
    assert "Sign-in by email is off here" in client.get("/admin/ways-in").get_data(as_text=True)
