"""Signing in by an emailed link or 6-digit code, and the emailed code that stands in for a password.

A request makes one `EmailedToken`: a random link token and a random 6-digit code, stored only as hashes, valid
for TOKEN_MINUTES and once. The link works on any device (through its confirmation page: only a POST spends it);
the code only on the browser that asked, which holds a random key whose hash the row keeps. WRONG_CODES_MAX wrong
codes burn the request. Whether or not an address has an account, the caller answers the same: the email (or
nothing) goes through the outbox, never SMTP during the request."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.accounts.models import User
from app.accounts.service import find_user_by_email
from app.lib.errors import DomainError
from app.lib.security import (
    EMAILED_CODE_MINUTES,
    EMAILED_CODE_WRONG_MAX,
    CodeCheck,
    check_emailed_code,
    hash_token,
    new_emailed_code,
)
from app.lib.time import now_utc
from app.lib.urls import external_url, safe_redirect_or_empty
from app.notifications.service import queue_email
from app.signin.models import EmailedToken

TOKEN_MINUTES = EMAILED_CODE_MINUTES  # the link lives as long as the code beside it
WRONG_CODES_MAX = EMAILED_CODE_WRONG_MAX
SIGN_IN = "sign_in"
CONFIRM = "confirm"
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")


class TokenRefused(DomainError):
    """A link or code that cannot be used; `status_code` says why (400 malformed, 404 unknown, 410 spent)."""

    def __init__(self, message: str, status_code: int):
        super().__init__(message, field="code")
        self.status_code = status_code


def new_browser_key() -> str:
    """The random key a browser keeps in its session to show it is the one that asked for a code."""
    return secrets.token_urlsafe(32)


def _issue(session: so.Session, user: User, purpose: str, browser_key: str, next_url: str) -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    token_hash = hash_token(token)
    code, code_hash = new_emailed_code(token_hash)
    # A new request replaces this person's earlier ones of the same purpose: only the latest email works.
    session.execute(sa.delete(EmailedToken).where(EmailedToken.user_id == user.id, EmailedToken.purpose == purpose))
    session.add(
        EmailedToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash,
            code_hash=code_hash,
            browser_hash=hash_token(browser_key),
            next_url=safe_redirect_or_empty(next_url),
            expires_at=now_utc() + timedelta(minutes=TOKEN_MINUTES),
        )
    )
    session.flush()
    return token, code


def request_sign_in(session: so.Session, email: str, browser_key: str, next_url: str = "") -> None:
    """Email a sign-in link and code if an account uses this address; nothing otherwise. Says nothing either way."""
    user = find_user_by_email(session, email)
    if user is None:
        return
    token, code = _issue(session, user, SIGN_IN, browser_key, next_url)
    queue_email(
        session,
        to=user.email,
        locale=user.locale,
        subject=_l("Your link to sign in to Plenary"),
        template="signin/email/sign_in",
        kind="sign_in_link",
        name=user.name,
        code=code,
        minutes=TOKEN_MINUTES,
        link=external_url("signin.confirm_link", token=token),
    )


def request_confirm_code(session: so.Session, user: User, browser_key: str) -> None:
    """Email a 6-digit code that stands in for the password of a person who has none, before a sensitive change."""
    _token, code = _issue(session, user, CONFIRM, browser_key, "")
    queue_email(
        session,
        to=user.email,
        locale=user.locale,
        subject=_l("Your code to confirm a change to your Plenary account"),
        template="signin/email/confirm_code",
        kind="confirm_code",
        name=user.name,
        code=code,
        minutes=TOKEN_MINUTES,
        link=external_url("accounts.profile"),
    )


def _already_used() -> TokenRefused:
    return TokenRefused(_("This sign-in link or code has already been used. Ask for a new one."), 410)


def _expired() -> TokenRefused:
    return TokenRefused(
        ngettext(
            "This sign-in link or code has expired (they work for %(n)s minute). Ask for a new one.",
            "This sign-in link or code has expired (they work for %(n)s minutes). Ask for a new one.",
            TOKEN_MINUTES,
            n=TOKEN_MINUTES,
        ),
        410,
    )


def _usable(row: EmailedToken | None) -> EmailedToken:
    if row is None:
        raise TokenRefused(
            _("This sign-in link is not one we sent, or a newer one replaced it. Ask for a new one."), 404
        )
    if row.used_at is not None or row.wrong_codes >= WRONG_CODES_MAX:
        raise _already_used()
    if row.expires_at <= now_utc():
        raise _expired()
    return row


def find_link(session: so.Session, token: str) -> EmailedToken:
    """The sign-in request an emailed link belongs to, without spending it. Raises TokenRefused."""
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        raise TokenRefused(_("This sign-in link is not complete or not valid. Ask for a new one."), 400)
    row = session.scalar(
        sa.select(EmailedToken).where(EmailedToken.token_hash == hash_token(token), EmailedToken.purpose == SIGN_IN)
    )
    return _usable(row)


def use_link(session: so.Session, token: str) -> tuple[User, str]:
    """Spend a sign-in link: the person and where they were going. Raises TokenRefused."""
    row = find_link(session, token)
    return _spend(row)


def _spend(row: EmailedToken) -> tuple[User, str]:
    row.used_at = now_utc()
    row.user.last_login_at = row.used_at
    row.user.email_confirmed_at = row.used_at  # the person read mail sent to the address
    return row.user, row.next_url


def _pending_for_browser(session: so.Session, browser_key: str, purpose: str) -> EmailedToken | None:
    if not browser_key:
        return None
    return session.scalar(
        sa.select(EmailedToken)
        .where(EmailedToken.browser_hash == hash_token(browser_key), EmailedToken.purpose == purpose)
        .order_by(EmailedToken.id.desc())
        .limit(1)
    )


def _check_code(row: EmailedToken, code: str, *, count_here: bool = True) -> EmailedToken:
    """The row when `code` is its code (app/lib/security.py has the rules); else TokenRefused. A wrong code is
    counted on the row unless the caller counts it (`count_here=False`)."""
    outcome = check_emailed_code(
        code,
        salt=row.token_hash,
        code_hash=row.code_hash,
        issued_at=row.created_at,
        expires_at=row.expires_at,
        wrong_tries=row.wrong_codes,
        used=row.used_at is not None,
    )
    if outcome is CodeCheck.RIGHT:
        return row
    if outcome is CodeCheck.MALFORMED:
        raise TokenRefused(_("The code is the 6 digits from the email."), 400)
    if outcome is CodeCheck.SPENT:
        raise _already_used()
    if outcome is CodeCheck.EXPIRED:
        raise _expired()
    if count_here:
        row.wrong_codes += 1
    if outcome is CodeCheck.WRONG_AND_SPENT:
        raise TokenRefused(_("Too many wrong codes: this one no longer works. Ask for a new one."), 410)
    raise TokenRefused(_("That code is not right. Check the email and try again."), 400)


def use_code(session: so.Session, browser_key: str, code: str) -> tuple[User, str]:
    """Spend the sign-in code this browser asked for. Wrong codes are counted (commit them). Raises TokenRefused.

    Without a request from this browser — no account at the address, or another browser — the code is refused
    like a wrong one, so the page does not tell which addresses have accounts."""
    row = _pending_for_browser(session, browser_key, SIGN_IN)
    if row is None:
        raise TokenRefused(_("That code is not right. Check the email and try again."), 400)
    return _spend(_check_code(row, code))


def pending_confirmation(session: so.Session, user: User, browser_key: str) -> EmailedToken | None:
    row = _pending_for_browser(session, browser_key, CONFIRM)
    return row if row is not None and row.user_id == user.id else None


def use_confirm_code(session: so.Session, user: User, browser_key: str, code: str) -> None:
    """Spend this person's emailed confirmation code (in place of a password). Raises TokenRefused."""
    row = pending_confirmation(session, user, browser_key)
    if row is None:
        raise TokenRefused(_("Ask for a code by email first, then type it here."), 400)
    # A wrong code is counted by the caller, after the form's transaction is rolled back (app/signin/confirm.py).
    _check_code(row, code, count_here=False).used_at = now_utc()


def purge_expired(session: so.Session) -> int:
    """Delete requests that expired or were used; how many."""
    result = session.execute(
        sa.delete(EmailedToken).where(sa.or_(EmailedToken.expires_at <= now_utc(), EmailedToken.used_at.is_not(None)))
    )
    return result.rowcount or 0
