"""Absolute links for emails and calendars, built the same way inside a request and from the command line; which
redirect targets are safe."""

from urllib.parse import quote, urlencode, urlsplit

from flask import current_app, request
from werkzeug.routing import IntegerConverter, UnicodeConverter

from app.lib.columns import MAX_INTEGER

# Where links point when BASE_URL is not set, i.e. in development only (production refuses to start without it):
# the address `make run` serves on. Never the Host a request came with, which anybody can forge.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def public_base_url() -> str:
    """The site's public address, without a trailing slash: BASE_URL, else the development default."""
    return (current_app.config.get("BASE_URL") or DEVELOPMENT_BASE_URL).rstrip("/")


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for `endpoint`, for emails, calendars and anything read away from the site.

    Always on `public_base_url()`, inside a request or not, so a forged Host header can never put someone else's
    site into a reset link or a cached page.
    """
    base = urlsplit(public_base_url())
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{quote(anchor)}" if anchor else url


MAX_REDIRECT_LENGTH = 500  # as long as a saved sign-up's `next_url` column; longer targets are not kept


def is_safe_redirect(target: object) -> bool:
    """Only same-site paths, in plain printable ASCII: a login link must never send someone to another site, and a
    target that cannot go into a `Location` header as it is (a line break, a NUL, a space, a non-ASCII letter, a
    very long text) is refused too, so following it can never fail after the sign-in was saved."""
    if not isinstance(target, str) or not 0 < len(target) <= MAX_REDIRECT_LENGTH:
        return False
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(not 0x21 <= ord(character) <= 0x7E for character in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


# What a page's address may carry into the language menu's `next`: the choices people make on pages (filters, the
# session shown, the original of a text, where a log-in leads). Anything else — an identity provider's `code` and
# `state`, tokens — is left out, so it is never written into the page's links.
PLACE_KEYS = frozenset(
    {"next", "original", "v", "tz", "session", "course", "zones", "status", "language", "group", "action"}
)


def current_place() -> str:
    """This page's address as a safe `next` to come back to (the language menu uses it): the path and the query's
    known keys, less a `next` of its own that is not safe; "/" when even that cannot be a redirect target."""
    query = [
        (key, value)
        for key, value in request.args.items(multi=True)
        if key in PLACE_KEYS and (key != "next" or is_safe_redirect(value))
    ]
    place = quote(request.path) + (f"?{urlencode(query)}" if query else "")
    return place if is_safe_redirect(place) else "/"


def safe_redirect_or_empty(target: object) -> str:
    """`target` when `is_safe_redirect`, else "": for a `next` value as it is read from a request, before it is kept
    in a form, the session or the database."""
    return target if is_safe_redirect(target) else ""


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
