"""Proving it is really you before a sensitive change (email, password, two-step settings, deleting the account).

A person with a password types it. A person without one (signed up by email, or through an identity provider)
types instead a 6-digit code emailed on request: the higher app.signin registers that check here at start-up
(`register_alternative`), as this domain may not import it."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.accounts.models import User
from app.lib.errors import DomainError

Alternative = Callable[[so.Session, User, str], bool]
_alternatives: list[Alternative] = []


def register_alternative(check: Alternative) -> None:
    if check not in _alternatives:
        _alternatives.append(check)


def require_proof(session: so.Session, user: User, secret: str | None, *, field: str = "password") -> None:
    """Raise DomainError on `field` unless `secret` is this person's password, or, for a person without one, a
    proof an alternative accepts (the emailed code)."""
    if user.password_hash:
        if not user.check_password(secret or ""):
            raise DomainError(_("Your password is not right."), field=field)
        return
    if not any(check(session, user, secret or "") for check in _alternatives):
        raise DomainError(_("That code is not right, or it expired. Ask for a new one by email."), field=field)
