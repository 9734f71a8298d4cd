from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.forms import DeleteAccountForm
from app.accounts.sessions import end_session
from app.extensions import db
from app.lib.errors import DomainError
from app.lib.forms import show_error
from app.privacy import service

bp = Blueprint("privacy", __name__, template_folder="templates")


@bp.get("/account/data")
@login_required
def my_data():
    return render_template("privacy/my_data.html", form=DeleteAccountForm())


@bp.get("/account/data.json")
@login_required
def my_data_json():
    data = service.export_personal_data(db.session, current_user)
    db.session.commit()
    response = jsonify(data)
    response.headers["Content-Disposition"] = 'attachment; filename="plenary-my-data.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/account/delete")
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            service.delete_account(
                db.session, current_user._get_current_object(), form.password.data, form.confirmation.data
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            end_session(db.session)
            db.session.commit()
            flash(_("Your account is deleted. Thank you for organizing with us."), "success")
            return redirect(url_for("courses.catalogue"))
    return render_template("privacy/my_data.html", form=form), 422
