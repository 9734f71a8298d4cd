"""The languages Plenary speaks, and which one a request is answered in.

A signed-in person's profile setting comes first, then the language a visitor picked from the menu (a cookie), then
the browser's Accept-Language, and English last. Every value read from a person (profile, cookie, `?lang=`, header)
goes through `known()`, so an unknown or hostile one quietly counts as none.
"""

from __future__ import annotations

import re
from functools import cache

from babel import Locale, UnknownLocaleError
from flask import current_app, request

# Each language in its own words, as the menu and the profile show it.
LANGUAGE_NAMES = {"en": "English", "es": "Español", "pt_BR": "Português (Brasil)", "fr": "Français"}
DEFAULT_LANGUAGE = "en"
COOKIE = "lang"
COOKIE_SECONDS = 365 * 24 * 3600
CODE_MAX = 16  # users.locale


def offered() -> list[str]:
    """The languages this site is configured to offer (LANGUAGES), English among them."""
    return current_app.config["LANGUAGES"]


def known(code: str | None) -> str | None:
    """The offered language `code` names, or None. Letter case and `-`/`_` do not matter ("pt-br" is pt_BR), and a
    bare language names its one offered variant ("pt" is pt_BR), as old profiles stored it."""
    if not code or len(code) > CODE_MAX:
        return None
    wanted = code.strip().replace("-", "_").lower()
    languages = offered()
    for language in languages:
        if language.lower() == wanted:
            return language
    variants = [language for language in languages if language.split("_")[0].lower() == wanted]
    return variants[0] if len(variants) == 1 else None


def from_browser() -> str | None:
    """The visitor's choice from the menu, else the best of the browser's Accept-Language (a malformed header is
    ignored by Werkzeug's parser)."""
    chosen = known(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    # Werkzeug compares tags with '-'; our codes use '_' as Babel does.
    tags = {language.replace("_", "-"): language for language in offered()}
    best = request.accept_languages.best_match(list(tags))
    return tags.get(best) if best else None


def name_of(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def menu() -> list[tuple[str, str]]:
    """(code, name) of every offered language, for the language menu and the profile's select."""
    return [(code, name_of(code)) for code in offered()]


_LIST_SEPARATORS = re.compile(r"[\s,;/]+")
LIST_CHARS = 200


def is_iso_639_1(code: str) -> bool:
    """A two-letter language code Babel (CLDR) knows, such as "sw" or "ar"."""
    if not re.fullmatch(r"[a-z]{2}", code):
        return False
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def parse_language_list(text: str | None) -> tuple[list[str], list[str]]:
    """The codes in a short list such as "es, en" or "pt-BR sw": the site's codes (any letter case, '-' or '_')
    and any ISO 639-1 code, in order, each once; and the entries that are neither, for an error message."""
    codes: list[str] = []
    invalid: list[str] = []
    # A form caps the field; the cut keeps any caller's worst case small (each entry may ask Babel).
    for entry in _LIST_SEPARATORS.split((text or "")[:LIST_CHARS].strip()):
        if not entry:
            continue
        wanted = entry.replace("-", "_").lower()
        code = next((c for c in LANGUAGE_NAMES if c.lower() == wanted), None)
        if code is None and is_iso_639_1(wanted):
            code = wanted
        if code is None:
            invalid.append(entry[:CODE_MAX])
        elif code not in codes:
            codes.append(code)
    return codes, invalid


def display_name(code: str, in_language: str) -> str:
    """A language's name as the reader says it ("Spanish" / "español"), the site's own names for its languages."""
    try:
        return Locale.parse(code).get_display_name(Locale.parse(in_language)) or code
    except (UnknownLocaleError, ValueError):
        return LANGUAGE_NAMES.get(code, code)


@cache
def _codes_by_name() -> dict[str, str]:
    """Two-letter language codes by name, as people write them in a group's list: English names ("spanish") and each
    language's own ("español", "kiswahili"), lower case, and the site's own names."""
    names: dict[str, str] = {}
    for code, name in Locale("en").languages.items():
        if re.fullmatch(r"[a-z]{2}", code):
            names.setdefault(name.casefold(), code)
    for code in sorted(set(names.values())):
        try:
            own = Locale.parse(code).get_display_name(code)
        except (UnknownLocaleError, ValueError):
            continue
        if own:
            names.setdefault(own.casefold(), code)
    for code, name in LANGUAGE_NAMES.items():
        names.setdefault(name.casefold(), code.split("_")[0])
    return names


def base_language(entry: str) -> str | None:
    """The two-letter language one entry of a language list means, regional variants taken as their language:
    "es", "ES-mx", "pt_BR", "Portuguese" and "português" are "es", "es", "pt", "pt", "pt"; None for anything else."""
    wanted = entry.strip().replace("-", "_").casefold()
    code = wanted.split("_")[0]
    if len(wanted) <= CODE_MAX and is_iso_639_1(code):
        return code
    return _codes_by_name().get(wanted)
