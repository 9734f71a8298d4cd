from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from app.accounts.forms import emailed_code_field
from app.lib.forms import BaseForm


class AskLinkForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    next = HiddenField()
    submit = SubmitField(_l("Email me a sign-in link"))


class EmailedCodeForm(BaseForm):
    code = emailed_code_field()
    submit = SubmitField(_l("Sign in"))
