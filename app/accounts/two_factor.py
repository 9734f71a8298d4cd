"""Two-step sign-in with a time-based one-time code (TOTP, RFC 6238) from an authenticator app.

Optional for everyone; a deployment can require it of trainers and administrators (REQUIRE_TWO_FACTOR_FOR_STAFF).
A code is accepted once (the last accepted time step is stored), and ten one-time recovery codes (stored hashed)
let a person in who lost their phone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import sqlalchemy.orm as so
from flask_babel import gettext as _
from markupsafe import Markup

from app.accounts import events
from app.accounts.models import User
from app.accounts.reauth import require_proof
from app.audit import service as audit
from app.lib.errors import DomainError
from app.lib.time import now_utc

ISSUER = "Plenary"
RECOVERY_CODES = 10
_STEP_SECONDS = 30


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def begin_setup(session: so.Session, user: User) -> str:
    """Give the person a new secret to add to their app (not active until they confirm a code from it)."""
    if user.has_two_factor:
        raise DomainError(_("Two-step sign-in is already on."))
    user.totp_secret = pyotp.random_base32()
    session.flush()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(user: User) -> Markup:
    """The setup link as an inline SVG QR code (drawn here: nothing is fetched from elsewhere)."""
    import segno  # only this page draws a QR code; the module costs a twentieth of a second at start-up

    svg = segno.make(provisioning_uri(user), error="m").svg_inline(
        scale=4, title=_("QR code for your authenticator app")
    )
    return Markup(svg)  # noqa: S704 - segno writes the SVG itself; its only text is the escaped title


def _accept_totp(user: User, code: str, at: float | None = None) -> bool:
    """Whether `code` is valid now (or one step either side, for clocks that drift) and newer than the last used."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6 or not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = at if at is not None else time.time()
    current_step = int(now // _STEP_SECONDS)
    for step in (current_step - 1, current_step, current_step + 1):
        if hmac.compare_digest(totp.at(step * _STEP_SECONDS), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # already used: a code observed over someone's shoulder cannot be replayed
            user.totp_last_step = step
            return True
    return False


def confirm_setup(session: so.Session, user: User, code: str, at: float | None = None) -> list[str]:
    """Turn two-step sign-in on once the person proves their app works; returns the recovery codes (shown once)."""
    if user.has_two_factor:
        raise DomainError(_("Two-step sign-in is already on."))
    if not user.totp_secret:
        raise DomainError(_("Start the setup again."))
    if not _accept_totp(user, code, at):
        raise DomainError(
            _("That code is not right. Check the time on your phone and try the newest code."), field="code"
        )
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(RECOVERY_CODES)]
    user.recovery_code_hashes = [_hash_code(c) for c in codes]
    user.totp_enabled_at = now_utc()
    session.flush()
    audit.record(session, user, "account.two_factor_changed", f"user {user.id}", state="on")
    return codes


def verify(session: so.Session, user: User, code: str, at: float | None = None) -> None:
    """Check a sign-in code or a recovery code (which then stops working). Raises DomainError otherwise."""
    if _accept_totp(user, code, at):
        session.flush()
        return
    hashed = _hash_code(code or "")
    if hashed in (user.recovery_code_hashes or []):
        user.recovery_code_hashes = [h for h in user.recovery_code_hashes if h != hashed]
        session.flush()
        return
    raise DomainError(_("That code is not right."), field="code")


def disable(session: so.Session, user: User, password: str, code: str) -> None:
    """Turn two-step sign-in off: with the password and a current code, so an open browser is not enough."""
    require_proof(session, user, password)  # or the emailed code, for a person without a password
    verify(session, user, code)
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.recovery_code_hashes = []
    session.flush()
    audit.record(session, user, "account.two_factor_changed", f"user {user.id}", state="off")


def is_staff(session: so.Session, user: User) -> bool:
    """Administrators and anyone who trains a course or a cohort (those domains answer: app/accounts/events.py)."""
    return user.is_admin or any(answer for _receiver, answer in events.staff_role_asked.send(user, session=session))
