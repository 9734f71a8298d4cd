"""Account rules: sign-up, authentication, password reset, profile."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.accounts import events
from app.accounts.models import PendingSignup, User, normalise_email
from app.accounts.reauth import require_proof
from app.audit import service as audit
from app.lib import languages
from app.lib.errors import DomainError
from app.lib.security import (
    EMAILED_CODE_MINUTES,
    EMAILED_CODE_WRONG_MAX,
    CodeCheck,
    check_emailed_code,
    hash_token,
    new_emailed_code,
)
from app.lib.text import clean_name, require_length
from app.lib.time import is_valid_timezone, now_utc
from app.lib.urls import external_url, is_safe_redirect
from app.notifications.service import queue_email

PASSWORD_MIN = 8
PASSWORD_MAX = 256
_RESET_SALT = "password-reset"


def find_user_by_email(session: so.Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == normalise_email(email)))


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords attackers try first (see the file's header for its source)."""
    text = (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_password_rules(password: str, *, field: str = "password") -> None:
    """Length only (no composition rules), and none of the most common passwords."""
    if len(password or "") < PASSWORD_MIN:
        raise DomainError(
            ngettext("Use at least %(n)s character.", "Use at least %(n)s characters.", PASSWORD_MIN, n=PASSWORD_MIN),
            field=field,
        )
    if len(password) > PASSWORD_MAX:
        raise DomainError(
            ngettext("Use at most %(n)s character.", "Use at most %(n)s characters.", PASSWORD_MAX, n=PASSWORD_MAX),
            field=field,
        )
    if password.strip().lower() in common_passwords():
        raise DomainError(
            _("This is one of the most common passwords, the first ones attackers try. Choose another."), field=field
        )


def _check_timezone(name: str) -> str:
    if not is_valid_timezone(name):
        raise DomainError(
            _("'%(zone)s' is not a time zone we know. Pick one from the list.", zone=str(name or "")[:64]),
            field="timezone",
        )
    return name


def create_user(
    session: so.Session,
    *,
    email: str,
    name: str,
    password: str,
    timezone: str = "UTC",
    locale: str = "en",
    is_admin: bool = False,
) -> User:
    """Create an account. Raises DomainError when the email is taken (in any letter case) or a value is invalid."""
    check_password_rules(password)  # accounts made here (the CLI, the demo) always have a password
    email = _validate_new_account(email, name, password, timezone)
    if find_user_by_email(session, email):
        raise DomainError(
            _("An account with this email already exists. Log in, or reset your password."), field="email"
        )
    user = User(
        email=email,
        name=clean_name(name),
        timezone=timezone,
        locale=languages.known(locale) or languages.DEFAULT_LANGUAGE,
        is_admin=is_admin,
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


SIGNUP_LINK_HOURS = 48
SIGNUP_CODE_MINUTES = EMAILED_CODE_MINUTES  # the code beside the link works for less time: it is only 6 digits
SIGNUP_WRONG_CODES_MAX = EMAILED_CODE_WRONG_MAX
NAME_MAX = 120  # users.name, pending_signups.name


def _check_email(email: str) -> str:
    """The normalised address, or a DomainError when it cannot be one (the `users.email` column holds 254)."""
    email = normalise_email(email)
    if not email or "@" not in email or len(email) > 254:
        raise DomainError(_("Enter an email address."), field="email")
    return email


def _validate_new_account(email: str, name: str, password: str, timezone: str) -> str:
    """Checks that reveal nothing about other accounts; returns the normalised email."""
    email = _check_email(email)
    if not clean_name(name):
        raise DomainError(_("Enter your name."), field="name")
    require_length(clean_name(name), NAME_MAX, "name")
    if password:  # empty: a passwordless account, signed in by emailed link or code
        check_password_rules(password)
    _check_timezone(timezone)
    return email


def request_signup(
    session: so.Session,
    *,
    email: str,
    name: str,
    password: str,
    timezone: str = "UTC",
    next_url: str = "",
    browser_key: str = "",
    finish_next: bool = False,
) -> None:
    """Start a sign-up: email a link that creates the account, or, when the address already has an account, an
    email saying so. The caller answers the same in both cases, so the form does not reveal who has an account.

    With a `browser_key` (the random key the asking browser keeps), the email also carries a 6-digit code that
    creates the account when typed in that browser (`complete_signup_by_code`), for SIGNUP_CODE_MINUTES. With
    `finish_next`, the person asked on the page of `next_url` for what it offers (to join a group): the confirmation
    finishes it (`accounts.events.signed_up`); else it only leads back there."""
    email = _validate_new_account(email, name, password, timezone)
    existing = find_user_by_email(session, email)
    if existing is not None:
        queue_email(
            session,
            to=email,
            locale=existing.locale,
            subject=_l("You already have a Plenary account"),
            template="accounts/email/already_registered",
            kind="signup_existing",
            user=existing,
            login_link=external_url("accounts.login"),
            reset_link=external_url("accounts.request_reset"),
        )
        return
    token = secrets.token_urlsafe(32)
    pending = PendingSignup(
        token_hash=hash_token(token),
        email=email,
        name=clean_name(name),
        password_hash="",
        timezone=timezone,
        next_url=next_url if is_safe_redirect(next_url) else "",
        finish_next=finish_next,
        expires_at=now_utc() + timedelta(hours=SIGNUP_LINK_HOURS),
    )
    if password:
        holder = User(email=email)
        holder.set_password(password)
        pending.password_hash = holder.password_hash
    code = ""
    if browser_key:
        code, pending.code_hash = new_emailed_code(pending.token_hash)
        pending.browser_hash = hash_token(browser_key)
    session.add(pending)
    session.flush()
    queue_email(
        session,
        to=email,
        locale=None,  # the language the person signs up in
        subject=_l("Confirm your email to finish joining Plenary"),
        template="accounts/email/confirm_signup",
        kind="signup_confirm",
        name=pending.name,
        hours=SIGNUP_LINK_HOURS,
        link=external_url("accounts.confirm_signup", token=token),
        code=code,
        code_minutes=SIGNUP_CODE_MINUTES,
    )


def find_pending_signup(session: so.Session, token: str) -> PendingSignup:
    pending = session.scalar(sa.select(PendingSignup).where(PendingSignup.token_hash == hash_token(token)))
    if pending is None:
        raise DomainError(_("This link is not valid or was already used. Sign up again."))
    if pending.expires_at <= now_utc():
        raise DomainError(_("This link has expired. Sign up again."))
    return pending


def complete_signup(session: so.Session, token: str, *, locale: str | None = None) -> tuple[User, str]:
    """Create the account from a confirmed sign-up link (it works once); returns the user and where to go next.
    `locale` is the language the person was using when they confirmed (their browser's or their pick)."""
    return _create_signed_up_account(session, find_pending_signup(session, token), locale)


def complete_signup_by_code(
    session: so.Session, browser_key: str, code: str, *, locale: str | None = None
) -> tuple[User, str]:
    """Create the account from the 6-digit code of the sign-up this browser started (`request_signup` with its
    `browser_key`); returns the user and where to go next, like `complete_signup`. A wrong code is counted on the
    sign-up (the caller commits it) and SIGNUP_WRONG_CODES_MAX of them spend the code; the link keeps working.
    Raises DomainError (field "code"). Without a sign-up from this browser — or when the address had an account,
    so no code was sent — the answer is the same as for a wrong code."""
    pending = None
    if browser_key:
        pending = session.scalar(
            sa.select(PendingSignup)
            .where(PendingSignup.browser_hash == hash_token(browser_key), PendingSignup.code_hash != "")
            .order_by(PendingSignup.id.desc())
            .limit(1)
        )
    outcome = _check_signup_code(session, pending, code)
    if outcome is CodeCheck.MALFORMED:
        raise DomainError(_("The code is the 6 digits from the email."), field="code")
    if outcome is CodeCheck.WRONG:
        raise DomainError(_("That code is not right. Check the email and try again."), field="code")
    if outcome in (CodeCheck.SPENT, CodeCheck.EXPIRED):
        raise DomainError(
            _("This code no longer works. Open the link in the email instead, or sign up again."), field="code"
        )
    if outcome is CodeCheck.WRONG_AND_SPENT:
        raise DomainError(
            _("Too many wrong codes: this one no longer works. Open the link in the email instead."), field="code"
        )
    return _create_signed_up_account(session, pending, locale)


def _check_signup_code(session: so.Session, pending: PendingSignup | None, code: str) -> CodeCheck:
    """The shared rules of emailed codes (app/lib/security.py); the code also ends with the sign-up's link. A wrong
    code is counted on the sign-up. Without a sign-up, a code is checked against one that nothing matches: it is
    refused as malformed or wrong, the same answers as when there is one."""
    if pending is None:
        return check_emailed_code(code, salt="", code_hash="", issued_at=now_utc(), wrong_tries=0)
    outcome = check_emailed_code(
        code,
        salt=pending.token_hash,
        code_hash=pending.code_hash,
        issued_at=pending.created_at,
        expires_at=pending.expires_at,
        wrong_tries=pending.wrong_codes,
    )
    if outcome in (CodeCheck.WRONG, CodeCheck.WRONG_AND_SPENT):
        pending.wrong_codes += 1
        session.flush()
    return outcome


def _create_signed_up_account(session: so.Session, pending: PendingSignup, locale: str | None) -> tuple[User, str]:
    """The account a confirmed sign-up stands for. The domains above may finish what the person set out to do on
    the way (join the group whose invitation they signed up from) and say where to go instead of `next_url`."""
    if find_user_by_email(session, pending.email):
        raise DomainError(_("An account with this email already exists. Log in, or reset your password."))
    user = User(
        email=pending.email,
        name=pending.name,
        password_hash=pending.password_hash or None,
        timezone=pending.timezone,
        locale=languages.known(locale) or languages.DEFAULT_LANGUAGE,
        email_confirmed_at=now_utc(),
    )
    session.add(user)
    next_url, finish_next = pending.next_url, pending.finish_next
    session.execute(sa.delete(PendingSignup).where(PendingSignup.email == pending.email))
    session.flush()
    if not finish_next:
        return user, next_url
    answers = [where for _receiver, where in events.signed_up.send(user, session=session, next_url=next_url) if where]
    return user, answers[0] if answers else next_url


def authenticate(session: so.Session, email: str, password: str) -> User:
    """The user with this email and password. Raises one DomainError for every failure, so as not to
    reveal which emails have accounts."""
    user = find_user_by_email(session, email)
    if user is None or not user.check_password(password):
        raise DomainError(_("That email and password do not match an account."))
    user.last_login_at = now_utc()
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def _password_fingerprint(user: User) -> str:
    # Binding the token to the current hash makes it work once: after a reset the hash changes.
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "fp": _password_fingerprint(user)})


def request_password_reset(session: so.Session, email: str) -> None:
    """Email a reset link if an account has this email. Says nothing either way, so callers answer the same."""
    user = find_user_by_email(session, email)
    if user is None:
        return
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600 or 1
    queue_email(
        session,
        to=user.email,
        locale=user.locale,
        subject=_l("Reset your Plenary password"),
        template="accounts/email/reset_password",
        kind="password_reset",
        user=user,
        hours=hours,
        link=external_url("accounts.reset_password", token=make_reset_token(user)),
    )


def user_for_reset_token(session: so.Session, token: str) -> User:
    """The user a reset token belongs to. Raises DomainError if it is forged, expired or already used."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise DomainError(_("This reset link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise DomainError(_("This reset link is not valid. Ask for a new one.")) from None
    user = session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or data.get("fp") != _password_fingerprint(user):
        raise DomainError(_("This reset link has already been used. Ask for a new one."))
    return user


def reset_password(session: so.Session, token: str, new_password: str) -> User:
    """Set a new password from a reset link; signs the user out of every other session."""
    user = user_for_reset_token(session, token)
    check_password_rules(new_password)
    user.set_password(new_password)
    user.session_version += 1
    session.flush()
    return user


def change_password(session: so.Session, user: User, current_password: str, new_password: str) -> None:
    """Change a password after checking the current one; other sessions are signed out."""
    require_proof(session, user, current_password, field="current_password")  # or the emailed code, without one
    check_password_rules(new_password)
    user.set_password(new_password)
    user.session_version += 1
    session.flush()


EMAIL_CHANGE_HOURS = 48


def _email_change_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-change-confirm")


def change_email(session: so.Session, user: User, password: str, new_email: str) -> None:
    """Ask to move the account to a new address, after checking the password. Nothing changes yet: the new address
    gets a link that makes the change (`confirm_email_change`), so only someone who reads it can.

    When another account already uses the address, its owner is told that someone tried, and nothing else happens.
    The caller answers the same in both cases, so the form does not reveal who has an account. Raises DomainError
    for a wrong password, an address that cannot be one, or the account's own address."""
    require_proof(session, user, password)  # or the emailed code, for a person without a password
    email = _check_email(new_email)
    if email == user.email:
        raise DomainError(_("This is already your email address."), field="email")
    owner = find_user_by_email(session, email)
    if owner is not None:
        queue_email(
            session,
            to=email,
            locale=owner.locale,
            subject=_l("Someone tried to use your address for another Plenary account"),
            template="accounts/email/email_change_taken",
            kind="email_change_taken",
            user=owner,
            login_link=external_url("accounts.login"),
        )
        return
    queue_email(
        session,
        to=email,
        locale=user.locale,
        subject=_l("Confirm your new email address for Plenary"),
        template="accounts/email/confirm_email_change",
        kind="email_change_confirm",
        name=user.name,
        new_email=email,
        hours=EMAIL_CHANGE_HOURS,
        link=external_url(
            "accounts.confirm_email_change", token=_email_change_serializer().dumps([user.id, user.email, email])
        ),
    )


def user_for_email_change(session: so.Session, token: str) -> tuple[User, str]:
    """The account and new address a confirmation link stands for. Raises DomainError when the link is forged,
    expired, or already used (the account's address is no longer the one it was sent from)."""
    try:
        user_id, old, new = _email_change_serializer().loads(token, max_age=EMAIL_CHANGE_HOURS * 3600)
    except (BadSignature, ValueError, TypeError):
        raise DomainError(_("This link is not valid or has expired. Ask for the change again.")) from None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.email != old:
        raise DomainError(_("This link was already used, or the address was changed since. Ask again if needed."))
    return user, new


def confirm_email_change(session: so.Session, token: str) -> User:
    """Make the change a confirmation link stands for (it works once); the old address is told, with a link to undo
    it, in case it was not its owner who asked. Raises DomainError as `user_for_email_change`, or when another
    account took the address in the meantime."""
    user, email = user_for_email_change(session, token)
    if find_user_by_email(session, email):
        raise DomainError(_("Another account now uses this address, so it cannot be yours here too."))
    old = user.email
    user.email = email
    user.email_confirmed_at = now_utc()
    session.flush()
    audit.record(session, user, "account.email_changed", f"user {user.id}", old=old, new=email)
    queue_email(
        session,
        to=old,
        locale=user.locale,
        subject=_l("Your Plenary account now uses another email address"),
        template="accounts/email/email_changed",
        kind="email_changed",
        user=user,
        new_email=email,
        undo_link=external_url("accounts.undo_email_change", token=_undo_serializer().dumps([user.id, old, email])),
        days=EMAIL_UNDO_DAYS,
    )
    return user


EMAIL_UNDO_DAYS = 14


def _undo_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-change-undo")


def undo_email_change(session: so.Session, token: str) -> User:
    """Put the old address back from the link sent to it, sign the account out everywhere and send the old
    address a password reset link: whoever changed the email knew the password."""
    try:
        user_id, old, new = _undo_serializer().loads(token, max_age=EMAIL_UNDO_DAYS * 24 * 3600)
    except (BadSignature, ValueError, TypeError):
        raise DomainError(_("This link is not valid or has expired.")) from None
    user = session.get(User, user_id)
    if user is None or user.email != new:
        raise DomainError(_("This change was already undone or replaced by another one."))
    if find_user_by_email(session, old):
        raise DomainError(_("Another account now uses your old address. Please write to the administrators."))
    user.email = old
    user.session_version += 1
    session.flush()
    request_password_reset(session, old)
    return user


def choose_language(session: so.Session, user: User, code: str | None) -> str | None:
    """Keep `code` as the person's language when the site offers it; returns the language kept, or None."""
    chosen = languages.known(code)
    if chosen is not None:
        user.locale = chosen
        session.flush()
    return chosen


def update_profile(session: so.Session, user: User, *, name: str, timezone: str, locale: str) -> None:
    name = clean_name(name)
    if not name:
        raise DomainError(_("Enter your name."), field="name")
    user.name = require_length(name, NAME_MAX, "name")
    user.timezone = _check_timezone(timezone)
    user.locale = languages.known(locale) or user.locale
    session.flush()
