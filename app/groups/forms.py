from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.accounts.forms import TimezoneField, optional_password_field
from app.groups.invitations import MAX_INVITE_PASTE
from app.lib.forms import BaseForm


class GroupForm(BaseForm):
    name = StringField(
        _l("Group name"),
        validators=[DataRequired(), Length(max=160)],
        description=_l("For example “Port workers' study circle”."),
    )
    organization = StringField(_l("Organization"), validators=[DataRequired(), Length(max=200)])
    country = StringField(
        _l("Country code"),
        validators=[Optional(), Length(min=2, max=2)],
        description=_l("Two letters, such as KE, BR or PH."),
    )
    languages = StringField(
        _l("Languages the group works in"),
        validators=[Optional(), Length(max=120)],
        description=_l("For example “es, en”. Used to balance breakout rooms."),
    )
    submit = SubmitField(_l("Create group"))


# A documentation address (RFC 2606), shown as it would be pasted from an address book: never a word to translate.
EXAMPLE_INVITEE = "Ana Lima <ana.lima@example.org>"


class InviteForm(BaseForm):
    emails = TextAreaField(
        _l("Email addresses"),
        validators=[DataRequired(), Length(max=MAX_INVITE_PASTE)],
        description=_l(
            "One per line. A name before the address works too, as in “%(example)s”.", example=EXAMPLE_INVITEE
        ),
    )
    submit = SubmitField(_l("Send invitations"))


class RosterMemberForm(BaseForm):
    display_name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("For members without email who take part around a shared screen."),
    )
    submit = SubmitField(_l("Add to roster"))


class JoinSignupForm(BaseForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = optional_password_field()
    timezone = TimezoneField(_l("Your time zone"), render_kw={"data-guess-timezone": "true"})
    submit = SubmitField(_l("Create account and join"))
