"""Parts of pages kept per worker (app/lib/fragments.py): a part is reused only for readers whose key is the same,
never carries one browser's CSRF token to another, follows the language, and a form showing errors is never kept."""

from dataclasses import dataclass

import pytest
from flask import render_template_string
from jinja2 import TemplateSyntaxError

from app.extensions import db
from app.learning import commitments
from tests.conftest import Auth, csrf_tokens, without_csrf_tokens
from tests.learning.test_views import _page


def test_a_fragment_may_not_show_what_its_key_does_not_hold(app):
    with pytest.raises(TemplateSyntaxError, match="'current_user'"):
        app.jinja_env.from_string("{% fragment n=1 %}{{ n }} {{ current_user.email }}{% endfragment %}")
    with pytest.raises(TemplateSyntaxError, match="'secret'"):
        app.jinja_env.from_string("{% fragment %}{% for x in secret %}{{ x }}{% endfor %}{% endfragment %}")
    # its keys, what it assigns itself (loop variables too) and the shared globals are fine
    app.jinja_env.from_string(
        "{% fragment items=items %}{% set n = items|length %}{% for i in items %}{{ i }}{% endfor %}"
        "{{ n }} {{ _('Courses') }} {{ url_for('courses.catalogue') }}{% endfragment %}"
    )


@dataclass
class _Room:
    name: str
    members: list


def test_each_key_is_rendered_once_and_a_different_value_is_a_different_part(app):
    template = "{% fragment room=room %}<b>{{ room.name }}</b>: {{ room.members|join(', ') }}{% endfragment %}"
    kept = app.jinja_env.fragments
    with app.test_request_context("/"):
        before = len(kept)
        assert render_template_string(template, room=_Room("Room 1", ["Ana", "Bo"])) == "<b>Room 1</b>: Ana, Bo"
        assert render_template_string(template, room=_Room("Room 1", ["Ana", "Bo"])) == "<b>Room 1</b>: Ana, Bo"
        assert len(kept) == before + 1  # the same values: the kept part
        assert render_template_string(template, room=_Room("Room 1", ["Ana", "Cy"])) == "<b>Room 1</b>: Ana, Cy"
        assert render_template_string(template, room=_Room("<Room 2>", [])) == "<b>&lt;Room 2&gt;</b>: "
        assert len(kept) == before + 3


def test_a_key_that_is_not_a_plain_value_is_refused(app):
    class Thing:
        pass

    with app.test_request_context("/"), pytest.raises(TypeError, match="plain value"):
        render_template_string("{% fragment thing=thing %}x{% endfragment %}", thing=Thing())


def test_each_browser_gets_its_own_csrf_token_in_a_kept_part(app, make_user):
    """The header's log-out form and the footer's language menu are kept parts: each person's page carries their
    own token, which their next form accepts."""
    people = [make_user(email=f"person{n}@example.org") for n in range(2)]
    browsers = []
    for person in people:
        browser = app.test_client()
        Auth(browser).login(person.email)
        browsers.append(browser)
    pages = [_page(browser, "/groups") for browser in browsers]
    tokens = [set(csrf_tokens(page).values()) for page in pages]
    assert all(len(found) == 1 for found in tokens)  # one token per page, in every form
    assert tokens[0] != tokens[1]
    for browser, found in zip(browsers, tokens, strict=True):
        response = browser.post("/language", data={"csrf_token": found.pop(), "lang": "es", "next": "/groups"})
        assert response.status_code == 302  # accepted: not a "CSRF token missing or wrong" 400
    assert ">Cerrar sesión<" in _page(browsers[0], "/groups")  # the language the token's form chose


def test_a_kept_part_follows_the_readers_language(app, make_user):
    person = make_user(email="polyglot@example.org")
    browser = app.test_client()
    Auth(browser).login(person.email)
    english = _page(browser, "/groups")
    person.locale = "fr"
    db.session.commit()
    french = _page(browser, "/groups")
    assert ">Log out<" in english and ">Log out<" not in french
    assert ">Se déconnecter<" in french


def test_a_form_showing_its_errors_is_never_kept_and_the_blank_one_comes_back(client, auth, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    person = world.groups[0].members[1]
    auth.login(person.email)
    prefix = f"commit-{world.cohort.id}"
    blank = _page(client, "/home")
    response = client.submit(f"/cohorts/{world.cohort.id}/commitments", {f"{prefix}-text": "  "}, page="/home")
    assert response.status_code == 422
    errored = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in errored and "Please correct the fields marked below." in errored
    again = _page(client, "/home")
    assert 'aria-invalid="true"' not in again and "Please correct" not in again
    assert without_csrf_tokens(again) == without_csrf_tokens(blank)
    commitments.record_commitment(db.session, person, world.cohort, "Call the hall")
    db.session.commit()
    assert "Call the hall" in _page(client, "/home")
