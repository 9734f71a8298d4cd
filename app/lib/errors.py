"""Domain errors raised by services, and the HTTP error pages and JSON errors."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A business rule said no. `message` is shown to the person; `field` names the form field it concerns."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    """The acting user may not see or change this object."""

    status_code = 403


def _wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _error_response(status: int, title: str, message: str, headers: dict[str, str] | None = None) -> Response:
    if _wants_json():
        response = jsonify(error=title, message=message, status=status)
    else:
        response = make_response(render_template("errors/error.html", status=status, title=title, message=message))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        titles = {403: _("Not allowed"), 404: _("Not found")}
        return _error_response(error.status_code, titles.get(error.status_code, _("Cannot do that")), error.message)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        return _error_response(
            400,
            _("Form expired"),
            _("This form was open too long or came from another site. Go back, reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        messages = {
            400: _("The request could not be understood."),
            403: _("You do not have access to this page."),
            404: _("There is nothing at this address. It may have moved, or the link may be mistyped."),
            405: _("This address does not accept that kind of request."),
            413: _("What you sent is too large. Files up to a few megabytes are accepted."),
            429: _("Too many attempts in a short time. Please wait a minute and try again."),
        }
        message = messages.get(error.code or 500, error.description or "")
        retry_after = {k: v for k, v in error.get_headers() if k.lower() == "retry-after"}
        return _error_response(error.code or 500, error.name, message, retry_after)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return _error_response(
            500, _("Something went wrong"), _("Something went wrong on our side. Nothing you saved was lost.")
        )
