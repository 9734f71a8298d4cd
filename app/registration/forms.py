from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.lib.forms import BaseForm
from app.registration.service import ATTESTATION_MAX, DECLINE_REASON_MAX, PRE_MEETING_NOTES_MAX


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RegistrationForm(BaseForm):
    members = MultiCheckboxField(
        _l("Who will take part"),
        coerce=int,
        description=_l("Everyone on this list counts toward the group size and takes a seat."),
    )
    attestation = TextAreaField(
        _l("Your group's experience"),
        validators=[Optional(), Length(max=ATTESTATION_MAX)],
        description=_l(
            "Only needed if fewer than the required share of your members took "
            "the prerequisite course here. Markdown works."
        ),
    )
    submit = SubmitField(_l("Register the group"))


class RosterForm(BaseForm):
    members = MultiCheckboxField(_l("Who will take part"), coerce=int)
    submit = SubmitField(_l("Save the roster"))


class AttestationForm(BaseForm):
    attestation = TextAreaField(_l("Your group's experience"), validators=[Length(max=ATTESTATION_MAX)])
    submit = SubmitField(_l("Send for review"))


class ReviewForm(BaseForm):
    reason = StringField(_l("Reason (required to decline)"), validators=[Optional(), Length(max=DECLINE_REASON_MAX)])
    approve = SubmitField(_l("Approve"))
    decline = SubmitField(_l("Decline"))


class PreMeetingForm(BaseForm):
    held_on = DateField(_l("Date of the meeting"), validators=[InputRequired()])
    attendance = IntegerField(_l("How many took part"), validators=[InputRequired(), NumberRange(1, 10_000)])
    notes = TextAreaField(_l("Notes (optional)"), validators=[Optional(), Length(max=PRE_MEETING_NOTES_MAX)])
    submit = SubmitField(_l("Log the pre-meeting"))
