"""The trainer's breakout page: generate rooms, rename them, move people, and export the assignment."""

import csv
import io

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.audit.service import record
from app.breakouts import overview, service
from app.breakouts.forms import GenerateForm, MoveForm, RenameForm
from app.breakouts.models import RoomStrategy
from app.cohorts.service import visible_cohort
from app.extensions import db
from app.lib.errors import DomainError
from app.lib.forms import ActionForm, run_and_report, show_error
from app.registration.participants import require_trainer
from app.registration.views import csv_safe_rows

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


def _labels(page) -> dict:
    """Texts the page repeats per room, translated once: a translation lookup per room costs a page of 200 rooms
    more than the rest of its rendering. The patterns are filled in by the template (which escapes the result)."""
    return {
        "people": {
            n: ngettext("%(num)s person", "%(num)s people", n) for n in {len(room.members) for room in page.rooms}
        },
        "rename": _("Rename %(room)s"),
        "meeting_link": _("Meeting link for %(room)s"),
    }


def _move_form(page, people_labels: dict[int, str], form: MoveForm | None = None) -> MoveForm:
    """The page's one move form: everyone grouped by room (those in no room first), and every room with its size."""
    if form is None:
        form = MoveForm(formdata=None)
    people: dict[str, list[tuple[int, str]]] = {}
    if page.unplaced:
        people[_("Not in a room yet")] = [(line.membership_id, line.name) for line in page.unplaced]
    for room in page.rooms:
        # Extended, not assigned: a room may be named "Not in a room yet", and must not hide those people.
        people.setdefault(room.name, []).extend((line.membership_id, line.name) for line in room.members)
    form.person.choices = people
    form.room.choices = [(room.id, f"{room.name} ({people_labels[len(room.members)]})") for room in page.rooms]
    return form


def _rename_url(cohort, cohort_session) -> tuple[str, str]:
    """The rename form's address around its room id, built once for the page's 200 rooms (url_for per room cost the
    page more than the rooms' forms): the room's address is the first part, its id, then the second."""
    scope_id = cohort_session.id if cohort_session is not None else None
    before, middle, after = url_for(
        "breakouts.rename_room", cohort_id=cohort.id, room_id=0, session=scope_id
    ).partition("/rooms/0/")
    return before + "/rooms/", "/" + after


def _render(cohort, cohort_session, *, generate_form=None, rename_form=None, move_form=None, status=200):
    page = overview.breakout_page(db.session, current_user, cohort, cohort_session)
    if generate_form is None:
        generate_form = GenerateForm(formdata=None, scope=str(cohort_session.id) if cohort_session else "")
    generate_form.scope.choices = _scope_choices(cohort)
    labels = _labels(page)
    return render_template(
        "breakouts/page.html",
        page=page,
        cohort=cohort,
        cohort_session=cohort_session,
        sessions=list(enumerate(cohort.sessions, start=1)),
        generate_form=generate_form,
        rename_form=rename_form,  # (room id, the form as submitted, with its errors), or None
        move_form=_move_form(page, labels["people"], move_form),
        labels=labels,
        rename_url=_rename_url(cohort, cohort_session),
        max_room_name=service.MAX_ROOM_NAME,
        action_form=ActionForm(),
        strategy_names={
            RoomStrategy.KEEP_GROUPS: _("keep groups together"),
            RoomStrategy.MIX_ORGANIZATIONS: _("mix organizations"),
        },
    ), status


@bp.route("/cohorts/<int:cohort_id>/breakouts", methods=["GET", "POST"])
@login_required
def page(cohort_id: int):
    cohort = visible_cohort(db.session, current_user, cohort_id)
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
    cohort = visible_cohort(db.session, current_user, cohort_id)
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
    cohort = visible_cohort(db.session, current_user, cohort_id)
    require_trainer(current_user, cohort)
    cohort_session = _scope(cohort)
    form = MoveForm()
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
    cohort = visible_cohort(db.session, current_user, cohort_id)
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
    csv.writer(buffer).writerows(csv_safe_rows([[str(value) for value in row] for row in rows]))
    response = make_response(buffer.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filename(cohort, cohort_session, kind: str) -> str:
    if cohort_session is None:
        return f"cohort-{cohort.id}-{kind}.csv"
    return f"cohort-{cohort.id}-session-{cohort_session.id}-{kind}.csv"


@bp.get("/cohorts/<int:cohort_id>/breakouts.csv")
@login_required
def breakout_csv(cohort_id: int):
    cohort = visible_cohort(db.session, current_user, cohort_id)
    cohort_session = _scope(cohort)
    rows = overview.breakout_csv_rows(db.session, current_user, cohort, cohort_session)
    filename = _filename(cohort, cohort_session, "breakouts")  # before the commit, which expires the cohort
    record(db.session, current_user, "export.breakouts_csv", f"cohort {cohort.id}", rows=len(rows) - 1)
    db.session.commit()
    return _csv_response(rows, filename)


@bp.get("/cohorts/<int:cohort_id>/breakouts/roster.csv")
@login_required
def roster_csv(cohort_id: int):
    cohort = visible_cohort(db.session, current_user, cohort_id)
    cohort_session = _scope(cohort)
    rows = overview.roster_csv_rows(db.session, current_user, cohort, cohort_session)
    filename = _filename(cohort, cohort_session, "breakout-roster")  # before the commit, which expires the cohort
    record(db.session, current_user, "export.breakouts_csv", f"cohort {cohort.id}", rows=len(rows) - 1, kind="roster")
    db.session.commit()
    return _csv_response(rows, filename)
