"""Signing in by emailed link or code: asking, the code page (only in the browser that asked), and the link's
confirmation page (its GET only asks; the POST spends it). The rules are in app/signin/service.py."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import normalise_email
from app.accounts.views import finish_sign_in
from app.extensions import db, limiter
from app.lib.forms import ActionForm, show_error
from app.lib.urls import safe_redirect_or_empty
from app.signin import confirm, service
from app.signin.forms import AskLinkForm, EmailedCodeForm

bp = Blueprint("signin", __name__, template_folder="templates")
_ASKED = "sign_in_asked"  # this browser's key and its `next`, while it waits for the code


def _link_limit() -> str:
    return current_app.config["SIGN_IN_LINK_RATE_LIMIT"]


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _asked_address() -> str:
    return "sign-in-address:" + normalise_email(request.form.get("email", ""))[:254]


@bp.before_request
def _only_when_on():
    if not current_app.config["SIGN_IN_BY_EMAIL"] and request.endpoint != "signin.ask_confirm_code":
        abort(404)


def _problem(error: service.TokenRefused):
    return render_template("signin/problem.html", message=error.message), error.status_code


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_link_limit, methods=["POST"])  # per client
@limiter.limit(_link_limit, methods=["POST"], key_func=_asked_address)  # per address, from any client
def ask():
    if current_user.is_authenticated:
        return redirect(url_for("courses.catalogue"))
    form = AskLinkForm(next=safe_redirect_or_empty(request.args.get("next")))
    if form.validate_on_submit():
        next_url = safe_redirect_or_empty(form.next.data)
        key = service.new_browser_key()
        service.request_sign_in(db.session, form.email.data, key, next_url)
        db.session.commit()
        session[_ASKED] = {"key": key, "next": next_url}
        return redirect(url_for("signin.code"))
    return render_template("signin/ask.html", form=form), 422 if form.errors else 200


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def code():
    """The same page whether or not the address has an account: "if an account uses it, we sent a link and a code"."""
    asked = session.get(_ASKED)
    if not isinstance(asked, dict) or not asked.get("key"):
        return redirect(url_for("signin.ask"))
    form = EmailedCodeForm()
    if form.validate_on_submit():
        try:
            user, _next = service.use_code(db.session, asked["key"], form.code.data)
        except service.TokenRefused as error:
            db.session.commit()  # the wrong code counts
            show_error(form, error)
            return render_template("signin/code.html", form=form), error.status_code
        session.pop(_ASKED, None)
        return finish_sign_in(user, asked.get("next"))
    return render_template("signin/code.html", form=form), 422 if form.errors else 200


@bp.post("/account/confirm-code")
@login_required
@limiter.limit(_link_limit)
def ask_confirm_code():
    """ "Email me a code", beside the password field of a person who has no password: the code goes in its place."""
    form = ActionForm()
    if form.validate_on_submit():
        confirm.ask_for_code(current_user._get_current_object())
        db.session.commit()
        flash(_("We emailed you a 6-digit code. Type it in place of a password; it works for 15 minutes."), "success")
    back = safe_redirect_or_empty(request.form.get("back"))
    return redirect(back or url_for("accounts.profile"))


@bp.route("/sign-in/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def confirm_link(token: str):
    """Opened from the email, on any device. GET only asks (a mail scanner opening the link spends nothing)."""
    try:
        pending = service.find_link(db.session, token)
    except service.TokenRefused as error:
        return _problem(error)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            user, next_url = service.use_link(db.session, token)
        except service.TokenRefused as error:
            db.session.rollback()
            return _problem(error)
        return finish_sign_in(user, next_url)
    return render_template("signin/confirm_link.html", pending=pending, form=form)
