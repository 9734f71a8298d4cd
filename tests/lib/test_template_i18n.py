"""Templates keep the request's catalogue once looked up (app/lib/template_i18n.py): it must follow every change
of language within a request, as an email written in its recipient's language inside a page's request does."""

from flask import render_template_string
from flask_babel import force_locale

HEADING = (
    "{{ _('My courses') }} · "
    "{{ ngettext('%(num)s commitment you checked in on', '%(num)s commitments you checked in on', 2) }}"
)


def test_a_template_follows_the_language_of_the_moment_within_one_request(app):
    # Each request in its own application context, as in production (the fixture's would share `g`).
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert render_template_string(HEADING).startswith("Mis cursos · 2 ")
        with force_locale("fr"):
            assert render_template_string(HEADING).startswith("Mes formations · 2 ")
            with force_locale("pt_BR"):
                assert render_template_string(HEADING).startswith("Meus cursos · 2 ")
            assert render_template_string(HEADING).startswith("Mes formations")
        assert render_template_string(HEADING).startswith("Mis cursos")
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(HEADING) == "My courses · 2 commitments you checked in on"
