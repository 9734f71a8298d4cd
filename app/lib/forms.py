"""Forms: the base form, a service's DomainError put next to its field, and how fields are written as HTML."""

import functools
from collections.abc import Callable
from typing import Any

import wtforms.widgets
from babel import support
from flask import current_app, flash
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms.i18n import messages_path
from wtforms.widgets import core as wtforms_widgets

from app.extensions import db
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.fragments import LIVE, frozen


def html_params(**attributes) -> Markup:
    """WTForms' `html_params`, the same HTML written with plain strings: WTForms builds each attribute through
    `Markup.format`, which is most of what rendering a form costs. Installed below in its place for every widget;
    tests/lib/test_field_html.py holds the two to the same output."""
    params = []
    for key, value in sorted(attributes.items()):
        name = escape(wtforms_widgets.clean_key(key))
        if value is True:
            params.append(str(name))
        elif value is not False:
            params.append(f'{name}="{str.replace(escape(value), chr(34), "&quot;")}"')
    return Markup(" ".join(params))


WTFORMS_HTML_PARAMS = wtforms_widgets.html_params
wtforms_widgets.html_params = wtforms.widgets.html_params = html_params  # the widgets', and the labels'
for _widget in vars(wtforms_widgets).values():  # each widget class holds it as a static method of its own
    if isinstance(_widget, type) and vars(_widget).get("html_params") is not None:
        _widget.html_params = staticmethod(html_params)

NOT_SAVED = object()  # what apply_form returns when the service refused the form's values


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Attach the message to its field when the form has it, else show it above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        form.form_errors.append(error.message)


def flash_error(error: DomainError) -> None:
    flash(error.message, "error")


def run_and_report(action, success_message: str) -> bool:
    """Run a service call for a button: commit and say so, or roll back and show the refusal's reason."""
    try:
        action()
    except (Forbidden, NotFound):
        db.session.rollback()
        raise  # about who is asking, not what they asked: the 403/404 page
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return False
    db.session.commit()
    flash(success_message, "success")
    return True


def apply_form(form: FlaskForm, action: Callable[[], Any], success_message: str | Callable[[Any], str]) -> Any:
    """Run a service call with a submitted form's values: commit, flash the success message and return the call's
    result; or roll back, put the refusal next to its field and return NOT_SAVED (the view re-renders the form with
    what the person typed). Forbidden and NotFound are not about the values: they propagate as the page's answer."""
    try:
        result = action()
    except (Forbidden, NotFound):
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return NOT_SAVED
    db.session.commit()
    flash(success_message(result) if callable(success_message) else success_message, "success")
    return result


@functools.cache
def _wtforms_catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """WTForms' own messages (its validators') in the page's language, each language's catalogue read once per
    worker: Flask-WTF's own reads the file from disk again on every request that builds a form."""

    def gettext(self, string: str) -> str:
        return _wtforms_catalogue(str(get_locale() or "en")).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalogue(str(get_locale() or "en")).ungettext(singular, plural, n)


_WTFORMS_MESSAGES = _WTFormsMessages()


class BaseForm(FlaskForm):
    """The base of every form in the app: text containing a NUL character, which no database column can store, is
    refused next to its field (with the text kept) instead of failing when it is saved."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _WTFORMS_MESSAGES

    @property
    def fragment_key(self):
        """What this form's HTML depends on, for `{% fragment %}` (app/lib/fragments.py): its class, prefix, values
        and choices, without the CSRF token (each page puts its own in). LIVE while it shows errors."""
        if self.errors or self.form_errors:
            return LIVE
        csrf_name = self.meta.csrf_field_name
        try:
            values = tuple(
                (field.name, frozen(field.data), frozen(getattr(field, "choices", None)))
                for field in self
                if field.short_name != csrf_name
            )
        except TypeError:  # a value that is not plain (an uploaded file): render it every time
            return LIVE
        return (type(self).__module__, type(self).__qualname__, self._prefix, values)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            values = field.data if isinstance(field.data, list | tuple) else [field.data]
            if any(isinstance(value, str) and "\x00" in value for value in values):
                field.errors = [*field.errors, _("This text contains a NUL character (\\0), which cannot be stored.")]
                valid = False
        return valid


def field_html(field, autocomplete: str | None = None) -> Markup:
    """A field as every form shows it: its label, its hint and its errors, which the input names in
    aria-describedby (and aria-invalid while there are errors). The templates' `field` (_forms.html); written in
    Python because a page of forms called it as a Jinja macro dozens of times. The hint is the field's
    description."""
    errors = field.errors
    described, lines = [], [field.label(**{"class": "label"})]
    if field.description:
        described.append(f"{field.id}-hint")
        description = field.description if isinstance(field.description, str) else str(field.description)
        lines.append(Markup('<p class="hint" id="{}-hint">{}</p>').format(field.id, description))
    attributes = {}
    if errors:
        described.append(f"{field.id}-error")
        message = Markup(" ").join(escape(error) for error in errors)
        lines.append(Markup('<p class="error-message" id="{}-error">{}</p>').format(field.id, message))
        attributes["aria-invalid"] = "true"
    if described:
        attributes["aria-describedby"] = " ".join(described)
    if autocomplete:
        attributes["autocomplete"] = autocomplete
    lines.append(field(**attributes))
    opening = Markup('<div class="field field-error">' if errors else '<div class="field">')
    return opening + Markup("\n  ") + Markup("\n  ").join(lines) + Markup("\n</div>\n")


class ActionForm(BaseForm):
    """A button that changes something: it carries only the CSRF token."""
