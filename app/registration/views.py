import csv
import io

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.cohorts import scheduling, times
from app.cohorts import service as cohorts
from app.cohorts.service import apply_registration_deadline, is_cohort_trainer, visible_cohort
from app.extensions import action_limit, db, limiter
from app.groups.service import get_group
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.forms import ActionForm, run_and_report, show_error
from app.lib.time import to_local
from app.lib.urls import is_possible_id
from app.registration import board as trainer_board
from app.registration import pre_meetings, prerequisites, seats, service
from app.registration.forms import AttestationForm, PreMeetingForm, RegistrationForm, ReviewForm, RosterForm
from app.registration.models import RegistrationStatus
from app.registration.participants import participant_zones

bp = Blueprint("registration", __name__, template_folder="templates")


def _member_choices(group) -> list[SelectChoice]:
    return [SelectChoice(m.id, m.name) for m in group.active_members]


@bp.route("/registrations/new/<int:cohort_id>", methods=["GET", "POST"])
@limiter.limit(action_limit, methods=["POST"])
@login_required
def new_registration(cohort_id: int):
    cohort = visible_cohort(db.session, current_user, cohort_id)
    apply_registration_deadline(db.session, cohort)
    db.session.commit()
    groups = service.coordinated_groups(db.session, current_user)
    group_id = request.args.get("group", type=int) or (groups[0].id if len(groups) == 1 else None)
    if group_id and not is_possible_id(group_id):
        raise NotFound(_("There is no such group."))
    group = get_group(db.session, current_user, group_id) if group_id else None
    form = RegistrationForm()
    if group is not None:
        form.members.choices = _member_choices(group)
        if request.method == "GET":
            form.members.data = [m.id for m in group.active_members]
    if group is not None and form.validate_on_submit():
        try:
            registration = service.register_group(
                db.session, current_user, group, cohort, form.members.data, attestation=form.attestation.data
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("registration.registration_page", registration_id=registration.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "registration/new.html",
        cohort=cohort,
        groups=groups,
        group=group,
        form=form,
        accepts_attestation=prerequisites.accepts_attestation(cohort.course),
    ), status


def _render_registration(registration, *, pre_meeting_form=None, status=200):
    roster_form = RosterForm(formdata=None, members=[m.id for m in registration.active_roster])
    roster_form.members.choices = _member_choices(registration.group)
    meeting = registration.pre_meeting
    pre_meeting_form = pre_meeting_form or PreMeetingForm(formdata=None, obj=meeting)
    return render_template(
        "registration/detail.html",
        registration=registration,
        checklist=prerequisites.checklist(db.session, registration),
        can_manage=service.can_manage(registration, current_user),
        is_trainer=is_cohort_trainer(registration.cohort, current_user),
        attestation_html=service.attestation_html(registration),
        accepts_attestation=prerequisites.accepts_attestation(registration.cohort.course),
        waitlist_place=seats.waitlist_place(db.session, registration),
        roster_form=roster_form,
        attestation_form=AttestationForm(formdata=None),
        review_form=ReviewForm(formdata=None),
        pre_meeting_required=pre_meetings.pre_meeting_required(registration.cohort),
        pre_meeting_form=pre_meeting_form,
        action_form=ActionForm(),
    ), status


@bp.get("/registrations/<int:registration_id>")
@login_required
def registration_page(registration_id: int):
    registration = service.get_registration(db.session, current_user, registration_id)
    db.session.commit()  # the deadline may just have been applied
    return _render_registration(registration)


def _after(registration_id: int, action, message: str):
    run_and_report(action, message)
    return redirect(url_for("registration.registration_page", registration_id=registration_id))


@bp.post("/registrations/<int:registration_id>/roster")
@login_required
def update_roster(registration_id: int):
    registration = service.get_registration(db.session, current_user, registration_id)
    service.require_manager(registration, current_user)
    form = RosterForm()
    form.members.choices = _member_choices(registration.group)
    if not form.validate_on_submit():
        flash(_("Choose the members from the list."), "error")
        return redirect(url_for("registration.registration_page", registration_id=registration_id))
    return _after(
        registration_id,
        lambda: service.update_roster(db.session, current_user, registration, form.members.data),
        _("The roster is saved."),
    )


@bp.post("/registrations/<int:registration_id>/withdraw")
@login_required
def withdraw(registration_id: int):
    registration = service.get_registration(db.session, current_user, registration_id)
    service.require_manager(registration, current_user)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("registration.registration_page", registration_id=registration_id))
    return _after(
        registration_id,
        lambda: service.withdraw(db.session, current_user, registration),
        _("The group has withdrawn. Its seats went to the next group waiting."),
    )


@bp.post("/registrations/<int:registration_id>/evidence")
@login_required
def submit_evidence(registration_id: int):
    registration = service.get_registration(db.session, current_user, registration_id)
    service.require_manager(registration, current_user)
    form = AttestationForm()
    if not form.validate_on_submit():
        return redirect(url_for("registration.registration_page", registration_id=registration_id))
    return _after(
        registration_id,
        lambda: service.submit_attestation(db.session, current_user, registration, form.attestation.data),
        _("Sent. A trainer will review it."),
    )


@bp.post("/registrations/<int:registration_id>/pre-meeting")
@login_required
def log_pre_meeting(registration_id: int):
    registration = service.get_registration(db.session, current_user, registration_id)
    service.require_manager(registration, current_user)
    form = PreMeetingForm()
    if form.validate_on_submit():
        try:
            pre_meetings.log_pre_meeting(
                db.session,
                current_user,
                registration,
                held_on=form.held_on.data,
                attendance=form.attendance.data,
                notes=form.notes.data,
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The pre-meeting is logged. Thank you."), "success")
            return redirect(url_for("registration.registration_page", registration_id=registration_id))
    return _render_registration(registration, pre_meeting_form=form, status=422)


@bp.post("/registrations/<int:registration_id>/review")
@login_required
def review(registration_id: int):
    registration = service.get_registration(db.session, current_user, registration_id)
    service.require_reviewer(registration, current_user)
    form = ReviewForm()
    if not form.validate_on_submit():
        return redirect(url_for("registration.registration_page", registration_id=registration_id))
    return _after(
        registration_id,
        lambda: service.review_evidence(
            db.session, current_user, registration, approve=bool(form.approve.data), reason=form.reason.data or ""
        ),
        _("Your decision is recorded and the group has been told."),
    )


@bp.get("/cohorts/<int:cohort_id>/registrations")
@login_required
def board(cohort_id: int):
    cohort = visible_cohort(db.session, current_user, cohort_id)
    wanted = request.args.get("status") or None
    if wanted is not None and wanted not in {s.value for s in RegistrationStatus}:
        wanted = None
    if apply_registration_deadline(db.session, cohort):
        db.session.commit()  # the deadline was just applied (only then: a commit expires what the page shows)
    rows = trainer_board.registration_board(
        db.session, current_user, cohort, RegistrationStatus(wanted) if wanted else None
    )
    # One URL built for the page, each row's id appended: url_for per row cost the board more than its rows.
    registration_url = url_for("registration.registration_page", registration_id=0).removesuffix("0")
    return render_template(
        "registration/board.html",
        cohort=cohort,
        rows=rows,
        rows_html=trainer_board.board_rows_html(
            rows, registration_url, pre_meeting_required=pre_meetings.pre_meeting_required(cohort)
        ),
        status=wanted,
        statuses=list(RegistrationStatus),
    )


@bp.get("/reviews")
@login_required
def review_queue():
    return render_template(
        "registration/reviews.html", registrations=trainer_board.review_queue(db.session, current_user)
    )


@bp.get("/cohorts/<int:cohort_id>/roster.csv")
@login_required
def roster_csv(cohort_id: int):
    cohort = visible_cohort(db.session, current_user, cohort_id)
    rows = trainer_board.roster_rows(db.session, current_user, cohort)
    db.session.commit()  # the export is in the audit log
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Name", "Email", "Group", "Organization", "Time zone"])
    writer.writerows(csv_safe_rows(rows))
    response = make_response(buffer.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="cohort-{cohort_id}-roster.csv"'
    return response


_FORMULA_STARTS = frozenset(("=", "+", "-", "@", "\t", "\r"))


def csv_safe(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: quote them so a name can never execute."""
    return "'" + value if value[:1] in _FORMULA_STARTS else value


def csv_safe_rows(rows: list[list[str]]) -> list[list[str]]:
    """`csv_safe` on every cell, written out in one comprehension: an export of 2,000 people has 10,000 cells."""
    starts = _FORMULA_STARTS
    return [["'" + value if value[:1] in starts else value for value in row] for row in rows]


@bp.get("/cohorts/<int:cohort_id>/fair-times")
@login_required
def fair_times(cohort_id: int):
    """For trainers: which start time of day suits the most people, from the registered participants' zones or
    from a list of zones pasted in (a GET form: it changes nothing)."""
    cohort = visible_cohort(db.session, current_user, cohort_id)
    if not cohorts.can_edit(current_user, cohort):
        raise Forbidden(_("Only this cohort's trainers and administrators can see this."))
    pasted = request.args.get("zones", "")
    error, unknown = None, 0
    try:
        if pasted.strip():
            zones = times.parse_zone_list(pasted)
        else:
            zones, unknown = participant_zones(db.session, cohort)
    except DomainError as refused:
        error, zones = refused.message, []
    first = cohort.sessions[0] if cohort.sessions else None
    options = []
    if zones and first is not None:
        options = times.fair_start_times(
            zones,
            host_timezone=cohort.host_timezone,
            on=to_local(first.starts_at, cohort.host_timezone).date(),
            minutes=first.plenary_minutes + first.breakout_minutes,
        )
    current = to_local(first.starts_at, cohort.host_timezone).strftime("%H:%M") if first else None
    return render_template(
        "registration/fair_times.html",
        cohort=cohort,
        options=options,
        people=len(zones),
        unknown=unknown,
        pasted=pasted,
        error=error,
        current=current,
    ), (400 if error else 200)


@bp.get("/trainer")
@login_required
def dashboard():
    """The cohorts the person trains: status, seats taken, groups, next session in their zone."""
    return render_template(
        "registration/dashboard.html",
        rows=trainer_board.trainer_dashboard(db.session, current_user),
        courses=scheduling.schedulable_courses(db.session, current_user),
    )
