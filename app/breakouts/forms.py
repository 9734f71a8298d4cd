"""The trainer's breakout forms. Shapes only: sizes, names and who may do what are checked by the service."""

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import IntegerField, RadioField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import Select, html_params

from app.breakouts.models import RoomStrategy
from app.breakouts.service import MAX_ROOM_NAME, MAX_SEED, MAX_TARGET_SIZE
from app.lib.forms import BaseForm
from app.lib.html_text import escape_text
from app.lib.urls import MAX_ID


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


class ListSelect(Select):
    """A select for long lists (everyone in a cohort, 2,000 people and more): renders `choices` as given, a list of
    (value, label) or a dict of such lists by group label, one plain format per option. WTForms' own select
    normalizes and renders each option through general machinery, which costs such a page tens of milliseconds."""

    def __call__(self, field: SelectField, **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        if field.flags.required:
            kwargs.setdefault("required", True)
        groups = field.choices.items() if isinstance(field.choices, dict) else [(None, field.choices)]
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for group, choices in groups:
            selected = field.data
            options = "".join(
                f'<option value="{escape_text(str(value))}"{" selected" if value == selected else ""}>'
                f"{escape_text(str(label))}</option>"
                for value, label in choices
            )
            if group is not None:
                options = f'<optgroup label="{escape_text(str(group))}">{options}</optgroup>'
            html.append(options)
        html.append("</select>")
        return Markup("".join(html))


def _listed_id(label) -> SelectField:
    """A select of ids drawn with ListSelect. Only the shape is checked (a whole number that can be an id, so it may
    reach a query); whether it names a current room or participant is the service's rule."""
    return SelectField(
        label,
        widget=ListSelect(),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(), NumberRange(0, MAX_ID, message=_l("Choose from the list."))],
    )


class MoveForm(BaseForm):
    """One form for the whole page: whom to move (everyone, grouped by room, those in no room first), and where.

    A form per room would repeat the list of rooms once per room, which grows with rooms squared. The service checks
    that the person and the room belong to the cohort's current rooms, so the choices are not checked here: they are
    only shown."""

    person = _listed_id(_l("Person"))
    room = _listed_id(_l("Move to"))
    submit = SubmitField(_l("Move"))
