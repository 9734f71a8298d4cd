"""The language menu: any page, any person, stays on the page it was chosen from.

Visitors follow a link (`GET /language?lang=es&next=…`): the choice is kept in a cookie, so it works without
JavaScript and on cached public pages. Signed-in people press a button (a POST with its CSRF token): the choice is
their profile's setting, which every device they sign in on then follows. An unknown language or an unsafe `next`
changes nothing and leads back to the catalogue, quietly.
"""

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from app.accounts import service
from app.extensions import db
from app.lib import languages
from app.lib.urls import is_safe_redirect

bp = Blueprint("language", __name__)


@bp.route("/language", methods=["GET", "POST"])
def choose():
    values = request.form if request.method == "POST" else request.args
    target = values.get("next")
    response = redirect(target if is_safe_redirect(target) else url_for("courses.catalogue"))
    chosen = languages.known(values.get("lang"))
    if chosen is None:
        return response
    if request.method == "POST" and current_user.is_authenticated:
        service.choose_language(db.session, current_user, chosen)
        db.session.commit()
    response.set_cookie(
        languages.COOKIE,
        chosen,
        max_age=languages.COOKIE_SECONDS,
        samesite="Lax",
        secure=request.is_secure,
        httponly=True,
    )
    return response
