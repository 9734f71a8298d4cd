"""Signing in through an identity provider: the buttons' start, the provider's callback, the emailed link
confirmation, removing a link from the profile, and the administrators' list of ways in. The rules are in
app/oidc/service.py; talking to providers in app/oidc/client.py; staff's required provider in app/oidc/staff.py."""

from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from limits import parse_many

from app.accounts.views import finish_sign_in
from app.extensions import db, limiter
from app.lib.errors import DomainError, Forbidden
from app.lib.forms import ActionForm
from app.lib.urls import external_url, safe_redirect_or_empty
from app.oidc import service, staff
from app.oidc.client import (
    ProviderFailed,
    authorization_redirect,
    configured_providers,
    provider_named,
    verified_claims,
)

bp = Blueprint("oidc", __name__, template_folder="templates")
_FLOW = "oidc_flow"


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _may_email_confirmation(user) -> bool:
    """The limit per account on the emailed confirmations that link a provider to an existing account (the same
    figures as sign-in links per address), on top of the per-client limit on the callback: whoever controls many
    provider accounts, or many clients, still cannot flood one person's inbox. Counted per account, not address."""
    if not limiter.enabled:
        return True
    key = ("oidc-link-confirmation", str(user.id))
    items = parse_many(current_app.config["SIGN_IN_LINK_RATE_LIMIT"])
    full = [item for item in items if not limiter.limiter.hit(item, *key)]
    if full:  # for the 429's Retry-After: when the longest of the full windows frees a place
        g.confirmation_retry_after = max(int(limiter.limiter.get_window_stats(i, *key).reset_time) for i in full)
    return not full


def _provider_or_404(name: str):
    return provider_named(name) or abort(404)


def _problem(message: str, status: int):
    return render_template("oidc/problem.html", message=message), status


def _begin(provider, *, linking: bool, next_url: str, **extra):
    session[_FLOW] = {"provider": provider.name, "linking": linking, "next": safe_redirect_or_empty(next_url)}
    try:
        return authorization_redirect(provider, external_url("oidc.callback", provider=provider.name), **extra)
    except ProviderFailed as failure:
        session.pop(_FLOW, None)
        return _problem(failure.message, failure.status)


# The buttons are links, not forms: the page's CSP (`form-action 'self'`) would stop a form's redirect to the provider
# in the browser. Starting changes nothing but this browser's session; only the callback, with the state this browser
# holds, can sign anyone in or link anything.
@bp.get("/oidc/<provider>/start")
@limiter.limit(_login_limit)
def start(provider: str):
    """A "Sign in with …" button: off to the provider, with PKCE (S256), state and nonce."""
    return _begin(_provider_or_404(provider), linking=False, next_url=request.args.get("next", ""))


@bp.get("/profile/providers/<provider>/link")
@login_required
@limiter.limit(_login_limit)
def start_link(provider: str):
    """ "Link …" on the profile. The provider is asked to show its consent screen, so a link forced on someone by
    another site cannot complete without them seeing it."""
    return _begin(_provider_or_404(provider), linking=True, next_url=url_for("accounts.profile"), prompt="consent")


@bp.get("/oidc/<provider>/callback")
@limiter.limit(_login_limit)
def callback(provider: str):
    """Where the provider sends the person back. Authlib checks `state`, swaps the code (with the PKCE verifier) and
    verifies the ID token; then the account rules decide what the answer opens."""
    found = _provider_or_404(provider)
    try:
        claims = verified_claims(found)
    except ProviderFailed as failure:
        session.pop(_FLOW, None)
        return _problem(failure.message, failure.status)
    flow = session.pop(_FLOW, None)
    if not isinstance(flow, dict) or flow.get("provider") != found.name:
        return _problem(_("This sign-in was not started here. Start again from the log-in page."), 400)
    signed_in = current_user._get_current_object() if current_user.is_authenticated else None
    try:
        outcome = service.handle_callback(
            db.session,
            found,
            claims,
            signed_in=signed_in,
            linking=bool(flow.get("linking")),
            next_url=flow["next"],
            may_email=_may_email_confirmation,
        )
    except DomainError as error:
        db.session.rollback()
        page, status = _problem(error.message, error.status_code)
        if isinstance(error, service.TooManyConfirmations):
            return page, status, {"Retry-After": str(max(1, g.confirmation_retry_after - int(time.time())))}
        return page, status
    if outcome.kind in {"linked", "already_linked"}:
        db.session.commit()
        flash(_("%(provider)s is linked: you can sign in with it.", provider=found.display_name), "success")
        return redirect(url_for("accounts.profile"))
    if outcome.kind == "confirmation_sent":
        db.session.commit()
        return render_template("oidc/check_email.html", email=outcome.email, provider=found.display_name)
    response = staff.signed_in_through(finish_sign_in(outcome.user, flow["next"]), outcome.user, found)
    if outcome.kind == "created":  # after signing in, which starts a fresh session (and would drop the message)
        flash(_("Welcome to Plenary, %(name)s.", name=outcome.user.name), "success")
    return response


@bp.route("/oidc/link/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def confirm_link(token: str):
    """Opened from the emailed confirmation. GET only asks (mail scanners open links); the POST links and signs in."""
    try:
        pending = service.find_pending_link(db.session, token)
    except DomainError as error:
        return _problem(error.message, 400)
    provider = provider_named(pending.provider)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            user, next_url = service.confirm_link(db.session, token, provider)
        except DomainError as error:
            db.session.commit()  # the token is spent either way
            return _problem(error.message, 400)
        response = staff.signed_in_through(finish_sign_in(user, next_url), user, provider)
        flash(_("%(provider)s is linked: you can sign in with it.", provider=provider.display_name), "success")
        return response
    name = provider.display_name if provider else pending.provider
    return render_template("oidc/confirm_link.html", form=form, pending=pending, provider_name=name)


@bp.post("/profile/providers/<int:identity_id>/remove")
@login_required
def unlink(identity_id: int):
    if ActionForm().validate_on_submit():
        try:
            identity = service.unlink(db.session, current_user, identity_id)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("accounts.profile"))
        db.session.commit()
        known = provider_named(identity.provider)
        flash(
            _("%(provider)s is no longer linked.", provider=known.display_name if known else identity.provider),
            "success",
        )
    return redirect(url_for("accounts.profile"))


@bp.get("/admin/ways-in")
@login_required
def ways_in():
    if not current_user.is_admin:
        raise Forbidden(_("Only administrators can see this page."))
    return render_template(
        "oidc/ways_in.html",
        rows=service.ways_in_of_everyone(db.session, configured_providers()),
        required=current_app.config.get("OIDC_REQUIRE_PROVIDER_FOR_STAFF") or "",
        email_sign_in=bool(current_app.config.get("SIGN_IN_BY_EMAIL", True)),
    )


@bp.app_context_processor
def provider_buttons():
    """For the log-in, sign-up, invitation, join-link and profile pages: the configured providers (no secrets)."""
    if "plenary_oidc" not in current_app.extensions:
        return {"oidc_providers": []}

    def linked_identities():
        return service.identities_of(db.session, current_user) if current_user.is_authenticated else []

    providers = [{"name": p.name, "display_name": p.display_name} for p in configured_providers().values()]
    return {"oidc_providers": providers, "oidc_linked_identities": linked_identities}
