"""Time helpers: every instant is an aware UTC datetime; conversion to a person's zone happens at the edge."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files

import sqlalchemy as sa


def now_utc() -> datetime:
    """The current instant, aware, in UTC. Use the callable as a column default, never its value."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A time-zone-aware column that stores UTC on every database and hands back aware UTC datetimes.

    PostgreSQL stores `timestamptz`; SQLite has no time zones, so the UTC wall time is stored and UTC is
    attached again when reading. Naive datetimes are refused on the way in: they are always a bug.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; attach a time zone first")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Names the zone database holds that are no place a person lives in: the server's own zone and a placeholder.
_NOT_A_PLACE = frozenset({"localtime", "Factory"})


@lru_cache(maxsize=1)
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - _NOT_A_PLACE)


def is_valid_timezone(name: object) -> bool:
    """Whether `name` is an IANA zone (e.g. "America/Mexico_City", or a legacy alias such as "US/Eastern").

    The one check for every zone name read from outside (a cookie, a query string, a form, the database), made
    against the list of zones read once, before anything opens a file: `ZoneInfo("America")` or a very long name
    would try to open a folder or an impossible path and fail with an error no caller expects.
    """
    return isinstance(name, str) and name in _known_timezones()


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The zone called `name`; ValueError (not an OS error) when it is not one (`is_valid_timezone`)."""
    if not is_valid_timezone(name):
        raise ValueError(f"unknown time zone {str(name)[:64]!r}")
    return zoneinfo.ZoneInfo(name)


@lru_cache(maxsize=1)
def all_timezones() -> tuple[str, ...]:
    """The IANA zones people pick from: the canonical ones listed per country (zone.tab), plus UTC.

    Legacy aliases such as US/Eastern still validate (`is_valid_timezone`), but are not offered.
    """
    names = {"UTC"}
    for table in ("zone.tab", "zone1970.tab"):
        text = (files("tzdata.zoneinfo") / table).read_text(encoding="utf-8")
        names.update(line.split("\t")[2] for line in text.splitlines() if line and not line.startswith("#"))
    return tuple(sorted(name for name in names if is_valid_timezone(name)))


def to_local(instant: datetime, tz_name: str) -> datetime:
    """The same instant seen in the zone `tz_name` (UTC when the name is unknown)."""
    zone = zone_named(tz_name) if is_valid_timezone(tz_name) else UTC
    return instant.astimezone(zone)


class LocalTimeError(ValueError):
    """A wall-clock time that does not name exactly one instant in its zone."""


def local_to_utc(local: datetime, tz_name: str) -> datetime:
    """The UTC instant of the naive wall-clock time `local` in zone `tz_name`.

    Refuses the hour skipped by a daylight-saving change (it never happens there) and the repeated hour
    (it happens twice), instead of silently picking one.
    """
    if local.tzinfo is not None:
        raise ValueError("expected a wall-clock time without a time zone")
    if not is_valid_timezone(tz_name):
        raise LocalTimeError(f"unknown time zone {str(tz_name)[:64]!r}")
    zone = zone_named(tz_name)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Round-tripping through UTC tells a skipped hour (it comes back different) from a repeated one.
        if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
            raise LocalTimeError(f"{local:%Y-%m-%d %H:%M} does not exist in {tz_name}: the clocks skip that hour")
        raise LocalTimeError(f"{local:%Y-%m-%d %H:%M} happens twice in {tz_name}: the clocks repeat that hour")
    return first.astimezone(UTC)
