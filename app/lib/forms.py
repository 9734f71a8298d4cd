"""Putting a service's DomainError next to the form field it concerns."""

from flask import flash
from flask_wtf import FlaskForm

from app.lib.errors import DomainError


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Attach the message to its field when the form has it, else show it above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        form.form_errors.append(error.message)


def flash_error(error: DomainError) -> None:
    flash(error.message, "error")


def run_and_report(action, success_message: str) -> bool:
    """Run a service call for a button: commit and say so, or roll back and show the refusal's reason."""
    from app.extensions import db

    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return False
    db.session.commit()
    flash(success_message, "success")
    return True


class ActionForm(FlaskForm):
    """A button that changes something: it carries only the CSRF token."""
