"""Absolute links for emails, built the same way inside a request and from the command line."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from werkzeug.routing import IntegerConverter, UnicodeConverter

from app.lib.columns import MAX_INTEGER


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


MAX_ID = MAX_INTEGER  # no id is larger, and a larger number would overflow a query


def is_possible_id(value: int | None) -> bool:
    """Whether a number read from a request (e.g. `?group=`) can be a database id, so it may reach a query."""
    return value is not None and 0 <= value <= MAX_ID


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: database ids, from 0 to MAX_ID. A larger number matches no route (a 404) instead of
    overflowing the query it would feed."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None, signed=False):  # noqa: A002
        super().__init__(
            map,
            fixed_digits=fixed_digits,
            min=0 if min is None else min,
            max=MAX_ID if max is None else max,
            signed=signed,
        )


class TextConverter(UnicodeConverter):
    """`<name>` and `<string:name>` in routes: any text but control characters (a NUL byte, which PostgreSQL cannot
    compare, or a line break), so a URL carrying one is a 404 rather than a failing query."""

    def __init__(self, map, minlength: int = 1, maxlength: int | None = None, length: int | None = None):
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]")
