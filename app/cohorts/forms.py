from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from app.accounts.forms import TimezoneField
from app.cohorts.models import CohortStatus
from app.lib.forms import BaseForm
from app.lib.languages import parse_language_list


class SessionRowForm(Form):
    """One session: its date and start time in the host zone, and the length of its two parts.

    `session_id` (hidden) names the existing session the row edits; a new row has none. A row without an id and
    with nothing filled in is the spare "add a session" row, and is ignored. `remove` deletes an existing session
    (the service allows it only for a session to come in which nothing was recorded)."""

    session_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(1, 2**31 - 1)])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    date = DateField(_l("Date"), validators=[Optional()])
    start = TimeField(_l("Start time"), validators=[Optional()])
    plenary_minutes = IntegerField(_l("Plenary (minutes)"), validators=[Optional(), NumberRange(0, 600)])
    breakout_minutes = IntegerField(_l("Breakout (minutes)"), validators=[Optional(), NumberRange(0, 600)])
    remove = BooleanField(_l("Remove this session"))

    REQUIRED = ("date", "start", "plenary_minutes", "breakout_minutes")

    @property
    def is_blank_new_row(self) -> bool:
        return self.session_id.data is None and not any(
            (self[name].raw_data or [""])[0].strip() for name in (*self.REQUIRED, "title")
        )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.remove.data or self.is_blank_new_row:
            return valid
        for name in self.REQUIRED:
            if self[name].data is None and not self[name].errors:
                self[name].errors = [*self[name].errors, _l("This field is required.")]
                valid = False
        return valid


class CohortForm(BaseForm):
    label = StringField(
        _l("Label"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("How people will know this run, e.g. “October 2026”."),
    )
    host_timezone = TimezoneField(_l("Host time zone"), description=_l("Dates and times below are in this zone."))
    sessions = FieldList(FormField(SessionRowForm), min_entries=1, max_entries=30)
    opens_date = DateField(_l("Registration opens (date)"), validators=[Optional()])
    opens_time = TimeField(_l("Registration opens (time)"), validators=[Optional()])
    deadline_date = DateField(_l("Registration deadline (date)"), validators=[InputRequired()])
    deadline_time = TimeField(_l("Registration deadline (time)"), validators=[InputRequired()])
    capacity = IntegerField(_l("Capacity (participants)"), validators=[InputRequired(), NumberRange(1, 100_000)])
    min_group_size = IntegerField(
        _l("Minimum group size"),
        validators=[Optional(), NumberRange(1, 1000)],
        description=_l("The course's minimum, or more."),
    )
    trainers = TextAreaField(
        _l("Trainers"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Their account emails, one per line: people who train this course."),
    )
    video_url = URLField(
        _l("Video-call link"),
        validators=[Optional(), URL(), Length(max=500)],
        description=_l("Shown only to confirmed participants."),
    )
    languages = StringField(
        _l("Working languages"),
        validators=[Optional(), Length(max=120)],
        description=_l("Language codes, separated by commas, e.g. “es, en” or “pt_BR, sw”."),
    )
    status = SelectField(
        _l("Status"), choices=lambda: [SelectChoice(status.value, status.label) for status in CohortStatus]
    )
    submit = SubmitField(_l("Save the cohort"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # An opening date without a time (or the reverse) would be silently ignored: ask for both.
        if bool(self.opens_date.data) != bool(self.opens_time.data):
            self.opens_time.errors = [
                *self.opens_time.errors,
                _l("Give both the date and the time registration opens, or neither."),
            ]
            valid = False
        _codes, invalid = parse_language_list(self.languages.data)
        if invalid:
            self.languages.errors = [
                *self.languages.errors,
                _l("Not a language code: %(codes)s. Use codes such as es, fr, pt_BR or sw.", codes=", ".join(invalid)),
            ]
            valid = False
        return valid
