"""iCalendar (RFC 5545) feeds of cohort sessions, built with the icalendar library, in the language of the request
(the public feed) or of the feed's owner (the private feed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, make_response
from flask_babel import gettext as _
from flask_babel import ngettext
from icalendar import Alarm, Calendar, Event

from app.cohorts.models import Cohort, CohortStatus
from app.lib.formatting import names_list
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


def _add_sessions(calendar: Calendar, cohort: Cohort, *, cohort_url: str, domain: str, video_page: VideoPage | None):
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
            ngettext(
                "Plenary for everyone: %(num)s minute.",
                "Plenary for everyone: %(num)s minutes.",
                session.plenary_minutes,
            ),
            ngettext(
                "Then small-group breakouts: %(num)s minute.",
                "Then small-group breakouts: %(num)s minutes.",
                session.breakout_minutes,
            ),
        ]
        if readings:
            lines.append(_("Read before: %(readings)s.", readings=names_list(readings)))
        if video_page is not None and cohort.video_url:
            # Never the call's address itself: a feed is read at any time, by a calendar app, from a URL that is
            # easily shared; the page shows the link only to whom and when it is open (learning.service).
            lines.append(
                ngettext(
                    "Video call: the link appears on %(page)s from %(num)s minute before the session starts.",
                    "Video call: the link appears on %(page)s from %(num)s minutes before the session starts.",
                    video_page.opens_minutes,
                    page=video_page.url,
                )
            )
        lines.append(cohort_url)
        event.add("description", "\n".join(lines))
        event.add("url", cohort_url)
        event.add("status", "CANCELLED" if cohort.status == CohortStatus.CANCELLED else "CONFIRMED")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _("%(course)s starts in one hour", course=cohort.course.title))
        alarm.add("trigger", -REMINDER_BEFORE)
        event.add_component(alarm)
        calendar.add_component(event)


@dataclass(frozen=True)
class VideoPage:
    """Where a person finds the video-call link (their home page), and how long before a session it opens."""

    url: str
    opens_minutes: int


def cohort_calendar(cohort: Cohort, *, cohort_url: str, domain: str) -> bytes:
    """One event per session, in UTC, with the agenda and a reminder. Public: nothing about the video call."""
    calendar = _new_calendar(f"{cohort.course.title}: {cohort.label}")
    _add_sessions(calendar, cohort, cohort_url=cohort_url, domain=domain, video_page=None)
    return calendar.to_ical()


def personal_calendar(entries, *, name: str, cohort_url, domain: str, video_page: VideoPage) -> bytes:
    """Every session of every cohort a person takes part in. `entries` are (cohort, may_join_the_call) pairs;
    `cohort_url(cohort)` gives each cohort's page. Where the person may join the call, events say where its link
    appears and when (`video_page`), never the link itself. UIDs are the public feed's, so an event is never
    doubled."""
    calendar = _new_calendar(name)
    for cohort, may_join in entries:
        _add_sessions(
            calendar,
            cohort,
            cohort_url=cohort_url(cohort),
            domain=domain,
            video_page=video_page if may_join else None,
        )
    return calendar.to_ical()


def calendar_domain() -> str:
    # UIDs must not depend on the hostname a request used, or the same session would appear twice.
    return urlsplit(current_app.config.get("BASE_URL") or "").hostname or "plenary"


def calendar_response(body: bytes, filename: str):
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
