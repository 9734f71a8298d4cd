from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectMultipleField, SubmitField

from app.lib.forms import BaseForm


class ChecklistForm(BaseForm):
    """Who was present at one session: the ticked participants (group memberships); the rest are absent."""

    present = SelectMultipleField(_l("Present"), coerce=int, validate_choice=True)
    save_checklist = SubmitField(_l("Save attendance"))


class ImportForm(BaseForm):
    file = FileField(
        _l("Attendance report (CSV)"),
        validators=[FileRequired(_l("Choose the attendance report file exported from your video tool."))],
        description=_l(
            "Export the participants report of the meeting from your video tool (for example Zoom's "
            "“Participants” report) as CSV. People are matched by the email of their Plenary account."
        ),
    )
    mark_absent = BooleanField(
        _l("Also mark participants with an account who are not in the report as absent"),
        description=_l("People without an account are never changed by an import."),
    )
    import_report = SubmitField(_l("Import the report"))


class RosterOnlyForm(BaseForm):
    """A coordinator's ticks for their group's members without an account."""

    present = SelectMultipleField(_l("Present"), coerce=int, validate_choice=True)
    save = SubmitField(_l("Save attendance"))


class CompleteForm(BaseForm):
    complete = SubmitField(_l("Mark the cohort completed"))
