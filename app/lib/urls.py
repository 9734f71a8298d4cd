"""Absolute links for emails, built the same way inside a request and from the command line."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for `endpoint`, for emails.

    BASE_URL wins when set, so a forged Host header can never put someone else's site into a reset link.
    Without it, a request's own host is used, and outside a request (CLI, workers) http://127.0.0.1:5000.
    """
    base = current_app.config.get("BASE_URL")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = base or "http://127.0.0.1:5000"
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def is_safe_redirect(target: str | None) -> bool:
    """Only same-site paths: a login link must never send someone to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
