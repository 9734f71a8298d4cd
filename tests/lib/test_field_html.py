"""Every form field's label, hint and errors, and how its input names them for screen readers (app/lib/forms.py,
`field` in the templates)."""

import re

import pytest
from flask import render_template_string
from flask_babel import lazy_gettext
from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import InputRequired

from app.lib.forms import WTFORMS_HTML_PARAMS, BaseForm, html_params

TEMPLATE = '{% from "_forms.html" import field %}{{ field(form.name, autocomplete="name") }}'


class _NameForm(BaseForm):
    name = StringField("Your name", description="As your group knows you.", validators=[InputRequired()])


def _input(html: str) -> str:
    found = re.search(r"<input[^>]*>", html)
    assert found, html
    return found.group(0)


def test_a_blank_field_has_its_label_and_hint_and_the_input_points_to_the_hint(app):
    with app.test_request_context("/"):
        html = render_template_string(TEMPLATE, form=_NameForm(formdata=None, meta={"csrf": False}))
    assert '<label class="label" for="name">Your name</label>' in html
    assert '<p class="hint" id="name-hint">As your group knows you.</p>' in html
    field = _input(html)
    assert 'aria-describedby="name-hint"' in field and 'autocomplete="name"' in field
    assert "aria-invalid" not in field and "field-error" not in html and "error-message" not in html


def test_a_field_with_errors_shows_them_escaped_and_the_input_is_marked_invalid(app):
    with app.test_request_context("/", method="POST", data={"name": ""}):
        form = _NameForm(meta={"csrf": False})
        assert not form.validate()
        form.name.errors.append("Not <b>this</b> & that")
        html = render_template_string(TEMPLATE, form=form)
    assert '<div class="field field-error">' in html
    assert re.search(r'<p class="error-message" id="name-error">[^<]+ Not &lt;b&gt;this&lt;/b&gt; &amp; that</p>', html)
    field = _input(html)
    assert 'aria-invalid="true"' in field and 'aria-describedby="name-hint name-error"' in field


ATTRIBUTE_SETS = [
    {},
    {"id": "name", "name": "name", "type": "text", "value": "Ana"},
    {"checked": True, "readonly": False, "required": True, "name": "x"},
    {"value": 'He said "no" & <left>', "class_": "a b", "data_room_id": 7, "aria_describedby": "x-hint x-error"},
    {"value": Markup('<b class="x">kept</b>'), "for_": "id", "maxlength": 120, "minlength": 0, "title": "Ünïcødé ✓"},
    {"value": lazy_gettext("Courses"), "placeholder": None, "step": 1.5},
]


@pytest.mark.parametrize("attributes", ATTRIBUTE_SETS)
def test_the_fast_attribute_writer_writes_what_wtforms_would(app, attributes):
    with app.test_request_context("/"):
        ours, theirs = html_params(**attributes), WTFORMS_HTML_PARAMS(**attributes)
    assert ours == theirs and isinstance(ours, Markup)
