"""Jinja filters that show instants in the viewer's zone and locale, with the zone named."""

from __future__ import annotations

from datetime import datetime

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


def local_datetime(instant: datetime | None, tz_name: str | None = None, fmt: str = "full") -> str:
    """'Saturday, 3 October 2026, 10:00 (America/Mexico_City)' in the viewer's locale and zone."""
    if instant is None:
        return ""
    zone = _zone(tz_name)
    pattern = {"full": "EEEE d MMMM y, HH:mm", "short": "EEE d MMM, HH:mm"}.get(fmt, fmt)
    text = babel_dates.format_datetime(instant, pattern, tzinfo=zone, locale=get_locale())
    return f"{text} ({_zone_name(zone).replace('_', ' ')})"


def local_date(instant: datetime | None, tz_name: str | None = None) -> str:
    if instant is None:
        return ""
    return babel_dates.format_date(instant.astimezone(_zone(tz_name)), "full", locale=get_locale())


def local_time(instant: datetime | None, tz_name: str | None = None) -> str:
    if instant is None:
        return ""
    return babel_dates.format_time(instant, "HH:mm", tzinfo=_zone(tz_name), locale=get_locale())


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
    "iso": iso,
    "minutes": minutes,
    "language_names": language_names,
}
