"""`{% fragment name=value, ... %}…{% endfragment %}`: a part of a page rendered once per worker for each key.

A signed-in page is mostly parts that every reader with the same language and time zone sees alike: the header's
menu, the footer's language menu, a blank form, a session's panel. Each worker keeps the HTML such a part rendered
to, under its template line, the page's language and time zone, and the values of the tag's keys; the next page that
needs the same part with the same keys reuses it. Nothing expires, because nothing the part shows lives outside its
key: the key *is* the data. That is checked when the template is compiled: the body may name only its keys (each
bound to its value inside the body), what it assigns itself, and the globals below (translations, URLs, the CSRF
token), so a fragment cannot quietly show something its key does not hold.

Key values are compared by value: text, numbers, dates, tuples, lists, dictionaries, dataclasses (a frozen one as it
is, a mutable one by its values at the time) and forms (by their `fragment_key`). Anything else is refused: an
object compared by identity would make a key that never matches again, and one that can change would go stale.

The CSRF token belongs to one browser. A part rendered with it keeps a placeholder in its place, and each page gets
its own token put back in. A key holding `LIVE` renders the part every time (a form showing its errors).
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any

from flask import g
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import generate_csrf
from jinja2 import TemplateSyntaxError, nodes
from jinja2.ext import Extension
from markupsafe import Markup

from app.lib.lru import LockedLRU

LIVE = object()  # a key value meaning "do not keep this one"
_NO_KEY = object()
MAX_FRAGMENTS = 20_000  # per worker; a few KB each
_CSRF_PLACEHOLDER = f"\x00csrf-{secrets.token_hex(8)}\x00"
_CSRF_IN_G = "csrf_token"  # where Flask-WTF keeps the request's token once made (its WTF_CSRF_FIELD_NAME)

# Names a fragment may use besides its keys: what is the same for every reader of one language and time zone.
ALLOWED_NAMES = frozenset(
    {
        "_",
        "gettext",
        "ngettext",
        "pgettext",
        "npgettext",
        "url_for",
        "csrf_token",
        "loop",
        "range",
        "caller",
        "current_locale",
        "current_language",
        "current_timezone",
        "text_direction",
        "language_menu",
        "field",  # the pure macros of _forms.html: they see only their arguments
        "form_errors",
    }
)
_PLAIN = (str, int, float, bool, type(None), date, datetime, time, timedelta, Enum)


def _key_of(value: Any) -> Any:
    """A key value as kept: a form stands for its `fragment_key` (app/lib/forms.py)."""
    if isinstance(value, _PLAIN):
        return value
    key = getattr(value, "fragment_key", _NO_KEY)  # worked out once: it is a property
    return frozen(value) if key is _NO_KEY else key


def frozen(value: Any) -> Any:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, LazyString):  # a translated label: its message and arguments (the language is in the key)
        return (value._func.__name__, frozen(value._args), frozen(value._kwargs))
    if isinstance(value, tuple | list):
        return tuple(frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((str(name), frozen(item)) for name, item in value.items()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if type(value).__dataclass_params__.frozen:  # hashed and compared by its values, which cannot change
            return value
        return (type(value).__qualname__, *(frozen(getattr(value, f.name)) for f in dataclasses.fields(value)))
    raise TypeError(f"a fragment key must be a plain value, not {type(value).__name__}")


def _check_names(body: list[nodes.Node], keys: list[str], where: str, lineno: int) -> None:
    allowed = ALLOWED_NAMES | set(keys)
    for node in body:
        allowed |= {name.name for name in node.find_all(nodes.Name) if name.ctx in ("store", "param")}
    for node in body:
        for name in node.find_all(nodes.Name):
            if name.ctx == "load" and name.name not in allowed:
                raise TemplateSyntaxError(
                    f"the fragment uses {name.name!r}, which is not one of its keys", lineno, filename=where
                )


class FragmentExtension(Extension):
    """`{% fragment name=value, ... %}` (or no key: the same for every reader of a language and time zone): the
    body sees only these names, and ALLOWED_NAMES."""

    tags = {"fragment"}

    def __init__(self, environment):
        super().__init__(environment)
        environment.extend(fragments=LockedLRU(MAX_FRAGMENTS))  # per application: its own templates and settings

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        names, values = [], []
        while parser.stream.current.type != "block_end":
            if names:
                parser.stream.expect("comma")
            names.append(parser.stream.expect("name").value)
            parser.stream.expect("assign")
            values.append(parser.parse_expression())
        body = parser.parse_statements(("name:endfragment",), drop_needle=True)
        _check_names(body, names, parser.filename or parser.name or "<template>", lineno)
        site = nodes.Const(f"{parser.name}:{lineno}")
        call = self.call_method("_render", [site, nodes.List(values), nodes.ContextReference()])
        params = [nodes.Name(name, "param") for name in names]
        return nodes.CallBlock(call, params, [], body).set_lineno(lineno)

    def _render(self, site: str, values: list, context, caller) -> Markup:
        keys = tuple(_key_of(value) for value in values)
        if any(key is LIVE for key in keys):
            return caller(*values)
        key = (site, context.get("current_language"), context.get("current_timezone"), keys)
        try:
            hash(key)
        except TypeError:  # a frozen dataclass holding a list: nothing to key it by
            return caller(*values)
        kept = self.environment.fragments
        html = kept.get(key)
        if html is None:
            rendered = str(caller(*values))
            token = g.get(_CSRF_IN_G) if g else None
            html = rendered.replace(token, _CSRF_PLACEHOLDER) if token else rendered
            kept.put(key, html)
        if _CSRF_PLACEHOLDER in html:
            html = html.replace(_CSRF_PLACEHOLDER, g.get(_CSRF_IN_G) or generate_csrf())
        return Markup(html)
