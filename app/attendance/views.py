"""Attendance pages: the trainers' checklist and report import, coordinators' roster-only members, completion
and certificates."""

import csv
import io

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.attendance import certificates, completion, imports, records, service
from app.attendance.forms import ChecklistForm, CompleteForm, ImportForm, RosterOnlyForm
from app.audit.service import record
from app.cohorts.service import visible_cohort
from app.extensions import action_limit, db, limiter
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.forms import NOT_SAVED, apply_form, show_error
from app.registration.participants import load_group, require_trainer
from app.registration.views import csv_safe

bp = Blueprint("attendance", __name__, template_folder="templates")


def _session_arg() -> int | None:
    return request.args.get("session", type=int)


def _render_trainer_page(cohort, *, checklist_form=None, import_form=None, import_report=None, status=200):
    page = service.attendance_page(db.session, current_user, cohort, _session_arg())
    if checklist_form is None:
        checklist_form = ChecklistForm(formdata=None, present=page.present_ids)
    ticked = set(checklist_form.present.data or [])
    return render_template(
        "attendance/trainer.html",
        page=page,
        checklist_form=checklist_form,
        checklist_tables=service.checklist_tables(page, checklist_form.present.name, ticked),
        import_form=import_form or ImportForm(formdata=None),
        import_report=import_report,
        complete_form=CompleteForm(formdata=None),
    ), status


@bp.route("/cohorts/<int:cohort_id>/attendance", methods=["GET", "POST"])
@limiter.limit(action_limit, methods=["POST"])
@login_required
def trainer_page(cohort_id: int):
    """GET: the checklist for a session. POST: the checklist (a plain form) or a report import (multipart)."""
    cohort = visible_cohort(db.session, current_user, cohort_id)
    require_trainer(current_user, cohort)
    if request.method == "GET":
        return _render_trainer_page(cohort)
    cohort_session = records.choose_session(cohort, _session_arg())
    if request.mimetype == "multipart/form-data":
        return _import(cohort, cohort_session)
    form = ChecklistForm()
    # Only the ids are checked here (the labels are the page's own), so read ids rather than participants.
    form.present.choices = [SelectChoice(mid, str(mid)) for mid in records.participant_ids(db.session, cohort)]
    if form.validate_on_submit() and (
        apply_form(
            form,
            lambda: service.record_checklist(db.session, current_user, cohort, cohort_session, form.present.data),
            lambda changed: ngettext(
                "Attendance is saved (%(n)s change).", "Attendance is saved (%(n)s changes).", changed, n=changed
            ),
        )
        is not NOT_SAVED
    ):
        return redirect(url_for("attendance.trainer_page", cohort_id=cohort.id, session=cohort_session.id))
    return _render_trainer_page(cohort, checklist_form=form, status=422)


def _import(cohort, cohort_session):
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.stream.read(imports.MAX_IMPORT_BYTES + 1)
        try:
            report = imports.import_attendance(
                db.session, current_user, cohort, cohort_session, data, mark_missing_absent=bool(form.mark_absent.data)
            )
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            return _render_trainer_page(cohort, import_form=form, status=error.status_code)
        db.session.commit()
        flash(
            ngettext(
                "The report is imported: %(n)s participant marked present.",
                "The report is imported: %(n)s participants marked present.",
                len(report.matched),
                n=len(report.matched),
            ),
            "success",
        )
        # The report (unmatched rows, who was missing) is shown at once rather than after a redirect: it does not
        # fit in a cookie, and reloading this page only asks the browser to send the same file again.
        return _render_trainer_page(cohort, import_form=ImportForm(formdata=None), import_report=report)
    return _render_trainer_page(cohort, import_form=form, status=422)


@bp.get("/cohorts/<int:cohort_id>/attendance.csv")
@login_required
def attendance_csv(cohort_id: int):
    """Every participant's attendance at every session, for the cohort's trainers and admins."""
    cohort = visible_cohort(db.session, current_user, cohort_id)
    rows = completion.attendance_rows(db.session, current_user, cohort)
    record(db.session, current_user, "export.attendance_csv", f"cohort {cohort.id}", rows=len(rows) - 1)
    db.session.commit()
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[csv_safe(value) for value in row] for row in rows])
    response = make_response(buffer.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="cohort-{cohort.id}-attendance.csv"'
    return response


@bp.post("/cohorts/<int:cohort_id>/complete")
@limiter.limit(action_limit)
@login_required
def complete(cohort_id: int):
    cohort = visible_cohort(db.session, current_user, cohort_id)
    require_trainer(current_user, cohort)
    back = url_for("attendance.trainer_page", cohort_id=cohort.id, _anchor="completion")
    if not CompleteForm().validate_on_submit():
        return redirect(back)
    try:
        report = completion.complete_cohort(db.session, current_user, cohort)
    except (Forbidden, NotFound):
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    db.session.commit()
    flash(
        _(
            "The cohort is marked completed. New completions: %(new)s. Already held the course: %(already)s. "
            "Did not meet the rule: %(missing)s.",
            new=len(report.completed),
            already=len(report.already),
            missing=len(report.not_qualified),
        ),
        "success",
    )
    return redirect(back)


@bp.route("/cohorts/<int:cohort_id>/groups/<int:group_id>/attendance", methods=["GET", "POST"])
@limiter.limit(action_limit, methods=["POST"])
@login_required
def group_page(cohort_id: int, group_id: int):
    cohort = visible_cohort(db.session, current_user, cohort_id)
    group = load_group(db.session, group_id)
    page = service.group_attendance_page(db.session, current_user, cohort, group, _session_arg())
    form = RosterOnlyForm(
        formdata=None if request.method == "GET" else request.form,
        present=[r.person.membership_id for r in page.roster_only if r.present],
    )
    form.present.choices = [SelectChoice(r.person.membership_id, r.person.name) for r in page.roster_only]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and (
            apply_form(
                form,
                lambda: service.record_roster_only(
                    db.session, current_user, cohort, group, page.cohort_session, form.present.data
                ),
                _("Attendance is saved."),
            )
            is not NOT_SAVED
        ):
            return redirect(
                url_for("attendance.group_page", cohort_id=cohort.id, group_id=group.id, session=page.cohort_session.id)
            )
        status = 422
    return render_template("attendance/group.html", page=page, form=form, ticked=set(form.present.data or [])), status


@bp.get("/cohorts/<int:cohort_id>/certificate")
@login_required
def certificate(cohort_id: int):
    """The signed-in person's own certificate: there is no user id in the URL, so nobody can open another's."""
    return render_template(
        "attendance/certificate.html", certificate=certificates.certificate(db.session, current_user, cohort_id)
    )
