"""Instants are stored in UTC and come back aware, on SQLite and PostgreSQL alike."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.lib.time import LocalTimeError, local_to_utc, to_local
from app.notifications.models import OutboxMessage


def stored(instant: datetime) -> datetime:
    message = OutboxMessage(to_address="a@b.org", subject="s", body_text="t", next_attempt_at=instant)
    db.session.add(message)
    db.session.commit()
    db.session.expire_all()
    return db.session.scalar(sa.select(OutboxMessage.next_attempt_at).where(OutboxMessage.id == message.id))


def test_an_instant_in_any_zone_comes_back_as_the_same_instant_in_utc(app):
    manila = datetime(2026, 10, 3, 23, 30, tzinfo=ZoneInfo("Asia/Manila"))
    back = stored(manila)
    assert back == manila
    assert back.tzinfo == UTC
    assert (back.year, back.month, back.day, back.hour, back.minute) == (2026, 10, 3, 15, 30)


def test_comparisons_in_queries_use_the_instant_not_the_wall_clock(app):
    stored(datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=-5))))  # 17:00 UTC
    later_wall_clock_earlier_instant = datetime(2026, 1, 1, 16, 0, tzinfo=ZoneInfo("Europe/Paris"))  # 15:00 UTC
    count = db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.next_attempt_at > later_wall_clock_earlier_instant)
    )
    assert count == 1


def test_naive_datetimes_are_refused(app):
    db.session.add(
        OutboxMessage(to_address="a@b.org", subject="s", body_text="t", next_attempt_at=datetime(2026, 1, 1))
    )
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("zone", "local", "utc"),
    [
        ("America/Los_Angeles", datetime(2026, 10, 31, 10, 0), datetime(2026, 10, 31, 17, 0, tzinfo=UTC)),  # PDT
        ("America/Los_Angeles", datetime(2026, 11, 7, 10, 0), datetime(2026, 11, 7, 18, 0, tzinfo=UTC)),  # PST
        ("Australia/Sydney", datetime(2026, 10, 3, 10, 0), datetime(2026, 10, 3, 0, 0, tzinfo=UTC)),  # AEST
        ("Australia/Sydney", datetime(2026, 10, 10, 10, 0), datetime(2026, 10, 9, 23, 0, tzinfo=UTC)),  # AEDT
        ("Asia/Kolkata", datetime(2026, 3, 1, 0, 15), datetime(2026, 2, 28, 18, 45, tzinfo=UTC)),
    ],
)
def test_local_times_become_the_right_instant(zone, local, utc):
    assert local_to_utc(local, zone) == utc


def test_the_skipped_and_the_repeated_hour_are_refused_by_name():
    with pytest.raises(LocalTimeError, match="2026-03-29 01:30 does not exist in Europe/London"):
        local_to_utc(datetime(2026, 3, 29, 1, 30), "Europe/London")
    with pytest.raises(LocalTimeError, match="2026-10-25 01:30 happens twice in Europe/London"):
        local_to_utc(datetime(2026, 10, 25, 1, 30), "Europe/London")


def test_unknown_zones_fall_back_to_utc_for_display():
    instant = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert to_local(instant, "Not/AZone").utcoffset() == timedelta(0)
    assert to_local(instant, "Asia/Kathmandu").strftime("%H:%M") == "17:45"
