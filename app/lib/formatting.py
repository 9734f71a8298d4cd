"""Jinja filters that show instants in the viewer's zone and locale, with the zone named."""

from __future__ import annotations

from datetime import datetime

from babel import Locale
from babel import dates as babel_dates
from babel.lists import format_list
from flask_babel import get_locale, get_timezone

from app.lib.languages import display_name
from app.lib.time import is_valid_timezone, zone_named


def _zone(tz_name: str | None):
    if is_valid_timezone(tz_name):
        return zone_named(tz_name)
    return get_timezone()


def _zone_name(zone) -> str:
    return getattr(zone, "key", None) or str(zone)


# English keeps the house's day-first order, the same everywhere in the world: "Saturday 3 October 2026, 10:00".
ENGLISH_PATTERNS = {"full": "EEEE d MMMM y, HH:mm", "short": "EEE d MMM, HH:mm", "date": "EEEE d MMMM y"}


def _locale() -> Locale:
    return get_locale() or Locale.parse("en")


def local_datetime(instant: datetime | None, tz_name: str | None = None, fmt: str = "full") -> str:
    """'Saturday 3 October 2026, 10:00 (America/Mexico_City)' in the viewer's zone, and in their language's own order
    ("sábado, 3 de octubre de 2026, 10:00 …"); `fmt="short"`: 'Sat 3 Oct, 10:00'."""
    if instant is None:
        return ""
    zone, locale = _zone(tz_name), _locale()
    local = instant.astimezone(zone)
    if locale.language == "en":
        text = babel_dates.format_datetime(local, ENGLISH_PATTERNS[fmt], locale=locale)
    else:
        day = (
            babel_dates.format_date(local, "full", locale=locale)
            if fmt == "full"
            else babel_dates.format_skeleton("MMMEd", local, locale=locale)
        )
        # The locale's own way of putting a date and a time together ("{1}, {0}"), its quoted words unquoted.
        joined = babel_dates.get_datetime_format("medium", locale=locale).replace("'", "")
        text = joined.format(babel_dates.format_time(local, "HH:mm", locale=locale), day)
    return f"{text} ({_zone_name(zone).replace('_', ' ')})"


def local_date(instant: datetime | None, tz_name: str | None = None) -> str:
    if instant is None:
        return ""
    locale = _locale()
    pattern = ENGLISH_PATTERNS["date"] if locale.language == "en" else "full"
    return babel_dates.format_date(instant.astimezone(_zone(tz_name)), pattern, locale=locale)


def local_time(instant: datetime | None, tz_name: str | None = None) -> str:
    if instant is None:
        return ""
    return babel_dates.format_time(instant, "HH:mm", tzinfo=_zone(tz_name), locale=_locale())


def names_list(names) -> str:
    """'Ana, Bo and Cy' in the viewer's language ('Ana, Bo y Cy', 'Ana, Bo et Cy')."""
    names = [str(name) for name in names]
    locale = _locale()
    return format_list(names, locale="en_GB" if locale.language == "en" else locale) if names else ""


def iso(instant: datetime | None) -> str:
    return instant.isoformat() if instant else ""


def minutes(value: int) -> str:
    hours, rest = divmod(int(value or 0), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def language_names(codes: list[str] | None) -> str:
    """A list of language codes as the reader says them, joined by their language's rules ("Spanish and French")."""
    locale = str(get_locale() or "en")
    return format_list([display_name(code, locale) for code in codes or []], locale=locale)


FILTERS = {
    "local_datetime": local_datetime,
    "local_date": local_date,
    "local_time": local_time,
    "names_list": names_list,
    "iso": iso,
    "minutes": minutes,
    "language_names": language_names,
}
