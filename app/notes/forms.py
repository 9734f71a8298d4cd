from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange
from wtforms.widgets import HiddenInput

from app.lib.columns import MAX_INTEGER
from app.lib.forms import BaseForm
from app.notes.service import MAX_BODY_CHARS

MAX_VERSION = MAX_INTEGER  # the version column is an integer: a larger number would overflow the save's query
# A bound on what is read at all; the service bounds the stored text (line breaks arrive as CR LF, stored as LF).
MAX_BODY_POSTED = 2 * MAX_BODY_CHARS


class VersionField(IntegerField):
    """The version a change was based on, carried in the form so a stale save can be told from a fresh one."""

    widget = HiddenInput()


class NoteForm(BaseForm):
    # Length and content are checked by the service (a clear message, the text kept), not here.
    body = TextAreaField(
        _l("The room's notes"),
        description=_l("Markdown works: # heading, - list item, **bold**, [link](https://…). Images are not shown."),
        validators=[Length(max=MAX_BODY_POSTED)],
        render_kw={"rows": 22, "spellcheck": "true"},
    )
    base_version = VersionField(validators=[InputRequired(), NumberRange(min=0, max=MAX_VERSION)])
    save = SubmitField(_l("Save the notes"))
    preview = SubmitField(_l("Preview"))


class PreviewForm(BaseForm):
    body = TextAreaField(validators=[Length(max=MAX_BODY_POSTED)])


class RestoreForm(BaseForm):
    base_version = VersionField(validators=[InputRequired(), NumberRange(min=0, max=MAX_VERSION)])
    submit = SubmitField(_l("Restore this revision"))


class ShareForm(BaseForm):
    shared = HiddenField()  # "1" to share, "0" to stop sharing: the button says which


class RolesForm(BaseForm):
    facilitator = SelectField(_l("Facilitator"), coerce=int)
    note_taker = SelectField(_l("Note-taker"), coerce=int)
