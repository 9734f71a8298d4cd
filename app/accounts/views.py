from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import service
from app.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
)
from app.extensions import db, limiter
from app.lib.errors import DomainError
from app.lib.forms import show_error
from app.lib.urls import is_safe_redirect

bp = Blueprint("accounts", __name__, template_folder="templates")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _redirect_after_login(target: str | None):
    return redirect(target if is_safe_redirect(target) else url_for("courses.catalogue"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("courses.catalogue"))
    form = SignupForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = service.create_user(
                db.session,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                timezone=form.timezone.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome to Plenary, %(name)s.", name=user.name), "success")
            return _redirect_after_login(form.next.data)
    return render_template("accounts/signup.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return _redirect_after_login(request.args.get("next"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = service.authenticate(db.session, form.email.data, form.password.data)
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            return _redirect_after_login(form.next.data)
    return render_template("accounts/login.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("courses.catalogue"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        service.request_password_reset(db.session, form.email.data)
        db.session.commit()
        flash(
            _("If an account uses that email, a reset link is on its way. Check your inbox and spam folder."), "success"
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        service.user_for_reset_token(db.session, token)
    except DomainError as error:
        return render_template("accounts/reset_invalid.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = service.reset_password(db.session, token, form.password.data)
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            logout_user()
            login_user(user)
            flash(_("Your password is changed. You are signed out everywhere else."), "success")
            return redirect(url_for("courses.catalogue"))
    return render_template("accounts/reset_password.html", form=form), 422 if form.errors else 200


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if form.submit.data and form.validate_on_submit():
        try:
            service.update_profile(
                db.session, current_user, name=form.name.data, timezone=form.timezone.data, locale=form.locale.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("accounts/profile.html", form=form, password_form=password_form), status


@bp.post("/profile/password")
@login_required
def change_password():
    form = ProfileForm(obj=current_user, formdata=None)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            service.change_password(
                db.session, current_user, password_form.current_password.data, password_form.password.data
            )
        except DomainError as error:
            show_error(password_form, error)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the cookie must carry the new session version
            flash(_("Your password is changed. You are signed out everywhere else."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form), 422
