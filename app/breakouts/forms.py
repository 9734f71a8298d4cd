"""The trainer's breakout forms. Shapes only: sizes, names and who may do what are checked by the service."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.breakouts.models import RoomStrategy
from app.breakouts.service import MAX_ROOM_NAME, MAX_SEED, MAX_TARGET_SIZE
from app.lib.forms import BaseForm


class GenerateForm(BaseForm):
    target_size = IntegerField(
        _l("People per room"),
        default=4,
        validators=[InputRequired(), NumberRange(2, MAX_TARGET_SIZE)],
        description=_l("Rooms come out as close to this as possible; sizes differ by at most one."),
    )
    strategy = RadioField(
        _l("How to form the rooms"),
        default=RoomStrategy.MIX_ORGANIZATIONS.value,
        choices=[
            SelectChoice(
                RoomStrategy.MIX_ORGANIZATIONS.value,
                _l("Mix organizations (balanced by time-zone region, keeping a shared language)"),
            ),
            SelectChoice(RoomStrategy.KEEP_GROUPS.value, _l("Keep groups together (large groups split evenly)")),
        ],
        validators=[InputRequired()],
    )
    seed = IntegerField(
        _l("Seed (optional)"),
        validators=[Optional(), NumberRange(0, MAX_SEED)],
        description=_l("The same seed with the same participants gives the same rooms. Leave empty for a new draw."),
    )
    scope = SelectField(_l("For"), choices=[], validate_choice=True)
    submit = SubmitField(_l("Generate rooms"))


class RenameForm(BaseForm):
    name = StringField(_l("Room name"), validators=[InputRequired(), Length(max=MAX_ROOM_NAME)])
    submit = SubmitField(_l("Rename"))


class MoveForm(BaseForm):
    """One per room (and one for the people in no room): whom to move, and where. A form per room rather than per
    person keeps the page light: a select of every room beside every person grows with people times rooms."""

    person = SelectField(_l("Move"), coerce=int, choices=[], validate_choice=True)
    room = SelectField(_l("to"), coerce=int, choices=[], validate_choice=True)
    submit = SubmitField(_l("Move"))
