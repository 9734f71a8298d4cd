"""Account rules: sign-up, authentication, password reset, profile."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.accounts.models import User, normalise_email
from app.lib.errors import DomainError
from app.lib.time import is_valid_timezone, now_utc
from app.lib.urls import external_url
from app.notifications.service import queue_email

PASSWORD_MIN = 8
PASSWORD_MAX = 256
LOCALES = ("en", "es", "pt", "fr")
_RESET_SALT = "password-reset"


def find_user_by_email(session: so.Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def check_password_rules(password: str, *, field: str = "password") -> None:
    if len(password or "") < PASSWORD_MIN:
        raise DomainError(_("Use at least %(n)s characters.", n=PASSWORD_MIN), field=field)
    if len(password) > PASSWORD_MAX:
        raise DomainError(_("Use at most %(n)s characters.", n=PASSWORD_MAX), field=field)


def _check_timezone(name: str) -> str:
    if not is_valid_timezone(name):
        raise DomainError(
            _("'%(zone)s' is not a time zone we know. Pick one from the list.", zone=name), field="timezone"
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
    email = normalise_email(email)
    if not email or "@" not in email:
        raise DomainError(_("Enter an email address."), field="email")
    if not (name or "").strip():
        raise DomainError(_("Enter your name."), field="name")
    check_password_rules(password)
    if find_user_by_email(session, email):
        raise DomainError(
            _("An account with this email already exists. Log in, or reset your password."), field="email"
        )
    user = User(
        email=email,
        name=name.strip(),
        timezone=_check_timezone(timezone),
        locale=locale if locale in LOCALES else "en",
        is_admin=is_admin,
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


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
        subject=_("Reset your Plenary password"),
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
    if not user.check_password(current_password):
        raise DomainError(_("Your current password is not right."), field="current_password")
    check_password_rules(new_password)
    user.set_password(new_password)
    user.session_version += 1
    session.flush()


def update_profile(session: so.Session, user: User, *, name: str, timezone: str, locale: str) -> None:
    if not (name or "").strip():
        raise DomainError(_("Enter your name."), field="name")
    user.name = name.strip()
    user.timezone = _check_timezone(timezone)
    user.locale = locale if locale in LOCALES else user.locale
    session.flush()


def load_user_from_cookie(session: so.Session, cookie_id: str) -> User | None:
    """Flask-Login's loader: the id carries the session version, so old cookies stop working after a reset."""
    user_id, _sep, version = (cookie_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user
