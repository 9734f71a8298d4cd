"""Shared breakout notes (edit, preview, history, roles, sharing) and the trainers' report-back board."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.forms import run_and_report, show_error
from app.notes import report_back, service
from app.notes import roles as note_roles
from app.notes.forms import NoteForm, PreviewForm, RestoreForm, RolesForm, ShareForm

bp = Blueprint("notes", __name__, template_folder="templates")

NOTES = "/cohorts/<int:cohort_id>/sessions/<int:session_id>/rooms/<int:room_id>/notes"


def _open(cohort_id: int, session_id: int, room_id: int) -> service.NotePage:
    page = service.open_note(db.session, current_user, cohort_id, session_id, room_id)
    if page.created:
        db.session.commit()  # the note row is created the first time a member opens it, whatever happens next
    return page


def _open_for_writing(cohort_id: int, session_id: int, room_id: int) -> service.NotePage:
    page = _open(cohort_id, session_id, room_id)
    if not page.can_write:
        raise Forbidden(_("Only the room's members can change its notes."))
    return page


def _page_url(page: service.NotePage, endpoint: str = "notes.note_page", **extra) -> str:
    return url_for(endpoint, cohort_id=page.cohort.id, session_id=page.cohort_session.id, room_id=page.room.id, **extra)


def _roles_form(page: service.NotePage, roles: note_roles.Roles) -> RolesForm:
    form = RolesForm(
        formdata=None,
        facilitator=roles.facilitator.id if roles.facilitator else None,
        note_taker=roles.note_taker.id if roles.note_taker else None,
    )
    _set_member_choices(form, page)
    return form


def _set_member_choices(form: RolesForm, page: service.NotePage) -> None:
    choices = [SelectChoice(m.id, m.name) for m in page.members]
    form.facilitator.choices = choices
    form.note_taker.choices = choices


def _render_note_page(page: service.NotePage, *, form=None, conflict=None, preview_html=None, status=200):
    note = page.note
    if form is None and page.can_write:
        started = note.version > 0
        form = NoteForm(
            formdata=None,
            body=note.body if started else service.note_template(page.cohort_session),
            base_version=note.version,
        )
    roles = note_roles.room_roles(db.session, page)
    return render_template(
        "notes/note.html",
        page=page,
        note=note,
        html=service.render_note(note.body) if note is not None and note.version > 0 else None,
        roles=roles,
        form=form,
        roles_form=_roles_form(page, roles) if page.can_write else None,
        conflict=conflict,
        preview_html=preview_html,
        max_chars=service.MAX_BODY_CHARS,
        format_number=format_number,
    ), status


@bp.get(NOTES)
@login_required
def note_page(cohort_id: int, session_id: int, room_id: int):
    return _render_note_page(_open(cohort_id, session_id, room_id))


@bp.post(NOTES)
@login_required
def save_note(cohort_id: int, session_id: int, room_id: int):
    page = _open_for_writing(cohort_id, session_id, room_id)
    form = NoteForm()
    if not form.validate_on_submit():
        text_refused = bool(form.errors.get("body"))  # e.g. a NUL character: the person can fix it
        if not text_refused:
            form.form_errors.append(_("The form was incomplete. Your text is below: save it again."))
        db.session.rollback()
        return _render_note_page(page, form=form, status=422 if text_refused else 400)
    if form.preview.data:
        try:
            preview_html = service.preview(form.body.data)
        except DomainError as error:
            show_error(form, error)
            return _render_note_page(page, form=form, status=422)
        return _render_note_page(page, form=form, preview_html=preview_html)
    try:
        revision = service.save_note(db.session, current_user, page.note, form.body.data, form.base_version.data)
    except service.NoteConflict as conflict:
        db.session.rollback()
        # The author's text stays in the box; the next save is based on the version they have now seen.
        form.base_version.data = conflict.current_version
        form.base_version.raw_data = [str(conflict.current_version)]
        form.form_errors.append(conflict.message)
        return _render_note_page(page, form=form, conflict=conflict, status=409)
    except (Forbidden, NotFound):
        raise
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return _render_note_page(page, form=form, status=422)
    # Read before the commit, which expires every loaded object: after it, each would be loaded again.
    back, number = _page_url(page), revision.number if revision is not None else None
    db.session.commit()
    if number is None:
        flash(_("Nothing changed since the last save."), "success")
    else:
        flash(_("Saved as revision %(number)s.", number=number), "success")
    return redirect(back)


@bp.post(NOTES + "/preview")
@login_required
def preview(cohort_id: int, session_id: int, room_id: int):
    """The live preview: the text rendered and sanitized by the server, as JSON. Nothing is saved."""
    _open_for_writing(cohort_id, session_id, room_id)
    form = PreviewForm()
    if not form.validate_on_submit():
        if form.errors.get("body"):
            message = " ".join(str(error) for error in form.errors["body"])
            return jsonify(error=_("Cannot do that"), message=message, status=422), 422
        return jsonify(error=_("Cannot do that"), message=_("The preview request was incomplete."), status=400), 400
    try:
        html = service.preview(form.body.data)
    except DomainError as error:
        return jsonify(error=_("Cannot do that"), message=error.message, status=422), 422
    return jsonify(html=str(html))


@bp.get(NOTES + "/history")
@login_required
def history(cohort_id: int, session_id: int, room_id: int):
    page = _open(cohort_id, session_id, room_id)
    note = service.require_history(page)
    return render_template(
        "notes/history.html",
        page=page,
        note=note,
        revisions=service.note_history(db.session, note),
        format_number=format_number,
    )


@bp.get(NOTES + "/revisions/<int:number>")
@login_required
def revision(cohort_id: int, session_id: int, room_id: int, number: int):
    page = _open(cohort_id, session_id, room_id)
    note = service.require_history(page)
    found = service.get_revision(db.session, note, number)
    return render_template(
        "notes/revision.html",
        page=page,
        note=note,
        revision=found,
        html=service.render_note(found.body),
        restore_form=RestoreForm(formdata=None, base_version=note.version),
    )


@bp.post(NOTES + "/revisions/<int:number>/restore")
@login_required
def restore(cohort_id: int, session_id: int, room_id: int, number: int):
    page = _open_for_writing(cohort_id, session_id, room_id)
    note = service.require_history(page)
    form = RestoreForm()
    if not form.validate_on_submit():
        flash(_("The form was incomplete. Please try again."), "error")
        return redirect(_page_url(page, "notes.revision", number=number))
    try:
        restored = service.restore_revision(db.session, current_user, note, number, form.base_version.data)
    except service.NoteConflict:
        db.session.rollback()
        flash(
            _("Someone saved the notes since you opened this revision. Look at the latest notes, then restore again."),
            "error",
        )
        return redirect(_page_url(page, "notes.revision", number=number))
    except (Forbidden, NotFound):
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_page_url(page, "notes.revision", number=number))
    db.session.commit()
    flash(_("Revision %(old)s is back, saved as revision %(new)s.", old=number, new=restored.number), "success")
    return redirect(_page_url(page))


@bp.post(NOTES + "/share")
@login_required
def share(cohort_id: int, session_id: int, room_id: int):
    page = _open_for_writing(cohort_id, session_id, room_id)
    form = ShareForm()
    if form.validate_on_submit() and form.shared.data in ("0", "1"):
        shared = form.shared.data == "1"
        run_and_report(
            lambda: service.set_shared(db.session, current_user, page.note, shared),
            _("The notes are shared with the plenary.") if shared else _("The notes are no longer shared."),
        )
    return redirect(_page_url(page))


@bp.post(NOTES + "/roles")
@login_required
def change_roles(cohort_id: int, session_id: int, room_id: int):
    page = _open_for_writing(cohort_id, session_id, room_id)
    form = RolesForm()
    _set_member_choices(form, page)
    if not form.validate_on_submit():
        flash(_("Choose the facilitator and the note-taker among the room's members."), "error")
        return redirect(_page_url(page))
    run_and_report(
        lambda: note_roles.change_roles(db.session, current_user, page, form.facilitator.data, form.note_taker.data),
        _("The roles are changed for this session."),
    )
    return redirect(_page_url(page))


@bp.get("/cohorts/<int:cohort_id>/sessions/<int:session_id>/board")
@login_required
def board(cohort_id: int, session_id: int):
    cohort, cohort_session, columns = report_back.board(db.session, current_user, cohort_id, session_id)
    return render_template(
        "notes/board.html",
        cohort=cohort,
        cohort_session=cohort_session,
        columns=columns,
        open_notes=_("Open the notes of %(room)s"),  # translated once, filled in (and escaped) per room
    )


@bp.get("/cohorts/<int:cohort_id>/sessions/<int:session_id>/board.json")
@login_required
def board_json(cohort_id: int, session_id: int):
    """The board's columns for its refresh script; answers 304 while nothing changed (ETag)."""
    _cohort, _session, columns = report_back.board(db.session, current_user, cohort_id, session_id)
    etag = report_back.board_fingerprint(columns)
    if request.if_none_match.contains(etag):
        response = jsonify()
        response.status_code = 304
        response.set_etag(etag)
        return response
    response = jsonify(
        rooms=[
            {"id": c.room.id, "name": c.room.name, "shared": c.shared, "version": c.version, "html": str(c.html)}
            for c in columns
        ]
    )
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache, private"
    return response
