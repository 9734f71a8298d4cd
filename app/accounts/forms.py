import functools

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from markupsafe import Markup, escape
from wtforms import (
    EmailField,
    Form,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from app.accounts.service import PASSWORD_MAX, PASSWORD_MIN
from app.lib import languages
from app.lib.forms import BaseForm
from app.lib.time import all_timezones


def timezone_choices() -> list[SelectChoice]:
    """Every IANA zone, grouped by region in the select ("America", "Asia", ...)."""
    return [
        SelectChoice(name, name.replace("_", " "), optgroup=name.split("/")[0] if "/" in name else None)
        for name in all_timezones()
    ]


@functools.cache
def _zone_options() -> str:
    """The options of every zone, as WTForms renders them with none selected: the same for every person, so
    rendered once per worker (they are most of a profile or sign-up page's rendering time otherwise)."""

    class _Zones(Form):
        zone = SelectField(choices=timezone_choices)

    rendered = str(widgets.Select()(_Zones().zone))
    return rendered[rendered.index(">") + 1 : rendered.rindex("</select>")]


class _ZoneSelect(widgets.Select):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        if "required" not in kwargs and "required" in getattr(field, "flags", []):
            kwargs["required"] = True
        options = _zone_options()
        if field.data:
            value = escape(field.data)
            options = options.replace(f'<option value="{value}">', f'<option selected value="{value}">', 1)
        return Markup(f"<select {widgets.html_params(name=field.name, **kwargs)}>{options}</select>")


class TimezoneField(SelectField):
    """A select of IANA zone names. With `data-guess-timezone`, a small script preselects the browser's zone."""

    def __init__(self, label=None, **kwargs):
        if "choices" not in kwargs:
            kwargs.update(choices=timezone_choices, widget=_ZoneSelect())
        kwargs.setdefault("default", "UTC")
        super().__init__(label, **kwargs)


def password_validators():
    return [
        DataRequired(),
        Length(
            min=PASSWORD_MIN,
            message=lazy_ngettext(
                "Use at least %(n)s character.", "Use at least %(n)s characters.", PASSWORD_MIN, n=PASSWORD_MIN
            ),
        ),
        Length(
            max=PASSWORD_MAX,
            message=lazy_ngettext(
                "Use at most %(n)s character.", "Use at most %(n)s characters.", PASSWORD_MAX, n=PASSWORD_MAX
            ),
        ),
    ]


def optional_password_validators():
    """A sign-up's password: empty for an account without one (signed in by emailed link or code)."""
    return [Optional(), *password_validators()[1:]]


def optional_password_field() -> PasswordField:
    """The password of a sign-up, which may be left empty (the person then signs in by emailed link or code)."""
    return PasswordField(
        _l("Password (optional)"),
        validators=optional_password_validators(),
        description=lazy_ngettext(
            "At least %(n)s character; a few words you will remember work well. Or leave it empty and sign in "
            "with a link we email you each time.",
            "At least %(n)s characters; a few words you will remember work well. Or leave it empty and sign in "
            "with a link we email you each time.",
            PASSWORD_MIN,
            n=PASSWORD_MIN,
        ),
    )


class SignupForm(BaseForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = optional_password_field()
    timezone = TimezoneField(
        _l("Your time zone"),
        description=_l("Session times are shown in this zone."),
        render_kw={"data-guess-timezone": "true"},
    )
    next = HiddenField()
    submit = SubmitField(_l("Create account"))


def emailed_code_field() -> StringField:
    """The 6-digit code of an emailed link, typed in the browser that asked (signing in or signing up)."""
    return StringField(
        _l("Code from the email"),
        validators=[DataRequired(), Length(max=16)],
        description=_l("The 6 digits in the email we sent."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "off"},
    )


class SignupCodeForm(BaseForm):
    code = emailed_code_field()
    submit = SubmitField(_l("Finish creating my account"))


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class ResetRequestForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(BaseForm):
    password = PasswordField(_l("New password"), validators=password_validators())
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Set new password"))


class ProfileForm(BaseForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    timezone = TimezoneField(_l("Your time zone"), description=_l("Session times are shown in this zone."))
    locale = SelectField(_l("Language"), choices=languages.menu)
    submit = SubmitField(_l("Save profile"))


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    password = PasswordField(_l("New password"), validators=password_validators())
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class ChangeEmailForm(BaseForm):
    email = EmailField(_l("New email address"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        description=_l("We ask for it again so that nobody can take over your account from an open browser."),
    )
    submit = SubmitField(_l("Change email"))


class CodeForm(BaseForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("The 6-digit code from your authenticator app, or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "off"},
    )
    submit = SubmitField(_l("Continue"))


class DisableTwoFactorForm(BaseForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    code = StringField(_l("A code from your app"), validators=[DataRequired(), Length(max=32)])
    submit = SubmitField(_l("Turn off two-step sign-in"))


class StartTwoFactorForm(BaseForm):
    submit = SubmitField(_l("Set up two-step sign-in"))


class DeleteAccountForm(BaseForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    confirmation = StringField(_l("Type your email address to confirm"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Delete my account"))
