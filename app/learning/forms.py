from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.learning.commitments import COMMITMENT_MAX_LENGTH, REFLECTION_MAX_LENGTH
from app.learning.models import CommitmentStatus
from app.learning.readings import COMMENT_MAX_LENGTH
from app.lib.forms import BaseForm


class MarkReadForm(BaseForm):
    comment = TextAreaField(
        _l("A note for yourself (optional)"),
        validators=[Optional(), Length(max=COMMENT_MAX_LENGTH)],
        description=_l("Only you see it: what struck you, what you doubt, what to raise in your room."),
        render_kw={"rows": 3, "maxlength": COMMENT_MAX_LENGTH},
    )
    submit = SubmitField(_l("Mark as read"))


class MarkUnreadForm(BaseForm):
    submit = SubmitField(_l("Mark as unread"))


class CommitmentForm(BaseForm):
    text = TextAreaField(
        _l("What will I do before the next session?"),
        validators=[DataRequired(message=_l("Write what you will do.")), Length(max=COMMITMENT_MAX_LENGTH)],
        description=_l("Only you see what you write; your coordinator sees how many commitments the group made."),
        render_kw={"rows": 3, "maxlength": COMMITMENT_MAX_LENGTH},
    )
    submit = SubmitField(_l("Save my commitment"))


class CheckInForm(BaseForm):
    status = RadioField(
        _l("How did it go?"),
        choices=[
            SelectChoice(CommitmentStatus.DONE.value, _l("Done")),
            SelectChoice(CommitmentStatus.IN_PROGRESS.value, _l("In progress")),
            SelectChoice(CommitmentStatus.DROPPED.value, _l("Dropped")),
        ],
        validators=[InputRequired(message=_l("Choose done, in progress or dropped."))],
    )
    reflection = StringField(
        _l("One line of reflection (optional)"),
        validators=[Optional(), Length(max=REFLECTION_MAX_LENGTH)],
        render_kw={"maxlength": REFLECTION_MAX_LENGTH},
    )
    submit = SubmitField(_l("Check in"))
