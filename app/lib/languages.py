"""The languages Plenary speaks, and which one a request is answered in.

A signed-in person's profile setting comes first, then the language a visitor picked from the menu (a cookie), then
the browser's Accept-Language, and English last. Every value read from a person (profile, cookie, `?lang=`, header)
goes through `known()`, so an unknown or hostile one quietly counts as none.
"""

from __future__ import annotations

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
