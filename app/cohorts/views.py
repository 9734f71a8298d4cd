from datetime import datetime
from urllib.parse import unquote

import sqlalchemy as sa
from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.service import update_profile
from app.cohorts import scheduling, service, times
from app.cohorts.calendar import calendar_domain, calendar_response, cohort_calendar
from app.cohorts.forms import CohortForm
from app.cohorts.models import Cohort, CohortStatus
from app.courses.front_matter import SLUG_RE
from app.courses.models import Course
from app.courses.service import get_course_by_slug
from app.courses.translations import course_texts
from app.extensions import db
from app.lib.errors import DomainError, Forbidden
from app.lib.forms import show_error
from app.lib.languages import parse_language_list
from app.lib.page_cache import public_page
from app.lib.time import all_timezones, is_valid_timezone, now_utc
from app.lib.urls import external_url

bp = Blueprint("cohorts", __name__, template_folder="templates")


def _combine(date, time) -> datetime | None:
    return datetime.combine(date, time) if date and time else None


def _plan_from(form: CohortForm) -> scheduling.CohortPlan:
    """The plan the form describes. The spare blank row (and a new row ticked for removal) is left out;
    `form.plan_rows[i]` is the form row of the plan's session i, so errors land on the right row."""
    sessions, form.plan_rows = [], []
    for index, row in enumerate(form.sessions):
        if row.is_blank_new_row or (row.session_id.data is None and row.remove.data):
            continue
        sessions.append(
            scheduling.SessionPlan(
                _combine(row.date.data, row.start.data),
                row.plenary_minutes.data or 0,
                row.breakout_minutes.data or 0,
                title=row.title.data or "",
                session_id=row.session_id.data,
                remove=bool(row.remove.data),
            )
        )
        form.plan_rows.append(index)
    emails = [line.strip() for line in (form.trainers.data or "").splitlines() if line.strip()]
    return scheduling.CohortPlan(
        label=form.label.data,
        host_timezone=form.host_timezone.data,
        sessions=sessions,
        deadline_local=_combine(form.deadline_date.data, form.deadline_time.data),
        capacity=form.capacity.data,
        min_group_size=form.min_group_size.data,
        opens_local=_combine(form.opens_date.data, form.opens_time.data),
        status=CohortStatus(form.status.data),
        trainers=scheduling.find_trainers(db.session, emails),
        video_url=form.video_url.data,
        languages=parse_language_list(form.languages.data)[0],
    )


def _fill(form: CohortForm, plan: scheduling.CohortPlan) -> None:
    form.label.data, form.host_timezone.data = plan.label, plan.host_timezone
    while len(form.sessions) < len(plan.sessions):
        form.sessions.append_entry()
    for row, session_plan in zip(form.sessions, plan.sessions, strict=False):
        row.session_id.data, row.title.data = session_plan.session_id, session_plan.title
        row.date.data = session_plan.local_start.date() if session_plan.local_start else None
        row.start.data = session_plan.local_start.time() if session_plan.local_start else None
        row.plenary_minutes.data, row.breakout_minutes.data = (
            session_plan.plenary_minutes,
            session_plan.breakout_minutes,
        )
    if plan.deadline_local:
        form.deadline_date.data, form.deadline_time.data = plan.deadline_local.date(), plan.deadline_local.time()
    if plan.opens_local:
        form.opens_date.data, form.opens_time.data = plan.opens_local.date(), plan.opens_local.time()
    form.capacity.data, form.min_group_size.data = plan.capacity, plan.min_group_size
    form.trainers.data = "\n".join(t.email for t in plan.trainers)
    form.video_url.data, form.status.data = plan.video_url, plan.status.value
    form.languages.data = ", ".join(plan.languages)


def _show_error(form: CohortForm, error: DomainError) -> None:
    """Session errors name a row ("sessions-2"); the rest name a field (deadline -> the deadline date)."""
    name = error.field or ""
    if name.startswith("sessions-") and name[9:].isdigit():
        rows = getattr(form, "plan_rows", None) or range(len(form.sessions))
        if int(name[9:]) < len(rows):
            form.sessions[rows[int(name[9:])]].date.errors = [error.message]
            return
    if name == "sessions":
        form.form_errors.append(error.message)
        return
    aliases = {"deadline": "deadline_date", "opens": "opens_date"}
    show_error(form, DomainError(error.message, field=aliases.get(name, name) or None))


def _prefill_from_outline(form: CohortForm, course: Course) -> None:
    for outline in course.sessions:
        row = form.sessions.append_entry()
        row.plenary_minutes.data, row.breakout_minutes.data = outline.plenary_minutes, outline.breakout_minutes
    form.min_group_size.data, form.capacity.data = course.min_group_size, 60
    form.trainers.data = current_user.email


def _cohort_form(course: Course, cohort: Cohort | None):
    """Schedule a new cohort of `course`, or edit `cohort`: one form, the same checks."""
    form, refused = CohortForm(), False
    if request.method == "GET":
        form.sessions.entries.clear()
        form.sessions.last_index = -1
        if cohort is None:
            _prefill_from_outline(form, course)
        else:
            _fill(form, scheduling.plan_of(cohort))
            form.sessions.append_entry()  # a spare blank row, to add a session without JavaScript
    if form.validate_on_submit():
        try:
            plan = _plan_from(form)
            if cohort is None:
                saved = scheduling.schedule_cohort(db.session, course=course, actor=current_user, **vars(plan))
                message = _("The cohort is scheduled.")
            else:
                saved = scheduling.update_cohort(db.session, current_user, cohort, plan)
                message = _("The cohort is saved. Calendars update their existing entries.")
        except DomainError as error:
            db.session.rollback()
            _show_error(form, error)
            refused = True
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("cohorts.cohort_page", cohort_id=saved.id))
    status = 422 if refused or form.errors else 200
    started = {s.id for s in cohort.sessions if s.starts_at <= now_utc()} if cohort else set()
    return render_template("cohorts/form.html", form=form, course=course, cohort=cohort, started=started), status


@bp.route("/cohorts/new", methods=["GET", "POST"])
@login_required
def new_cohort():
    slug = request.args.get("course", "")
    # Only a well-formed slug reaches the query: PostgreSQL cannot compare text holding a NUL byte (a 500).
    course = (
        db.session.scalar(sa.select(Course).where(Course.slug == slug, Course.archived_at.is_(None)))
        if SLUG_RE.fullmatch(slug)
        else None
    )
    if course is None:
        return render_template(
            "cohorts/pick_course.html", courses=scheduling.schedulable_courses(db.session, current_user)
        )
    if not service.can_schedule(current_user, course):
        raise Forbidden(_("Only this course's trainers and administrators schedule its cohorts."))
    return _cohort_form(course, None)


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit_cohort(cohort_id: int):
    cohort = service.visible_cohort(db.session, current_user, cohort_id)
    if not service.can_edit(current_user, cohort):
        raise Forbidden(_("Only this cohort's trainers and administrators can change it."))
    return _cohort_form(cohort.course, cohort)


def _viewer_zone() -> str:
    """The zone picked on the page (?tz=, works without JavaScript), else the person's zone (profile or cookie)."""
    picked = request.args.get("tz", "")
    return picked if is_valid_timezone(picked) else str(get_timezone())


def _browser_zone_offer() -> str | None:
    """The zone the browser reported (the script's cookie) when it differs from a signed-in person's profile."""
    if not current_user.is_authenticated or request.cookies.get("tz_chosen"):
        return None  # with a zone picked by hand, the cookie is no longer the browser's
    browser = unquote(request.cookies.get("tz", ""))
    return browser if is_valid_timezone(browser) and browser != current_user.timezone else None


@bp.get("/cohorts/<int:cohort_id>")
@public_page
def cohort_page(cohort_id: int):
    cohort = service.visible_cohort(db.session, current_user, cohort_id)
    editable = current_user.is_authenticated and service.can_edit(current_user, cohort)
    service.apply_registration_deadline(db.session, cohort)
    db.session.commit()
    zone, locale = _viewer_zone(), get_locale()
    texts = course_texts(db.session, cohort.course, str(locale))  # the course's translations: one query
    response = make_response(
        render_template(
            "cohorts/cohort.html",
            cohort=cohort,
            course_text=texts.of_course(),
            session_titles=texts.cohort_session_titles(cohort.sessions),
            editable=editable,
            viewer_zone=zone,
            current_timezone=zone,  # the footer names the zone this page is shown in
            zones=all_timezones(),
            browser_zone=_browser_zone_offer(),
            cities=times.starting_times(cohort),
            notes=times.viewer_notes(cohort, zone, locale),
            time_left=times.time_left(cohort.registration_deadline_at, locale),
            seats_left=service.seats_left(cohort),
        )
    )
    if request.args.get("tz") == zone and not current_user.is_authenticated:
        # A visitor's pick sticks for the rest of the site; "tz_chosen" tells the script not to put its guess back.
        for name, value in (("tz", zone), ("tz_chosen", "1")):
            response.set_cookie(name, value, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@bp.post("/cohorts/<int:cohort_id>/use-browser-timezone")
@login_required
def use_browser_timezone(cohort_id: int):
    """Offered on the cohort page when the browser's zone differs from the profile's: adopt it in one click."""
    service.visible_cohort(db.session, current_user, cohort_id)  # the way back must exist for this person
    zone = request.form.get("timezone", "")
    try:
        update_profile(db.session, current_user, name=current_user.name, timezone=zone, locale=current_user.locale)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Your time zone is now %(zone)s.", zone=zone.replace("_", " ")), "success")
    return redirect(url_for("cohorts.cohort_page", cohort_id=cohort_id))


@bp.get("/cohorts/<int:cohort_id>/calendar.ics")
@public_page
def calendar_feed(cohort_id: int):
    """Public: anyone may subscribe. No private data (no video link)."""
    cohort = service.visible_cohort(db.session, current_user, cohort_id)
    url = external_url("cohorts.cohort_page", cohort_id=cohort.id)
    body = cohort_calendar(cohort, cohort_url=url, domain=calendar_domain())
    return calendar_response(body, f"cohort-{cohort.id}.ics")


@bp.get("/courses/<slug>")
@public_page
def course_page(slug: str):
    """A course and the cohorts people can still look forward to (here, not in courses: it shows both)."""
    course = get_course_by_slug(db.session, slug)
    texts = course_texts(db.session, course, str(get_locale()), original=request.args.get("original") == "1")
    cohorts = service.upcoming_cohorts(db.session, course)
    return render_template("courses/course.html", course=course, cohorts=cohorts, texts=texts)
