"""The trainer's breakout page: generate rooms, rename them, move people, and export the assignment."""

import csv
import io

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.audit.service import record
from app.breakouts import service
from app.breakouts.forms import GenerateForm, MoveForm, RenameForm
from app.breakouts.models import RoomStrategy
from app.cohorts.service import get_cohort
from app.extensions import db
from app.learning.participants import require_trainer
from app.lib.errors import DomainError
from app.lib.forms import ActionForm, run_and_report, show_error

bp = Blueprint("breakouts", __name__, template_folder="templates")


def _scope(cohort):
    """The session named by ?session=<id> (its rooms, or the standing ones it uses), or None for the standing rooms."""
    return service.get_cohort_session(db.session, cohort, request.args.get("session", type=int))


def _page_url(cohort, cohort_session, anchor: str | None = None) -> str:
    session_id = cohort_session.id if cohort_session is not None else None
    return url_for("breakouts.page", cohort_id=cohort.id, session=session_id, _anchor=anchor)


def _scope_choices(cohort) -> list[SelectChoice]:
    choices = [SelectChoice("", _("Every session (the standing rooms)"))]
    for number, cohort_session in enumerate(cohort.sessions, start=1):
        choices.append(
            SelectChoice(
                str(cohort_session.id), _("Session %(n)s only: %(title)s", n=number, title=cohort_session.title)
            )
        )
    return choices


def _room_choices(page) -> list[SelectChoice]:
    return [SelectChoice(view.room.id, view.room.name) for view in page.rooms]


def _member_choices(view) -> list[SelectChoice]:
    return [SelectChoice(p.member.membership_id, p.membership.name) for p in view.members]


def _unplaced_choices(page) -> list[SelectChoice]:
    return [SelectChoice(p.membership.id, p.name) for p in page.unplaced]


def _move_choices(page) -> list[SelectChoice]:
    """Everyone the page lists: the people in each room, then those in no room."""
    return [choice for view in page.rooms for choice in _member_choices(view)] + _unplaced_choices(page)


def _move_form_key(page, membership_id) -> int | str:
    """Which of the page's move forms a person belongs to: their room's id, or "unplaced"."""
    for view in page.rooms:
        if any(p.member.membership_id == membership_id for p in view.members):
            return view.room.id
    return "unplaced"


def _render(cohort, cohort_session, *, generate_form=None, rename_form=None, move_form=None, status=200):
    page = service.breakout_page(db.session, current_user, cohort, cohort_session)
    if generate_form is None:
        generate_form = GenerateForm(formdata=None, scope=str(cohort_session.id) if cohort_session else "")
    generate_form.scope.choices = _scope_choices(cohort)
    room_choices = _room_choices(page)
    rename_forms, move_forms = {}, {}
    for view in page.rooms:
        rename_forms[view.room.id] = RenameForm(formdata=None, prefix=f"room{view.room.id}", name=view.room.name)
        move_forms[view.room.id] = MoveForm(formdata=None)
        move_forms[view.room.id].person.choices = _member_choices(view)
        move_forms[view.room.id].room.choices = [c for c in room_choices if c.value != view.room.id]
    move_forms["unplaced"] = MoveForm(formdata=None)
    move_forms["unplaced"].person.choices = _unplaced_choices(page)
    move_forms["unplaced"].room.choices = room_choices
    if rename_form is not None:  # (room id, the form as submitted, with its errors)
        rename_forms[rename_form[0]] = rename_form[1]
    if move_form is not None:  # the form as submitted: shown on the form of the person's room
        key = _move_form_key(page, move_form.person.data)
        move_form.person.choices = move_forms[key].person.choices
        move_form.room.choices = move_forms[key].room.choices
        move_forms[key] = move_form
    return render_template(
        "breakouts/page.html",
        page=page,
        cohort=cohort,
        cohort_session=cohort_session,
        sessions=list(enumerate(cohort.sessions, start=1)),
        generate_form=generate_form,
        rename_forms=rename_forms,
        move_forms=move_forms,
        action_form=ActionForm(),
        strategy_names={
            RoomStrategy.KEEP_GROUPS: _("keep groups together"),
            RoomStrategy.MIX_ORGANIZATIONS: _("mix organizations"),
        },
    ), status


@bp.route("/cohorts/<int:cohort_id>/breakouts", methods=["GET", "POST"])
@login_required
def page(cohort_id: int):
    cohort = get_cohort(db.session, cohort_id)
    require_trainer(current_user, cohort)
    cohort_session = _scope(cohort)
    if request.method == "GET":
        return _render(cohort, cohort_session)
    form = GenerateForm()
    form.scope.choices = _scope_choices(cohort)
    if form.validate_on_submit():
        target = service.get_cohort_session(db.session, cohort, int(form.scope.data) if form.scope.data else None)
        try:
            plan = service.generate_rooms(
                db.session,
                current_user,
                cohort,
                strategy=form.strategy.data,
                target_size=form.target_size.data,
                seed=form.seed.data,
                cohort_session=target,
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            rooms, seed = len(plan.rooms), plan.seed
            db.session.commit()
            flash(
                ngettext(
                    "%(num)s room is ready (seed %(seed)s).",
                    "%(num)s rooms are ready (seed %(seed)s).",
                    rooms,
                    seed=seed,
                ),
                "success",
            )
            return redirect(_page_url(cohort, target))
    return _render(cohort, cohort_session, generate_form=form, status=422)


@bp.post("/cohorts/<int:cohort_id>/breakouts/rooms/<int:room_id>/rename")
@login_required
def rename_room(cohort_id: int, room_id: int):
    cohort = get_cohort(db.session, cohort_id)
    cohort_session = _scope(cohort)
    room = service.get_room(db.session, current_user, cohort, room_id)
    form = RenameForm(prefix=f"room{room.id}")
    if form.validate_on_submit():
        try:
            service.rename_room(db.session, current_user, room, form.name.data)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The room is renamed."), "success")
            return redirect(_page_url(cohort, cohort_session, f"room-{room_id}"))
    return _render(cohort, cohort_session, rename_form=(room.id, form), status=422)


@bp.post("/cohorts/<int:cohort_id>/breakouts/move")
@login_required
def move_member(cohort_id: int):
    cohort = get_cohort(db.session, cohort_id)
    require_trainer(current_user, cohort)
    cohort_session = _scope(cohort)
    page = service.breakout_page(db.session, current_user, cohort, cohort_session)
    form = MoveForm()
    form.person.choices = _move_choices(page)
    form.room.choices = _room_choices(page)
    if form.validate_on_submit():
        try:
            room = service.get_room(db.session, current_user, cohort, form.room.data)
            member = service.move_member(db.session, current_user, form.person.data, room)
            message = _("%(name)s is now in %(room)s.", name=member.membership.name, room=room.name)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(_page_url(cohort, cohort_session, f"room-{room.id}"))
    return _render(cohort, cohort_session, move_form=form, status=422)


@bp.post("/cohorts/<int:cohort_id>/breakouts/sessions/<int:cohort_session_id>/drop")
@login_required
def drop_override(cohort_id: int, cohort_session_id: int):
    cohort = get_cohort(db.session, cohort_id)
    require_trainer(current_user, cohort)
    cohort_session = service.get_cohort_session(db.session, cohort, cohort_session_id)
    if ActionForm().validate_on_submit():
        run_and_report(
            lambda: service.drop_override(db.session, current_user, cohort, cohort_session),
            _("This session uses the standing rooms again."),
        )
    return redirect(_page_url(cohort, cohort_session))


def _csv_response(rows: list[list[str]], filename: str):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[_csv_safe(str(value)) for value in row] for row in rows])
    response = make_response(buffer.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_safe(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: quote them so a name can never execute."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _filename(cohort, cohort_session, kind: str) -> str:
    if cohort_session is None:
        return f"cohort-{cohort.id}-{kind}.csv"
    return f"cohort-{cohort.id}-session-{cohort_session.id}-{kind}.csv"


@bp.get("/cohorts/<int:cohort_id>/breakouts.csv")
@login_required
def breakout_csv(cohort_id: int):
    cohort = get_cohort(db.session, cohort_id)
    cohort_session = _scope(cohort)
    rows = service.breakout_csv_rows(db.session, current_user, cohort, cohort_session)
    record(db.session, current_user, "export.breakouts_csv", f"cohort {cohort.id}", rows=len(rows) - 1)
    db.session.commit()
    return _csv_response(rows, _filename(cohort, cohort_session, "breakouts"))


@bp.get("/cohorts/<int:cohort_id>/breakouts/roster.csv")
@login_required
def roster_csv(cohort_id: int):
    cohort = get_cohort(db.session, cohort_id)
    cohort_session = _scope(cohort)
    rows = service.roster_csv_rows(db.session, current_user, cohort, cohort_session)
    record(db.session, current_user, "export.breakouts_csv", f"cohort {cohort.id}", rows=len(rows) - 1, kind="roster")
    db.session.commit()
    return _csv_response(rows, _filename(cohort, cohort_session, "breakout-roster"))
