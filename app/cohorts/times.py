"""Times across zones for a cohort's people: the "find your starting time" table, the notes a viewer reads in their
own zone, the time left to register, and the start time of day that suits the most participants."""

from __future__ import annotations

import collections
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from babel import dates as babel_dates
from flask_babel import gettext as _
from flask_babel import ngettext

from app.cohorts.models import Cohort
from app.lib.errors import DomainError
from app.lib.text import require_length
from app.lib.time import LocalTimeError, is_valid_timezone, local_to_utc, now_utc, to_local, zone_named

# Cities on every continent, for the "find your starting time" table.
WORLD_CITIES = [
    ("Los Angeles", "America/Los_Angeles"),
    ("Mexico City", "America/Mexico_City"),
    ("New York", "America/New_York"),
    ("Bogotá", "America/Bogota"),
    ("São Paulo", "America/Sao_Paulo"),
    ("London", "Europe/London"),
    ("Lagos", "Africa/Lagos"),
    ("Berlin", "Europe/Berlin"),
    ("Johannesburg", "Africa/Johannesburg"),
    ("Nairobi", "Africa/Nairobi"),
    ("Istanbul", "Europe/Istanbul"),
    ("Delhi", "Asia/Kolkata"),
    ("Dhaka", "Asia/Dhaka"),
    ("Jakarta", "Asia/Jakarta"),
    ("Manila", "Asia/Manila"),
    ("Tokyo", "Asia/Tokyo"),
    ("Sydney", "Australia/Sydney"),
    ("Auckland", "Pacific/Auckland"),
]


@dataclass(frozen=True)
class CityTime:
    city: str
    local: datetime
    other_day: bool  # the session falls on another calendar day there than for the host


def starting_times(cohort: Cohort) -> list[tuple[str, list[CityTime]]]:
    """For each city, each session's local start, flagged where the calendar day differs from the host's."""
    rows = []
    for city, zone in WORLD_CITIES:
        times = []
        for session in cohort.sessions:
            local = to_local(session.starts_at, zone)
            host_day = to_local(session.starts_at, cohort.host_timezone).date()
            times.append(CityTime(city, local, local.date() != host_day))
        rows.append((city, times))
    return rows


def place_name(zone: str) -> str:
    """A readable place for a zone: "America/Los_Angeles" -> "Los Angeles" (a city from the table when known)."""
    for city, city_zone in WORLD_CITIES:
        if city_zone == zone:
            return city
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _day_and_time(instant: datetime, locale) -> str:
    return babel_dates.format_datetime(instant, "EEEE HH:mm", tzinfo=instant.tzinfo, locale=locale or "en")


def viewer_notes(cohort: Cohort, viewer_zone: str, locale=None) -> dict[int, list[str]]:
    """Per session id, what a viewer in `viewer_zone` should notice: another calendar day than the host's
    ("Saturday 18:00 in Johannesburg is Sunday 00:00 in Manila"), or a start time that moved since the previous
    session because a clock changed (theirs or the host's)."""
    notes: dict[int, list[str]] = {}
    previous = None
    for session in cohort.sessions:
        mine = to_local(session.starts_at, viewer_zone)
        host = to_local(session.starts_at, cohort.host_timezone)
        items = []
        if mine.date() != host.date():
            items.append(
                _(
                    "%(host_time)s in %(host_place)s is %(my_time)s in %(my_place)s.",
                    host_time=_day_and_time(host, locale),
                    host_place=place_name(cohort.host_timezone),
                    my_time=_day_and_time(mine, locale),
                    my_place=place_name(viewer_zone),
                )
            )
        if previous is not None and previous.strftime("%H:%M") != mine.strftime("%H:%M"):
            items.append(
                _(
                    "Note: this session starts at %(now)s your time, not %(before)s like the one before, "
                    "because a clock changes for daylight-saving time.",
                    now=mine.strftime("%H:%M"),
                    before=previous.strftime("%H:%M"),
                )
            )
        if items:
            notes[session.id] = items
        previous = mine
    return notes


def time_left(deadline: datetime, locale=None, at: datetime | None = None) -> str:
    """How long until `deadline`, in words ("Closes in 12 days."), or that it has passed. Days are counted
    exactly up to two months, where "in 2 weeks" would hide a difference that matters."""
    remaining = deadline - (at or now_utc())
    if remaining.total_seconds() <= 0:
        return _("The deadline has passed.")
    if timedelta(days=2) <= remaining < timedelta(days=60):
        return ngettext("Closes in %(num)d day.", "Closes in %(num)d days.", remaining.days)
    return _(
        "Closes %(when)s.",
        when=babel_dates.format_timedelta(remaining, add_direction=True, threshold=1.5, locale=locale or "en"),
    )


# Time-zone-fair start times ---------------------------------------------------------------------------------------

EARLIEST_MINUTE = 7 * 60  # 07:00 local
LATEST_MINUTE = 22 * 60  # 22:00 local


@dataclass(frozen=True)
class StartOption:
    """A candidate start time of day in the host zone, and how many people it suits."""

    host_start: datetime  # aware, in the host zone, on the reference date
    fits: int
    total: int

    @property
    def share(self) -> float:
        return self.fits / self.total if self.total else 0.0


def fair_start_times(
    zones: list[str], *, host_timezone: str, on: date, minutes: int, step_minutes: int = 30
) -> list[StartOption]:
    """For every start time of day in the host zone (every `step_minutes` on the date `on`, so that day's clock
    rules apply), how many of the people in `zones` (one entry per person) would have the whole session between
    07:00 and 22:00 their time. Best first; ties in time-of-day order. Local times that do not exist or happen
    twice on that date in the host zone are left out."""
    host = zone_named(host_timezone)
    # Each distinct zone once, weighted by its head count: the work grows with the zones named, not the people.
    people = [(zone_named(z), count) for z, count in collections.Counter(zones).items()]
    options = []
    for offset in range(0, 24 * 60, step_minutes):
        local = datetime.combine(on, time(offset // 60, offset % 60))
        try:
            instant = local_to_utc(local, host_timezone)
        except LocalTimeError:
            continue
        fits = 0
        for zone, count in people:
            start = instant.astimezone(zone)
            first_minute = start.hour * 60 + start.minute
            if first_minute >= EARLIEST_MINUTE and first_minute + minutes <= LATEST_MINUTE:
                fits += count
        options.append(StartOption(instant.astimezone(host), fits, len(zones)))
    return sorted(options, key=lambda o: -o.fits)


MAX_ZONE_LIST = 20_000  # characters pasted
MAX_ZONE_PEOPLE = 100_000  # head counts added up


def parse_zone_list(text: str) -> list[str]:
    """Zones a trainer pastes, one per line, each optionally followed by a head count ("Asia/Manila 12").
    Raises DomainError naming the first line it cannot read, or when the list is longer than MAX_ZONE_LIST
    characters or counts more than MAX_ZONE_PEOPLE people."""
    require_length(text, MAX_ZONE_LIST, "zones")
    zones: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = line.replace(",", " ").replace(";", " ").split()
        if not parts:
            continue
        name, count = parts[0], parts[1] if len(parts) > 1 else "1"
        if (
            len(name) > 64
            or not is_valid_timezone(name)
            or not count.isdigit()
            or len(parts) > 2
            or not 0 < int(count) <= 10_000
        ):
            raise DomainError(
                _(
                    "Line %(n)s, “%(line)s”: write a time zone such as Asia/Manila, then a number of people if more "
                    "than one.",
                    n=number,
                    line=line.strip(),
                ),
                field="zones",
            )
        zones.extend([name] * int(count))
        if len(zones) > MAX_ZONE_PEOPLE:
            raise DomainError(
                ngettext(
                    "Count at most %(n)s person in all.",
                    "Count at most %(n)s people in all.",
                    MAX_ZONE_PEOPLE,
                    n=MAX_ZONE_PEOPLE,
                ),
                field="zones",
            )
    if not zones:
        raise DomainError(_("Paste at least one time zone."), field="zones")
    return zones
