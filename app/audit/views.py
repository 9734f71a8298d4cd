from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app.audit import service
from app.extensions import db
from app.notifications.service import outbox_status

bp = Blueprint("audit", __name__, template_folder="templates")


@bp.get("/admin/audit")
@login_required
def audit_log():
    action = request.args.get("action") or None
    events = service.recent_events(db.session, current_user, action=action)  # administrators only
    return render_template(
        "audit/log.html",
        events=events,
        actions=service.ACTIONS,
        subject_label=service.subject_label,
        details_labels=service.details_labels,
        action=action,
        outbox=outbox_status(db.session),
    )
