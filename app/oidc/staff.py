"""OIDC_REQUIRE_PROVIDER_FOR_STAFF=<provider>: trainers and administrators may use the site only in a session that
was opened through that provider. The session remembers (in its signed cookie, with the account's id) which
provider opened it; a staff session opened any other way (a password, an emailed link, another provider) is ended
at its first request, with a message saying how to sign in."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.sessions import end_session
from app.accounts.two_factor import is_staff
from app.extensions import db
from app.oidc.providers import Provider

SIGNED_IN_VIA = "oidc_signed_in_via"
_TWO_FACTOR_PENDING = "two_factor_pending"  # app.accounts.views: the sign-in waits for the two-step code
_ALLOWED = {"static", "health.healthz", "accounts.logout", "oidc.start", "oidc.callback"}


def signed_in_through(response, user, provider: Provider | None):
    """Note on this browser's session that `user` signed in through `provider`; returns `response` unchanged."""
    if provider is not None:
        session[SIGNED_IN_VIA] = {"uid": user.id, "provider": provider.name}
    return response


def _opened_through(provider_name: str) -> bool:
    marker = session.get(SIGNED_IN_VIA)
    return isinstance(marker, dict) and marker.get("uid") == current_user.id and marker.get("provider") == provider_name


def keep_marker_through_two_step_code() -> None:
    """The two-step code page starts a fresh session (dropping the cookie's contents): carry the note across."""
    if request.endpoint == "accounts.login_code" and isinstance(session.get(SIGNED_IN_VIA), dict):
        g.oidc_signed_in_via = session[SIGNED_IN_VIA]


def restore_marker(response):
    marker = g.pop("oidc_signed_in_via", None)
    if marker and _TWO_FACTOR_PENDING not in session and SIGNED_IN_VIA not in session:
        user_id = str(session.get("_user_id") or "")
        if user_id.split(":")[0] == str(marker.get("uid")):
            session[SIGNED_IN_VIA] = marker
    return response


def require_provider_for_staff():
    required = (current_app.config.get("OIDC_REQUIRE_PROVIDER_FOR_STAFF") or "").strip().lower()
    if not required or request.endpoint in _ALLOWED or not current_user.is_authenticated or _opened_through(required):
        return None
    if not is_staff(db.session, current_user):
        return None
    provider = current_app.extensions["plenary_oidc"]["providers"][required]
    end_session(db.session)
    db.session.commit()
    flash(
        _(
            'Trainers and administrators sign in here with %(provider)s only. Use the "Sign in with %(provider)s" '
            "button; the first time, we email you to confirm the link to your account.",
            provider=provider.display_name,
        ),
        "error",
    )
    return redirect(url_for("accounts.login"))


def init_app(app) -> None:
    app.before_request(keep_marker_through_two_step_code)
    app.after_request(restore_marker)
    app.before_request(require_provider_for_staff)
