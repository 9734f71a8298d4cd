"""iCalendar (RFC 5545) feeds of cohort sessions, built with the icalendar library."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Alarm, Calendar, Event

from app.cohorts.models import Cohort, CohortStatus
from app.lib.time import now_utc

PRODUCT_ID = "-//Plenary//Cohort calendar//EN"
REMINDER_BEFORE = timedelta(hours=1)


def session_uid(cohort: Cohort, session, domain: str) -> str:
    """Stable for the life of the session, so calendars update the event instead of adding a new one."""
    return f"plenary-cohort-{cohort.id}-session-{session.id}@{domain}"


def _new_calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _add_sessions(calendar: Calendar, cohort: Cohort, *, cohort_url: str, domain: str, include_video_link: bool):
    stamp = now_utc()
    total = len(cohort.sessions)
    for number, session in enumerate(cohort.sessions, start=1):
        event = Event()
        event.add("uid", session_uid(cohort, session, domain))
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("sequence", session.sequence)
        event.add("summary", f"{cohort.course.title} ({number}/{total}): {session.title}")
        readings = [r.title for r in session.course_session.readings] if session.course_session else []
        lines = [
            f"Plenary for everyone: {session.plenary_minutes} minutes.",
            f"Then small-group breakouts: {session.breakout_minutes} minutes.",
        ]
        if readings:
            lines.append("Read before: " + "; ".join(readings) + ".")
        if include_video_link and cohort.video_url:
            lines.append(f"Video call: {cohort.video_url}")
        lines.append(cohort_url)
        event.add("description", "\n".join(lines))
        event.add("url", cohort_url)
        event.add("status", "CANCELLED" if cohort.status == CohortStatus.CANCELLED else "CONFIRMED")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{cohort.course.title} starts in one hour")
        alarm.add("trigger", -REMINDER_BEFORE)
        event.add_component(alarm)
        calendar.add_component(event)


def cohort_calendar(cohort: Cohort, *, cohort_url: str, domain: str, include_video_link: bool = False) -> bytes:
    """One event per session, in UTC, with the agenda and a reminder; the video link only on request
    (private feeds of confirmed participants), never in the public feed."""
    calendar = _new_calendar(f"{cohort.course.title}: {cohort.label}")
    _add_sessions(calendar, cohort, cohort_url=cohort_url, domain=domain, include_video_link=include_video_link)
    return calendar.to_ical()


def personal_calendar(entries, *, name: str, cohort_url, domain: str) -> bytes:
    """Every session of every cohort a person takes part in. `entries` are (cohort, include_video_link) pairs;
    `cohort_url(cohort)` gives each cohort's page. UIDs are the public feed's, so an event is never doubled."""
    calendar = _new_calendar(name)
    for cohort, include_video_link in entries:
        _add_sessions(
            calendar, cohort, cohort_url=cohort_url(cohort), domain=domain, include_video_link=include_video_link
        )
    return calendar.to_ical()
