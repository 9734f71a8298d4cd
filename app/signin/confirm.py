"""The emailed 6-digit code that stands in for the password of a person who has none (app/accounts/reauth.py).

The code works only in the browser that asked for it (its key is in this browser's session). A wrong code counts
against the request even though the form's own transaction is rolled back: the count is written after the view."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, g, session

from app.accounts.models import User
from app.accounts.reauth import register_alternative
from app.extensions import db
from app.signin import service
from app.signin.models import EmailedToken

CONFIRM_KEY = "confirm_code_key"


def ask_for_code(user: User) -> None:
    """Email this person a confirmation code, usable from this browser. The caller commits."""
    key = service.new_browser_key()
    service.request_confirm_code(db.session, user, key)
    session[CONFIRM_KEY] = key


def emailed_code_proves(db_session: so.Session, user: User, code: str) -> bool:
    try:
        service.use_confirm_code(db_session, user, session.get(CONFIRM_KEY, ""), code)
    except service.TokenRefused:
        row = service.pending_confirmation(db_session, user, session.get(CONFIRM_KEY, ""))
        if row is not None:
            g.setdefault("wrong_confirm_codes", []).append(row.id)
        return False
    return True


def _count_wrong_codes(response):
    for row_id in g.pop("wrong_confirm_codes", []):
        db.session.rollback()
        db.session.execute(
            sa.update(EmailedToken).where(EmailedToken.id == row_id).values(wrong_codes=EmailedToken.wrong_codes + 1)
        )
        db.session.commit()
    return response


def init_app(app: Flask) -> None:
    register_alternative(emailed_code_proves)
    app.after_request(_count_wrong_codes)
