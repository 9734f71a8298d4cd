"""The pages the benchmark drives, who signs in for each, and counting their SQL statements in-process."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from bench.dataset import CohortInfo, Manifest

PUBLIC, PARTICIPANT, TRAINER = "public", "participant", "trainer"


@dataclass(frozen=True)
class Page:
    name: str
    who: str  # PUBLIC (signed out), PARTICIPANT (of the cohort) or TRAINER (of every cohort)
    path: Callable[[CohortInfo], str]
    per_cohort: bool = True  # False: the same URL whatever the cohort (the catalogue)


PAGES = (
    Page("catalogue", PUBLIC, lambda c: "/", per_cohort=False),
    Page("cohort_page", PUBLIC, lambda c: f"/cohorts/{c.id}"),
    Page("api_cohort", PUBLIC, lambda c: f"/api/v1/cohorts/{c.id}"),
    Page("calendar_feed", PUBLIC, lambda c: f"/cohorts/{c.id}/calendar.ics"),
    Page("participant_home", PARTICIPANT, lambda c: "/home"),
    Page("reading_page", PARTICIPANT, lambda c: f"/cohorts/{c.id}/readings/{c.reading_slug}"),
    Page(
        "room_notes",
        PARTICIPANT,
        lambda c: f"/cohorts/{c.id}/sessions/{c.current_session_id}/rooms/{c.participant_room_id}/notes",
    ),
    Page("profile", PARTICIPANT, lambda c: "/profile", per_cohort=False),
    Page("group_page", PARTICIPANT, lambda c: f"/groups/{c.participant_group_id}"),
    Page("report_back_board", TRAINER, lambda c: f"/cohorts/{c.id}/sessions/{c.current_session_id}/board"),
    Page("registration_board", TRAINER, lambda c: f"/cohorts/{c.id}/registrations"),
    Page("roster_csv", TRAINER, lambda c: f"/cohorts/{c.id}/roster.csv"),
    Page("trainer_breakouts", TRAINER, lambda c: f"/cohorts/{c.id}/breakouts"),
    Page("breakouts_csv", TRAINER, lambda c: f"/cohorts/{c.id}/breakouts.csv"),
    Page("attendance_page", TRAINER, lambda c: f"/cohorts/{c.id}/attendance?session={c.current_session_id}"),
    Page("reading_progress", TRAINER, lambda c: f"/cohorts/{c.id}/readings"),
)

SIZES = ("small", "medium", "big")  # the cohorts of 20, 500 and 2,000 participants (at scale "full")
_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def email_for(page: Page, manifest: Manifest, size: str) -> str | None:
    if page.who == TRAINER:
        return manifest.trainer_email
    if page.who == PARTICIPANT:
        return manifest.cohorts[size].participant_email
    return None


def _signed_in_client(app: Flask, email: str | None, password: str):
    client = app.test_client()
    if email is None:
        return client
    page = client.get("/login").get_data(as_text=True)
    match = _CSRF_RE.search(page)
    reply = client.post(
        "/login", data={"csrf_token": match.group(1) or match.group(2), "email": email, "password": password}
    )
    if reply.status_code != 302:
        raise RuntimeError(f"in-process sign-in as {email} failed: HTTP {reply.status_code}")
    return client


@dataclass
class InProcess:
    status: int
    queries: int
    ms: float  # median time of one request through the test client


def measure_in_process(app: Flask, manifest: Manifest, repeats: int) -> dict[str, dict[str, InProcess]]:
    """For every page and cohort size: the status, the SQL statements of one request (after a first request that
    warms caches and creates what a first visit creates) and the median time of that request and `repeats` more."""
    with app.app_context():
        engine = db.engine
    clients = {}
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    results: dict[str, dict[str, InProcess]] = {}
    for page in PAGES:
        results[page.name] = {}
        for size in SIZES:
            email = email_for(page, manifest, size)
            if email not in clients:
                clients[email] = _signed_in_client(app, email, manifest.password)
            client = clients[email]
            path = page.path(manifest.cohorts[size])
            status = client.get(path).status_code
            statements.clear()
            sa.event.listen(engine, "before_cursor_execute", record)
            try:
                began = time.perf_counter()
                client.get(path)
                times = [(time.perf_counter() - began) * 1000]
            finally:
                sa.event.remove(engine, "before_cursor_execute", record)
            queries = len(statements)
            for _ in range(repeats if status == 200 else 0):
                began = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - began) * 1000)
            results[page.name][size] = InProcess(status, queries, round(statistics.median(times), 2))
    return results
