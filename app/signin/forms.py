from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from app.lib.forms import BaseForm


class AskLinkForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    next = HiddenField()
    submit = SubmitField(_l("Email me a sign-in link"))


class EmailedCodeForm(BaseForm):
    code = StringField(
        _l("Code from the email"),
        validators=[DataRequired(), Length(max=16)],
        description=_l("The 6 digits in the email we sent."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "off"},
    )
    submit = SubmitField(_l("Sign in"))
