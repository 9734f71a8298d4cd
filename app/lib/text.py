"""Text that people type, made safe to store and to put in an email: one place for names and for length bounds.

Names (of people, groups, organizations, cohorts, rooms) end up in email subjects, CSV exports and one-line page
headings. A line separator (U+2028), a right-to-left override or a control character in one of them breaks those
(an email whose subject holds a line break cannot be built at all), so names are normalised when they come in.
"""

from __future__ import annotations

import unicodedata

from flask_babel import ngettext

from app.lib.errors import DomainError

# Zero-width non-joiner and joiner are format characters (Cf) that Persian, Indic scripts and emoji sequences need.
_KEPT_FORMAT_CHARACTERS = frozenset("\u200c\u200d")
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def clean_name(value: str | None) -> str:
    """A name on one line: NFC-normalised, every run of whitespace (tabs, line and paragraph separators included)
    collapsed to one space, control and format characters (bidirectional overrides, zero-width spaces, NUL)
    dropped, and trimmed. Ordinary spaces inside the name are kept."""
    text = unicodedata.normalize("NFC", value or "")
    out: list[str] = []
    pending_space = False
    for char in text:
        if char.isspace():  # spaces, \t \n \r, U+0085, U+2028, U+2029, U+3000...
            pending_space = bool(out)
            continue
        if unicodedata.category(char) in _DROPPED_CATEGORIES and char not in _KEPT_FORMAT_CHARACTERS:
            continue
        if pending_space:
            out.append(" ")
            pending_space = False
        out.append(char)
    return "".join(out)


def one_line(value: str | None, max_length: int | None = None) -> str:
    """Text for a single-line context where a line break would do harm (an email header): like clean_name, then cut
    to `max_length` characters."""
    text = clean_name(value)
    return text[:max_length].rstrip() if max_length is not None else text


def require_length(value: str | None, max_length: int, field: str | None = None) -> str | None:
    """Refuse text longer than `max_length` characters with a message next to `field`; return the value unchanged.

    Forms carry the same bound (wtforms Length): the service checks it again because not every caller is a form."""
    if value is not None and len(value) > max_length:
        raise DomainError(
            ngettext(
                "Use at most %(n)s character (this has %(count)s).",
                "Use at most %(n)s characters (this has %(count)s).",
                max_length,
                n=max_length,
                count=len(value),
            ),
            field=field,
        )
    return value


def required_name(value: str | None, max_length: int, field: str, missing: str) -> str:
    """A required name, cleaned (clean_name) and bounded: raises DomainError(`missing`) when nothing is left."""
    require_length(value, max_length * 4, field)  # refuse huge input before the per-character work
    name = clean_name(value)
    if not name:
        raise DomainError(missing, field=field)
    require_length(name, max_length, field)
    return name
