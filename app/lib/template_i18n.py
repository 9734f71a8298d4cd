"""The templates' gettext and ngettext, with the request's catalogue looked up once.

Flask-Babel finds the catalogue anew for every message a template translates (the request context, the locale,
the locale's name, a dictionary): about 10 µs each time. A trainer's page of 2,000 rows translates thousands of
messages, so that lookup was most of its time. Here the catalogue is kept beside Flask-Babel's own record of the
request's locale and used while that locale object stays the same; `force_locale` (an email in its recipient's
language) puts another locale object there, so the catalogue is looked up again, and again when it ends.

The count of an ngettext must be a whole number in every language. English has no catalogue, so Python's gettext
would accept a formatted string such as "20,000" there and refuse it only in Spanish, Portuguese and French: the
page would break for those readers alone. `operator.index` refuses it in English too, where every test sees it.
"""

from __future__ import annotations

from operator import index

from flask import Flask, g
from flask_babel import get_translations
from jinja2 import Undefined

_KEPT = "plenary_translations"


def request_translations():
    """The catalogue of the request's current locale (Flask-Babel's, looked up at most once per locale)."""
    babel_context = getattr(g, "_flask_babel", None) if g else None
    locale = getattr(babel_context, "babel_locale", None)
    if locale is None:  # nothing chosen yet (or no request): Flask-Babel chooses
        return get_translations()
    kept = getattr(babel_context, _KEPT, None)
    if kept is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    setattr(babel_context, _KEPT, (locale, translations))
    return translations


def _count(n):
    """A plural's count as a whole number (TypeError for "20,000"). Undefined, as in a template rendered without
    its values to list its words, goes on as it is."""
    return n if isinstance(n, Undefined) else index(n)


def init_app(app: Flask) -> None:
    """Replace the callables Flask-Babel gave Jinja with the same ones over `request_translations`."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, _count(n)),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, _count(n)),
    )
