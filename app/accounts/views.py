import secrets
import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import service, two_factor
from app.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    CodeForm,
    DisableTwoFactorForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupCodeForm,
    SignupForm,
    StartTwoFactorForm,
)
from app.accounts.models import User, normalise_email
from app.accounts.sessions import end_other_sessions, end_session, start_session
from app.extensions import db, limiter
from app.lib.errors import DomainError
from app.lib.forms import ActionForm, show_error
from app.lib.urls import is_safe_redirect, safe_redirect_or_empty

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
    form = SignupForm(next=safe_redirect_or_empty(request.args.get("next")))
    if form.validate_on_submit():
        try:
            service.request_signup(
                db.session,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                timezone=form.timezone.data,
                next_url=safe_redirect_or_empty(form.next.data),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            return render_template("accounts/check_email.html", email=normalise_email(form.email.data))
    return render_template("accounts/signup.html", form=form), 422 if form.errors else 200


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def confirm_signup(token: str):
    """Opened from the emailed link. GET only asks; the POST creates the account (a link preview must not)."""
    try:
        pending = service.find_pending_signup(db.session, token)
    except DomainError as error:
        return render_template("accounts/reset_invalid.html", message=error.message), 400
    form = ActionForm()
    if form.validate_on_submit():
        try:
            user, next_url = service.complete_signup(db.session, token, locale=str(get_locale()))
        except DomainError as error:
            db.session.rollback()
            return render_template("accounts/reset_invalid.html", message=error.message), 400
        start_session(db.session, user)
        db.session.commit()
        flash(_("Welcome to Plenary, %(name)s.", name=user.name), "success")
        return _redirect_after_login(next_url)
    return render_template("accounts/confirm_signup.html", pending=pending, form=form)


_SIGNUP_ASKED = "signup_asked"  # this browser's key and address, while it waits for a sign-up code


def signup_code_key(email: str) -> str:
    """A fresh random key for this browser, kept in its session, to type the code of the sign-up it is about to
    start (`service.request_signup(..., browser_key=...)`); then send the person to `accounts.signup_code`."""
    key = secrets.token_urlsafe(32)
    session[_SIGNUP_ASKED] = {"key": key, "email": normalise_email(email)[:254]}
    return key


@bp.route("/signup/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def signup_code():
    """Where a sign-up started on an invitation or join page waits for its email: the link in it works on any
    device, its 6-digit code only here, in the browser that asked. The same page whether or not the address had an
    account (then no code came, and any code is refused like a wrong one)."""
    asked = session.get(_SIGNUP_ASKED)
    if not isinstance(asked, dict) or not asked.get("key"):
        return redirect(url_for("accounts.signup"))
    form = SignupCodeForm()
    if form.validate_on_submit():
        try:
            user, next_url = service.complete_signup_by_code(
                db.session, asked["key"], form.code.data, locale=str(get_locale())
            )
        except DomainError as error:
            db.session.commit()  # a wrong code counts
            show_error(form, error)
            return render_template("accounts/signup_code.html", form=form, email=asked.get("email", "")), 400
        session.pop(_SIGNUP_ASKED, None)
        start_session(db.session, user)
        db.session.commit()
        flash(_("Welcome to Plenary, %(name)s.", name=user.name), "success")
        return _redirect_after_login(next_url)
    status = 422 if form.errors else 200
    return render_template("accounts/signup_code.html", form=form, email=asked.get("email", "")), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return _redirect_after_login(request.args.get("next"))
    form = LoginForm(next=safe_redirect_or_empty(request.args.get("next")))
    if form.validate_on_submit():
        target = safe_redirect_or_empty(form.next.data)  # checked before anything is saved
        try:
            user = service.authenticate(db.session, form.email.data, form.password.data)
        except DomainError as error:
            show_error(form, error)
        else:
            return finish_sign_in(user, target)
    return render_template("accounts/login.html", form=form), 422 if form.errors or form.form_errors else 200


_PENDING = "two_factor_pending"
_PENDING_SECONDS = 300


def finish_sign_in(user: User, target: str | None):
    """The last step of every way in (password, emailed link or code, an identity provider), once it has proved
    who the person is: ask for the two-step code if they turned it on, else sign them in and go where they were
    going. Commits."""
    if user.has_two_factor:
        session.clear()
        session[_PENDING] = {"uid": user.id, "at": int(time.time()), "next": safe_redirect_or_empty(target)}
        db.session.commit()
        return redirect(url_for("accounts.login_code"))
    start_session(db.session, user)
    db.session.commit()
    return _redirect_after_login(target)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login_code():
    """The second step of signing in, for people who turned two-step sign-in on."""
    pending = session.get(_PENDING)
    user = db.session.get(User, pending["uid"]) if isinstance(pending, dict) else None
    if user is None or time.time() - pending.get("at", 0) > _PENDING_SECONDS:
        session.pop(_PENDING, None)
        flash(_("Please sign in again."), "error")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            two_factor.verify(db.session, user, form.code.data)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            start_session(db.session, user)
            db.session.commit()
            return _redirect_after_login(pending.get("next"))
    return render_template("accounts/login_code.html", form=form), 422 if form.errors else 200


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_page():
    user = current_user._get_current_object()
    confirm_form, disable_form = CodeForm(prefix="confirm"), DisableTwoFactorForm(prefix="off")
    status = 200
    start_form = StartTwoFactorForm(prefix="start")
    if start_form.submit.data and not user.has_two_factor and start_form.validate_on_submit():
        two_factor.begin_setup(db.session, user)
        db.session.commit()
    elif confirm_form.submit.data and confirm_form.validate_on_submit():
        try:
            codes = two_factor.confirm_setup(db.session, user, confirm_form.code.data)
        except DomainError as error:
            show_error(confirm_form, error)
            status = 422
        else:
            db.session.commit()
            return render_template("accounts/recovery_codes.html", codes=codes)
    elif disable_form.submit.data and disable_form.validate_on_submit():
        try:
            two_factor.disable(db.session, user, disable_form.password.data, disable_form.code.data)
        except DomainError as error:
            db.session.rollback()
            show_error(disable_form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("Two-step sign-in is off."), "success")
            return redirect(url_for("accounts.two_factor_page"))
    setting_up = not user.has_two_factor and user.totp_secret is not None
    return render_template(
        "accounts/two_factor.html",
        user=user,
        setting_up=setting_up,
        qr_code=two_factor.qr_code_svg(user) if setting_up else None,
        start_form=start_form,
        confirm_form=confirm_form,
        disable_form=disable_form,
        required=current_app.config["REQUIRE_TWO_FACTOR_FOR_STAFF"] and two_factor.is_staff(db.session, user),
    ), status


_ALLOWED_BEFORE_TWO_FACTOR = {"accounts.two_factor_page", "accounts.logout", "static", "health.healthz"}


@bp.before_app_request
def require_two_factor_for_staff():
    """When the deployment asks for it, trainers and administrators set up two-step sign-in before anything else."""
    if (
        not current_app.config["REQUIRE_TWO_FACTOR_FOR_STAFF"]
        or request.endpoint in _ALLOWED_BEFORE_TWO_FACTOR
        or not current_user.is_authenticated
        or current_user.has_two_factor
        or not two_factor.is_staff(db.session, current_user)
    ):
        return None
    flash(_("Trainers and administrators must turn on two-step sign-in first."), "error")
    return redirect(url_for("accounts.two_factor_page"))


@bp.post("/logout")
def logout():
    end_session(db.session)
    db.session.commit()
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
            end_session(db.session)
            start_session(db.session, user)
            end_other_sessions(db.session, user)
            db.session.commit()
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
    return _profile_page(form=form, password_form=password_form, status=status)


def _profile_page(*, form=None, password_form=None, email_form=None, status: int = 200):
    return render_template(
        "accounts/profile.html",
        form=form or ProfileForm(obj=current_user, formdata=None),
        password_form=password_form or ChangePasswordForm(prefix="pw", formdata=None),
        email_form=email_form or ChangeEmailForm(prefix="em", formdata=None),
    ), status


@bp.post("/profile/email")
@login_required
def change_email():
    email_form = ChangeEmailForm(prefix="em")
    if email_form.validate_on_submit():
        try:
            service.change_email(db.session, current_user, email_form.password.data, email_form.email.data)
        except DomainError as error:
            db.session.rollback()
            show_error(email_form, error)
        else:
            db.session.commit()
            # The same answer whether or not another account uses the address (sign-up does the same).
            flash(
                _(
                    "We sent a link to %(email)s. Your address changes when you open it.",
                    email=normalise_email(email_form.email.data),
                ),
                "success",
            )
            return redirect(url_for("accounts.profile"))
    return _profile_page(email_form=email_form, status=422)


@bp.get("/account/confirm-email/<token>")
def confirm_email_change_page(token: str):
    """Opened from the link sent to the new address; a GET must not change anything (a link preview would)."""
    try:
        _user, new_email = service.user_for_email_change(db.session, token)
    except DomainError as error:
        return render_template("accounts/reset_invalid.html", message=error.message), 400
    return render_template("accounts/confirm_email_change.html", form=ActionForm(), new_email=new_email)


@bp.post("/account/confirm-email/<token>")
@limiter.limit(_login_limit)
def confirm_email_change(token: str):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("accounts.confirm_email_change_page", token=token))
    try:
        user = service.confirm_email_change(db.session, token)
    except DomainError as error:
        db.session.rollback()
        return render_template("accounts/reset_invalid.html", message=error.message), 400
    db.session.commit()
    flash(_("Your account now uses %(email)s. We told your old address too.", email=user.email), "success")
    return redirect(url_for("accounts.profile") if current_user.is_authenticated else url_for("accounts.login"))


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
            start_session(db.session, current_user._get_current_object())  # a new cookie with the new version
            end_other_sessions(db.session, current_user)
            db.session.commit()
            flash(_("Your password is changed. You are signed out everywhere else."), "success")
            return redirect(url_for("accounts.profile"))
    return _profile_page(form=form, password_form=password_form, status=422)


@bp.get("/account/undo-email-change/<token>")
def undo_email_change(token: str):
    """Opened from the email sent to the old address; a GET must not change anything, so it asks first."""
    return render_template("accounts/undo_email.html", form=ActionForm(), token=token)


@bp.post("/account/undo-email-change/<token>")
@limiter.limit(_login_limit)
def confirm_undo_email_change(token: str):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("accounts.undo_email_change", token=token))
    try:
        user = service.undo_email_change(db.session, token)
    except DomainError as error:
        db.session.rollback()
        return render_template("accounts/reset_invalid.html", message=error.message), 400
    end_other_sessions(db.session, user)
    end_session(db.session)
    db.session.commit()
    flash(
        _(
            "Your old address is back and every session is signed out. "
            "Choose a new password from the email we just sent."
        ),
        "success",
    )
    return redirect(url_for("accounts.login"))
