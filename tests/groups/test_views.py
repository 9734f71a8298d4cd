"""Groups over HTTP: invitations by email (read from the outbox), join links, sign-up on the way."""

import re
from datetime import timedelta

import sqlalchemy as sa

from app.accounts.models import User
from app.extensions import db
from app.groups import service
from tests.conftest import outbox_messages


def create_group(client, auth, make_user):
    make_user(email="coord@example.org", name="Coordinator")
    auth.login("coord@example.org")
    response = client.submit(
        "/groups/new",
        {"name": "Market vendors", "organization": "Vendors' Association", "country": "PE", "languages": "es"},
    )
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_coordinator_creates_a_group_and_invites_members(client, auth, make_user):
    group_id = create_group(client, auth, make_user)
    response = client.submit(
        f"/groups/{group_id}/invitations", {"emails": "rosa@example.org\nbad address\n"}, page=f"/groups/{group_id}"
    )
    assert response.status_code == 422  # one line needs attention
    page = response.get_data(as_text=True)
    assert "1 invitation sent." in page
    assert "Line 2: bad address" in page
    # The failing line stays in the box so nothing typed is lost.
    assert re.search(r"<textarea[^>]*>\s*bad address</textarea>", page)
    assert [m.to_address for m in outbox_messages()] == ["rosa@example.org"]
    # Help text is text, never markup: the example's "<...>" is shown, not turned into an HTML element.
    assert "as in “Ana Lima &lt;ana.lima@example.org&gt;”." in page


def test_the_invitation_box_shows_an_example_address_in_the_readers_language(client, auth, make_user):
    group_id = create_group(client, auth, make_user)
    db.session.scalar(sa.select(User).where(User.email == "coord@example.org")).locale = "es"
    db.session.commit()
    page = client.get(f"/groups/{group_id}").get_data(as_text=True)
    assert "poner un nombre delante de la dirección, como en «Ana Lima &lt;ana.lima@example.org&gt;»." in page
    assert "&lt;address&gt;" not in page  # no English word standing in for the address


def test_invited_person_signs_up_on_the_way_and_lands_in_the_group(app, client, auth, make_user):
    group_id = create_group(client, auth, make_user)
    client.submit(f"/groups/{group_id}/invitations", {"emails": "newcomer@example.org"}, page=f"/groups/{group_id}")
    link = re.search(r"http://plenary\.test(/invitations/\S+)", outbox_messages()[0].body_text).group(1)

    newcomer = app.test_client()
    page = newcomer.get(link).get_data(as_text=True)
    assert "Join Market vendors" in page and 'value="newcomer@example.org"' in page
    response = newcomer.submit(
        f"{link}/signup",
        {
            "name": "New Comer",
            "email": "newcomer@example.org",
            "password": "together we win",
            "timezone": "America/Lima",
        },
        page=link,
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/groups/{group_id}"
    page = newcomer.get(f"/groups/{group_id}").get_data(as_text=True)
    assert "New Comer" in page and "2 active members" in page
    assert newcomer.get(link).status_code == 410


def test_existing_user_joins_with_the_join_link(app, client, auth, make_user):
    group_id = create_group(client, auth, make_user)
    code = db.session.get(service.Group, group_id).join_code
    make_user(email="member@example.org")
    member = app.test_client()
    member.submit("/login", {"email": "member@example.org", "password": "correct horse battery"})
    response = member.submit(f"/join/{code}", {})
    assert response.status_code == 302
    assert member.get(f"/groups/{group_id}").status_code == 200


def test_join_link_signup_confirms_the_email_first_and_answers_the_same_for_taken_emails(app, client, auth, make_user):
    import re

    from tests.conftest import outbox_messages

    group_id = create_group(client, auth, make_user)
    code = db.session.get(service.Group, group_id).join_code
    answers = []
    for email in ("COORD@example.org", "newcomer@example.org"):
        visitor = app.test_client()
        response = visitor.submit(
            f"/join/{code}/signup",
            {"name": "Someone", "email": email, "password": "long password", "timezone": "UTC"},
            page=f"/join/{code}",
        )
        answers.append((response.headers["Location"], "Check your email" in visitor.get("/signup/code").text))
    assert answers == [("/signup/code", True), ("/signup/code", True)]
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
    message = next(m for m in outbox_messages() if m.to_address == "newcomer@example.org")
    link = re.search(r"http://plenary.test(/signup/confirm/\S+)", message.body_text).group(1)
    newcomer = app.test_client()
    back = newcomer.submit(link, page=link)
    assert back.headers["Location"] == f"/groups/{group_id}"  # signed in, joined, on the group's page
    assert len(db.session.get(service.Group, group_id).active_members) == 2


def test_one_groups_member_cannot_see_another_group(app, client, auth, make_user):
    group_id = create_group(client, auth, make_user)
    make_user(email="stranger@example.org")
    stranger = app.test_client()
    stranger.submit("/login", {"email": "stranger@example.org", "password": "correct horse battery"})
    response = stranger.get(f"/groups/{group_id}")
    assert response.status_code == 403
    assert "Coordinator" not in response.get_data(as_text=True)
    forged = stranger.submit(f"/groups/{group_id}/invitations", {"emails": "x@example.org"}, page="/groups")
    assert forged.status_code == 403
    assert outbox_messages() == []


def test_reset_join_link_and_roster_member(client, auth, make_user):
    group_id = create_group(client, auth, make_user)
    old = db.session.get(service.Group, group_id).join_code
    client.submit(f"/groups/{group_id}/join-link", {}, page=f"/groups/{group_id}")
    assert client.get(f"/join/{old}").status_code == 410
    response = client.submit(
        f"/groups/{group_id}/roster", {"display_name": "Doña Rosa"}, page=f"/groups/{group_id}", follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Doña Rosa" in page and "On the roster, no account" in page and "2 active members" in page


def test_the_join_link_hint_counts_the_days_a_new_link_works_in_the_readers_plural(
    client, auth, make_user, monkeypatch
):
    group_id = create_group(client, auth, make_user)
    assert "A new link works for 30 days." in client.get(f"/groups/{group_id}").get_data(as_text=True)
    monkeypatch.setattr("app.groups.views.JOIN_LINK_LIFETIME", timedelta(days=1))  # the number is the setting's
    assert "A new link works for 1 day." in client.get(f"/groups/{group_id}").get_data(as_text=True)
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coord@example.org"))
    for language, expected in [
        ("es", "Un enlace nuevo funciona durante 1 día."),
        ("pt_BR", "Um novo link funciona por 1 dia."),
        ("fr", "Un nouveau lien est valable 1 jour."),
    ]:
        coordinator.locale = language
        db.session.commit()
        assert expected in client.get(f"/groups/{group_id}").get_data(as_text=True)
    monkeypatch.setattr("app.groups.views.JOIN_LINK_LIFETIME", timedelta(days=30))
    assert "Un nouveau lien est valable 30 jours." in client.get(f"/groups/{group_id}").get_data(as_text=True)


def test_leaving_as_the_last_coordinator_is_explained(client, auth, make_user):
    group_id = create_group(client, auth, make_user)
    response = client.submit(f"/groups/{group_id}/leave", {}, page=f"/groups/{group_id}", follow_redirects=True)
    assert "make someone else a coordinator first" in response.get_data(as_text=True)


def test_invitation_sending_is_rate_limited(db_url, make_user):
    from app import create_app
    from tests.conftest import FormClient, test_config

    limited = create_app(test_config(db_url, RATELIMIT_ENABLED=True, ACTION_RATE_LIMIT="3 per minute"))
    limited.test_client_class = FormClient
    with limited.app_context():
        make_user(email="coord@example.org")
        client = limited.test_client()
        client.submit("/login", {"email": "coord@example.org", "password": "correct horse battery"})
        client.submit("/groups/new", {"name": "G", "organization": "O"})
        group_id = db.session.scalar(sa.select(service.Group.id))
        statuses = [
            client.submit(
                f"/groups/{group_id}/invitations", {"emails": f"p{n}@example.org"}, page=f"/groups/{group_id}"
            ).status_code
            for n in range(4)
        ]
        db.session.remove()  # give the connection back before closing the pool, or it leaks (PostgreSQL)
        db.engine.dispose()
    assert statuses == [200, 200, 200, 429]
