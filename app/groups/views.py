from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.accounts.models import normalise_email
from app.accounts.service import create_user, request_signup
from app.accounts.sessions import end_session, start_session
from app.accounts.views import signup_code_key
from app.extensions import action_limit, db, limiter
from app.groups import invitations, service
from app.groups.forms import GroupForm, InviteForm, JoinSignupForm, RosterMemberForm
from app.groups.models import JOIN_LINK_LIFETIME
from app.lib.errors import DomainError
from app.lib.forms import ActionForm, flash_error, run_and_report, show_error

bp = Blueprint("groups", __name__, template_folder="templates")


@bp.get("/groups")
@login_required
def my_groups():
    return render_template("groups/list.html", groups=service.groups_of(db.session, current_user))


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_group():
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = service.create_group(
                db.session,
                current_user,
                name=form.name.data,
                organization=form.organization.data,
                country=form.country.data,
                languages=form.languages.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Your group is created. Invite its members next."), "success")
            return redirect(url_for("groups.group_page", group_id=group.id))
    return render_template("groups/new.html", form=form), 422 if form.errors or form.form_errors else 200


def _render_group(group, *, invite_form=None, roster_form=None, report=None, status=200):
    return render_template(
        "groups/detail.html",
        group=group,
        is_coordinator=service.is_coordinator(group, current_user),
        invite_form=invite_form or InviteForm(formdata=None),
        roster_form=roster_form or RosterMemberForm(formdata=None),
        action_form=ActionForm(),
        report=report,
        join_link_days=JOIN_LINK_LIFETIME.days,
    ), status


@bp.get("/groups/<int:group_id>")
@login_required
def group_page(group_id: int):
    return _render_group(service.get_group(db.session, current_user, group_id))


@bp.post("/groups/<int:group_id>/invitations")
@limiter.limit(action_limit, methods=["POST"])
@login_required
def invite(group_id: int):
    group = service.get_group(db.session, current_user, group_id)
    form = InviteForm()
    if not form.validate_on_submit():
        return _render_group(group, invite_form=form, status=422)
    try:
        report = invitations.invite_members(db.session, current_user, group, form.emails.data)
    except DomainError as error:
        show_error(form, error)
        return _render_group(group, invite_form=form, status=422)
    db.session.commit()
    if report.invited:
        flash(ngettext("%(num)s invitation sent.", "%(num)s invitations sent.", len(report.invited)), "success")
    # Keep the lines that need attention in the box, so nothing typed is lost.
    form.emails.data = "\n".join(line.text for line in report.problems)
    return _render_group(group, invite_form=form, report=report, status=422 if report.problems else 200)


def _group_action(group_id: int, action, message: str):
    group = service.get_group(db.session, current_user, group_id)
    if ActionForm().validate_on_submit():
        run_and_report(lambda: action(group), message)
    return redirect(url_for("groups.group_page", group_id=group_id))


@bp.post("/groups/<int:group_id>/join-link")
@login_required
def reset_join_link(group_id: int):
    return _group_action(
        group_id,
        lambda g: invitations.reset_join_code(db.session, current_user, g),
        _("A new join link is ready. The old one no longer works."),
    )


@bp.post("/groups/<int:group_id>/roster")
@login_required
def add_roster_member(group_id: int):
    group = service.get_group(db.session, current_user, group_id)
    form = RosterMemberForm()
    if form.validate_on_submit():
        try:
            service.add_roster_member(db.session, current_user, group, form.display_name.data)
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s is on the roster.", name=form.display_name.data.strip()), "success")
            return redirect(url_for("groups.group_page", group_id=group_id))
    return _render_group(group, roster_form=form, status=422)


@bp.post("/groups/<int:group_id>/members/<int:membership_id>/remove")
@login_required
def remove_member(group_id: int, membership_id: int):
    return _group_action(
        group_id,
        lambda g: service.remove_member(db.session, current_user, g, membership_id),
        _("The member was removed from the group."),
    )


@bp.post("/groups/<int:group_id>/members/<int:membership_id>/coordinator")
@login_required
def make_coordinator(group_id: int, membership_id: int):
    return _group_action(
        group_id,
        lambda g: service.make_coordinator(db.session, current_user, g, membership_id),
        _("They are now a coordinator of the group."),
    )


@bp.post("/groups/<int:group_id>/leave")
@login_required
def leave(group_id: int):
    group = service.get_group(db.session, current_user, group_id)
    if ActionForm().validate_on_submit():
        try:
            service.leave_group(db.session, current_user, group)
        except DomainError as error:
            flash_error(error)
            return redirect(url_for("groups.group_page", group_id=group_id))
        db.session.commit()
        flash(_("You have left %(group)s.", group=group.name), "success")
    return redirect(url_for("groups.my_groups"))


def _join_page(group, *, token=None, code=None, email=None, error=None, form=None, status=200):
    form = form or JoinSignupForm(formdata=None, email=email)
    other_account = bool(
        token and email and current_user.is_authenticated and normalise_email(current_user.email) != email
    )
    return render_template(
        "groups/join.html",
        group=group,
        token=token,
        code=code,
        email=email,
        other_account=other_account,
        error=error,
        form=form,
        action_form=ActionForm(),
    ), status


def _joined(group):
    db.session.commit()
    flash(_("Welcome to %(group)s.", group=group.name), "success")
    return redirect(url_for("groups.group_page", group_id=group.id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(action_limit, methods=["POST"])
def invitation(token: str):
    """The invitation's page. Signed in with the invited address: one button joins. Signed in with another address:
    the page says which address it was sent to, offers to log out and sign in with it, or to join with this account
    on purpose (the inviter is then told)."""
    try:
        found = invitations.find_invitation(db.session, token)
    except DomainError as error:
        return _join_page(None, error=error.message, status=410)
    if request.method == "POST" and current_user.is_authenticated and ActionForm().validate_on_submit():
        if request.form.get("switch_account") == "1":
            end_session(db.session)
            db.session.commit()
            return redirect(url_for("accounts.login", next=url_for("groups.invitation", token=token)))
        try:
            group = invitations.accept_invitation(
                db.session, current_user, token, as_another_address=request.form.get("as_another_address") == "1"
            )
        except invitations.InvitationForAnotherAddress:
            db.session.rollback()
            return _join_page(found.group, token=token, email=found.email, status=403)
        except DomainError as error:
            db.session.rollback()
            return _join_page(None, error=error.message, status=409)
        return _joined(group)
    return _join_page(found.group, token=token, email=found.email)


@bp.post("/invitations/<token>/signup")
@limiter.limit(action_limit, methods=["POST"])
def invitation_signup(token: str):
    try:
        found = invitations.find_invitation(db.session, token)
    except DomainError as error:
        return _join_page(None, error=error.message, status=410)
    return _signup_and_join(
        found.group, lambda user: invitations.accept_invitation(db.session, user, token), token=token, email=found.email
    )


@bp.route("/join/<code>", methods=["GET", "POST"])
@limiter.limit(action_limit, methods=["POST"])
def join(code: str):
    try:
        group = invitations.find_group_by_join_code(db.session, code)
    except DomainError as error:
        return _join_page(None, error=error.message, status=410)
    if request.method == "POST" and current_user.is_authenticated and ActionForm().validate_on_submit():
        return _joined(invitations.join_with_code(db.session, current_user, code))
    return _join_page(group, code=code)


@bp.post("/join/<code>/signup")
@limiter.limit(action_limit, methods=["POST"])
def join_signup(code: str):
    try:
        group = invitations.find_group_by_join_code(db.session, code)
    except DomainError as error:
        return _join_page(None, error=error.message, status=410)
    return _signup_and_join(group, lambda user: invitations.join_with_code(db.session, user, code), code=code)


def _signup_and_join(group, join, *, token=None, code=None, email=None):
    """Someone without an account signs up on the way and lands in the group.

    When they choose a password and sign up with the address the invitation was sent to, that address is proven:
    the account is created and joins in one step. Otherwise (no password, a shared join link, another address) the
    address is confirmed by email first: its link (any device) or its 6-digit code (typed in this browser) creates
    the account, signs the person in and joins the group (app/groups/invitations.py, `join_where_they_signed_up`).
    """
    form = JoinSignupForm()
    if form.validate_on_submit():
        proven = token is not None and normalise_email(form.email.data) == email and bool(form.password.data)
        try:
            if proven:
                user = create_user(
                    db.session,
                    email=form.email.data,
                    name=form.name.data,
                    password=form.password.data,
                    timezone=form.timezone.data,
                )
                join(user)
            else:
                back = url_for("groups.invitation", token=token) if token else url_for("groups.join", code=code)
                request_signup(
                    db.session,
                    email=form.email.data,
                    name=form.name.data,
                    password=form.password.data,
                    timezone=form.timezone.data,
                    next_url=back,
                    browser_key=signup_code_key(form.email.data),
                    finish_next=True,  # they pressed "Create account and join"
                )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            if not proven:
                db.session.commit()
                return redirect(url_for("accounts.signup_code"))
            start_session(db.session, user)
            db.session.commit()
            return _joined(group)
    return _join_page(group, token=token, code=code, email=email, form=form, status=422)
