"""Participant home, cohort reading pages, reading progress for trainers, commitments."""

from functools import lru_cache

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from app.cohorts.calendar import VideoPage, calendar_domain, calendar_response, personal_calendar
from app.cohorts.feeds import feed_token, reset_feed_token, user_for_feed_token
from app.cohorts.service import visible_cohort
from app.courses.translations import course_texts
from app.extensions import db
from app.learning import commitments, readings, service
from app.learning.forms import CheckInForm, CommitmentForm, MarkReadForm, MarkUnreadForm
from app.lib import languages
from app.lib.forms import NOT_SAVED, apply_form, run_and_report
from app.lib.urls import external_url
from app.registration.participants import cohorts_taken_part_in, load_group, require_participant

bp = Blueprint("learning", __name__, template_folder="templates")


def _commitment_prefix(cohort_id: int) -> str:
    return f"commit-{cohort_id}"


def _check_in_prefix(commitment_id: int) -> str:
    return f"checkin-{commitment_id}"


def _notes_url(home: service.CohortHome) -> str | None:
    """The room's shared notes for the session, when the notes pages are there."""
    if home.room is None or home.session is None:
        return None
    try:
        return url_for("notes.note_page", cohort_id=home.cohort.id, session_id=home.session.id, room_id=home.room.id)
    except BuildError:
        return None


def _render_home(*, commitment_form=None, check_in_form=None, status=200):
    home = service.participant_home(db.session, current_user)
    commitment_forms = {
        h.cohort.id: CommitmentForm(formdata=None, prefix=_commitment_prefix(h.cohort.id)) for h in home.cohorts
    }
    check_in_forms = {
        item.commitment.id: CheckInForm(formdata=None, prefix=_check_in_prefix(item.commitment.id))
        for h in home.cohorts
        for item in h.commitments
    }
    if commitment_form is not None:
        commitment_forms[commitment_form[0]] = commitment_form[1]
    if check_in_form is not None:
        check_in_forms[check_in_form[0]] = check_in_form[1]
    return render_template(
        "learning/home.html",
        home=home,
        commitment_forms=commitment_forms,
        check_in_forms=check_in_forms,
        notes_url=_notes_url,
        video_opens_minutes=service.video_opens_minutes(),
    ), status


@bp.get("/home")
@login_required
def home():
    return _render_home()


@bp.post("/cohorts/<int:cohort_id>/commitments")
@login_required
def record_commitment(cohort_id: int):
    cohort = visible_cohort(db.session, current_user, cohort_id)
    require_participant(db.session, current_user, cohort)
    form = CommitmentForm(prefix=_commitment_prefix(cohort_id))
    if form.validate_on_submit() and (
        apply_form(
            form,
            lambda: commitments.record_commitment(db.session, current_user, cohort, form.text.data),
            _("Your commitment is saved. Your home page will ask how it went at the next session."),
        )
        is not NOT_SAVED
    ):
        return redirect(url_for("learning.home", _anchor=f"cohort-{cohort_id}"))
    return _render_home(commitment_form=(cohort_id, form), status=422)


@bp.post("/commitments/<int:commitment_id>/check-in")
@login_required
def check_in(commitment_id: int):
    commitment = commitments.own_commitment(db.session, current_user, commitment_id)
    form = CheckInForm(prefix=_check_in_prefix(commitment_id))
    if form.validate_on_submit() and (
        apply_form(
            form,
            lambda: commitments.check_in(
                db.session, current_user, commitment.id, form.status.data, form.reflection.data
            ),
            _("Thank you for checking in."),
        )
        is not NOT_SAVED
    ):
        return redirect(url_for("learning.home", _anchor=f"cohort-{commitment.cohort_id}"))
    return _render_home(check_in_form=(commitment_id, form), status=422)


def _render_reading(cohort_id: int, reading_slug: str, *, read_form=None, status=200):
    page = readings.reading_page(db.session, current_user, cohort_id, reading_slug)
    if read_form is None:
        read_form = MarkReadForm(formdata=None, comment=page.progress.comment if page.progress else None)
    original = request.args.get("original") == "1"
    return render_template(
        "learning/reading.html",
        page=page,
        texts=course_texts(db.session, page.cohort.course, str(get_locale()), original=original),
        read_form=read_form,
        unread_form=MarkUnreadForm(formdata=None, prefix="unread"),
    ), status


@bp.get("/cohorts/<int:cohort_id>/readings/<reading_slug>")
@login_required
def reading(cohort_id: int, reading_slug: str):
    return _render_reading(cohort_id, reading_slug)


@bp.post("/cohorts/<int:cohort_id>/readings/<reading_slug>/read")
@login_required
def mark_read(cohort_id: int, reading_slug: str):
    cohort = visible_cohort(db.session, current_user, cohort_id)
    reading = readings.cohort_reading(db.session, cohort, reading_slug)
    form = MarkReadForm()
    if form.validate_on_submit() and (
        apply_form(
            form,
            lambda: readings.mark_read(db.session, current_user, cohort, reading, form.comment.data),
            _("Marked as read."),
        )
        is not NOT_SAVED
    ):
        return redirect(url_for("learning.reading", cohort_id=cohort_id, reading_slug=reading_slug))
    return _render_reading(cohort_id, reading_slug, read_form=form, status=422)


@bp.post("/cohorts/<int:cohort_id>/readings/<reading_slug>/unread")
@login_required
def mark_unread(cohort_id: int, reading_slug: str):
    cohort = visible_cohort(db.session, current_user, cohort_id)
    reading = readings.cohort_reading(db.session, cohort, reading_slug)
    if MarkUnreadForm(prefix="unread").validate_on_submit():
        run_and_report(lambda: readings.mark_unread(db.session, current_user, cohort, reading), _("Marked as unread."))
    return redirect(url_for("learning.reading", cohort_id=cohort_id, reading_slug=reading_slug))


@bp.get("/cohorts/<int:cohort_id>/readings")
@login_required
def reading_progress(cohort_id: int):
    cohort = visible_cohort(db.session, current_user, cohort_id)
    stats = readings.cohort_reading_stats(db.session, current_user, cohort)
    # Hundreds of cells: their words are translated once and each distinct ratio formatted once (Babel's lookups
    # dominated the page).
    return render_template(
        "learning/progress.html",
        stats=stats,
        percent=lru_cache(maxsize=None)(format_percent),
        read_of_total=_("%(read)s of %(total)s"),  # filled in per cell
    )


@bp.get("/cohorts/<int:cohort_id>/groups/<int:group_id>/commitments")
@login_required
def group_commitments(cohort_id: int, group_id: int):
    cohort = visible_cohort(db.session, current_user, cohort_id)
    group = load_group(db.session, group_id)
    summary = commitments.commitments_summary(db.session, current_user, cohort, group)
    return render_template("learning/commitments_summary.html", summary=summary)


# The person's private calendar: every cohort they take part in --------------------------------------------------


@bp.get("/calendar")
@login_required
def my_calendar():
    """The person's private feed address, to paste into a calendar app, and a reset button."""
    token = feed_token(db.session, current_user)
    entries = cohorts_taken_part_in(db.session, current_user)
    feed_url = external_url("learning.private_feed", token=token) if token else None
    return render_template("learning/my_calendar.html", feed_url=feed_url, entries=entries)


@bp.post("/calendar/reset")
@login_required
def reset_calendar():
    had_one = feed_token(db.session, current_user) is not None
    reset_feed_token(db.session, current_user)
    db.session.commit()
    if had_one:
        flash(
            _("Your calendar address has changed. The old one no longer works: paste the new one in your calendar."),
            "success",
        )
    else:
        flash(_("Your private calendar address is ready: paste it in your calendar app."), "success")
    return redirect(url_for("learning.my_calendar"))


@bp.get("/calendar/<token>.ics")
def private_feed(token: str):
    """Private: the token stands for the person. Every session of every cohort they take part in; never the
    video-call address (a feed is read at any time, and easily shared), only where and when it appears."""
    user = user_for_feed_token(db.session, token)
    # A calendar app fetches the feed with no sign-in and its own language: the text is in its owner's.
    with force_locale(languages.known(user.locale) or languages.DEFAULT_LANGUAGE):
        body = personal_calendar(
            cohorts_taken_part_in(db.session, user),
            name="Plenary",
            cohort_url=lambda c: external_url("cohorts.cohort_page", cohort_id=c.id),
            domain=calendar_domain(),
            video_page=VideoPage(external_url("learning.home"), service.video_opens_minutes()),
        )
    response = calendar_response(body, "plenary.ics")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
