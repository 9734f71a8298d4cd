"""`python -m bench.surge [--participants N] [--database-url URL]`: the session-start surge (issue 16).

N distinct participants of the big cohort (2,000 by default: all of it), each signed in with a session of their own
(made in-process, as bench/confirmations.py does: 2,000 password logins over HTTP would be a different benchmark),
open their home page, then their room's notes for the current session, then save a revision of the notes: the
form's text with one line of their own, based on the version the page showed. Everyone starts at once; a pool of
client threads, each holding one keep-alive connection to gunicorn (the same settings as `make bench`: 2 gthread
workers of 4 threads, on PostgreSQL), takes the next participant as soon as it is free, so at most `--concurrency`
requests are in flight and the server is never idle. A save refused because a roommate saved first (HTTP 409, the
app's answer to a stale version) is done again the way a person would: the notes opened again, the line added to
the text they now show, saved again; it is counted, and is not an error. Any other answer than the one expected
(home and notes 200, the save a redirect) is an error.

Two runs, each on a freshly booted server (warmed with a few page views first):

- `as_is`: the data set as generated: the cohort's third session started half an hour ago (its breakout is on).
- `video_window_open`: the third session is moved to start in VIDEO_LINK_OPENS_MINUTES minus a few seconds, so the
  video link window has just opened: every home page shows the link (counted in the answers).

Before each run the participants' sessions are made an hour old (they signed in earlier that morning), so each
participant's first request notes the visit, as it would on the day. After each run the database is checked: one
new revision per participant, by them, and every participant's line in their room's current notes.

Writes bench/results/surge.json and the "Surge" section of docs/PERFORMANCE.md (with the default 2,000
participants; another count writes bench/results/surge-N.json only).
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import math
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from flask import Flask

from app.accounts.models import UserSession
from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember
from app.cohorts.models import Cohort, CohortSession
from app.extensions import db
from app.groups.models import GroupMembership
from app.notes.models import BreakoutNote, NoteRevision
from bench.confirmations import sign_in
from bench.dataset import Manifest
from bench.load import Server, gunicorn, server_env
from bench.prepare import ROOT, make_app, prepare_database
from bench.report import SURGE_RESULTS, write_surge_section
from bench.run import machine
from tests.tools.pgserver import PostgresServer

STEPS = ("home", "notes", "save")
DEFAULT_PARTICIPANTS = 2000
WALL_LIMIT_S = 60.0
P99_LIMIT_MS = 1000.0
P99_TO_P50 = 10.0
MAX_SAVE_ATTEMPTS = 6  # a save refused as stale is done again, from the notes as they are now, up to this often
WINDOW_LEAD_S = 5  # the video link window opened this many seconds before the run starts
_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_VERSION_RE = re.compile(r'name="base_version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="base_version"')
_BODY_RE = re.compile(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', re.DOTALL)


# Pure parts (tests/bench/test_surge.py) ----------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile: the smallest value with at least p % of the values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_figures(values_ms: Sequence[float]) -> dict:
    return {
        "requests": len(values_ms),
        "p50_ms": round(percentile(values_ms, 50), 1),
        "p90_ms": round(percentile(values_ms, 90), 1),
        "p99_ms": round(percentile(values_ms, 99), 1),
        "max_ms": round(max(values_ms, default=0.0), 1),
    }


def count_revisions(
    participants: Iterable[int], before: int, after: int, new_by_author: dict[int, int], accepted: int
) -> dict:
    """What the revision counts say: `lost` lists the participants with no new revision of their own, `duplicated`
    those with more than one, `strangers` the authors of new revisions who took no part; the database must hold
    exactly one new revision per participant and as many as the server accepted."""
    expected = sorted(set(participants))
    lost = [p for p in expected if new_by_author.get(p, 0) == 0]
    duplicated = [p for p in expected if new_by_author.get(p, 0) > 1]
    strangers = sorted(set(new_by_author) - set(expected))
    new = after - before
    return {
        "revisions_before": before,
        "revisions_after": after,
        "new_revisions": new,
        "expected": len(expected),
        "saves_accepted": accepted,
        "lost": len(lost),
        "lost_sample": lost[:10],
        "duplicated": len(duplicated),
        "strangers": len(strangers),
        "zero_lost": not lost and not duplicated and not strangers and new == len(expected) == accepted,
    }


def page_fields(text: str) -> tuple[str, int, str] | None:
    """The notes form's CSRF token, base version and text (as the browser would send it back), or None."""
    token, version, body = _CSRF_RE.search(text), _VERSION_RE.search(text), _BODY_RE.search(text)
    if token is None or version is None or body is None:
        return None
    content = html.unescape(body.group(1))
    if content.startswith("\r\n"):  # the newline after <textarea> is markup, not text (HTML drops it)
        content = content[2:]
    elif content.startswith("\n"):
        content = content[1:]
    return token.group(1) or token.group(2), int(version.group(1) or version.group(2)), content


# Preparing --------------------------------------------------------------------------------------------------------


@dataclass
class Participant:
    user_id: int
    room_id: int
    cookie: str = ""  # the Cookie header of their signed-in session (bench.confirmations.sign_in)
    csrf_token: str = ""


@dataclass
class Crowd:
    cohort_id: int
    session_id: int  # the third session: in progress in the data set, or about to start
    video_url: str
    participants: list[Participant]

    def notes_path(self, participant: Participant) -> str:
        return f"/cohorts/{self.cohort_id}/sessions/{self.session_id}/rooms/{participant.room_id}/notes"


def gather(app: Flask, manifest: Manifest, count: int) -> Crowd:
    """`count` participants of the big cohort with an account and a room in its standing plan, dealt room by room
    (one from every room, then a second from every room...), so that roommates are far apart in the queue; each
    signed in."""
    big = manifest.cohorts["big"]
    with app.app_context():
        session = db.session
        rows = session.execute(
            sa.select(GroupMembership.user_id, RoomMember.room_id)
            .join(RoomMember, RoomMember.membership_id == GroupMembership.id)
            .join(BreakoutRoom, RoomMember.room_id == BreakoutRoom.id)
            .join(BreakoutPlan, BreakoutRoom.plan_id == BreakoutPlan.id)
            .where(
                BreakoutPlan.cohort_id == big.id,
                BreakoutPlan.cohort_session_id.is_(None),
                BreakoutPlan.replaced_at.is_(None),
                GroupMembership.user_id.is_not(None),
            )
            .order_by(RoomMember.position, BreakoutRoom.position, RoomMember.id)
        ).all()
        if len(rows) < count:
            raise SystemExit(f"surge: the big cohort has {len(rows)} participants in rooms, fewer than {count}")
        participants = [Participant(user_id, room_id) for user_id, room_id in rows[:count]]
        video_url = session.scalar(sa.select(Cohort.video_url).where(Cohort.id == big.id))
        sign_in(app, participants, [p.user_id for p in participants])
        session.remove()
    return Crowd(big.id, big.current_session_id, video_url or "", participants)


def age_sessions(app: Flask, crowd: Crowd, *, hours: float = 1.0) -> None:
    """The participants signed in `hours` ago and have not been seen since (within the idle timeout)."""
    earlier = datetime.now(UTC) - timedelta(hours=hours)
    with app.app_context():
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.user_id.in_([p.user_id for p in crowd.participants]), UserSession.ended_at.is_(None))
            .values(created_at=earlier, last_seen_at=earlier)
        )
        db.session.commit()
        db.session.remove()


def open_video_window(app: Flask, crowd: Crowd) -> datetime:
    """Move the session to start VIDEO_LINK_OPENS_MINUTES from now, less WINDOW_LEAD_S: its video link window has
    just opened. Returns the new start."""
    minutes = int(app.config.get("VIDEO_LINK_OPENS_MINUTES", 30))
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes, seconds=-WINDOW_LEAD_S)
    with app.app_context():
        db.session.execute(
            sa.update(CohortSession).where(CohortSession.id == crowd.session_id).values(starts_at=starts)
        )
        db.session.commit()
        db.session.remove()
    return starts


def revision_state(app: Flask, crowd: Crowd) -> tuple[int, int]:
    """The number of note revisions, and the largest revision id (new revisions are those above it)."""
    with app.app_context():
        count, largest = db.session.execute(
            sa.select(sa.func.count(NoteRevision.id), sa.func.max(NoteRevision.id))
        ).one()
        db.session.remove()
    return count, largest or 0


def check_database(app: Flask, crowd: Crowd, run: str, largest_before: int, count_before: int, accepted: int) -> dict:
    """The revision counts (count_revisions) and whether each participant's line is in their room's notes."""
    ids = [p.user_id for p in crowd.participants]
    with app.app_context():
        session = db.session
        after = session.scalar(sa.select(sa.func.count(NoteRevision.id)))
        new_by_author = dict(
            session.execute(
                sa.select(NoteRevision.author_id, sa.func.count(NoteRevision.id))
                .where(NoteRevision.id > largest_before)
                .group_by(NoteRevision.author_id)
            ).all()
        )
        bodies = dict(
            session.execute(
                sa.select(BreakoutNote.room_id, BreakoutNote.body).where(
                    BreakoutNote.cohort_session_id == crowd.session_id,
                    BreakoutNote.room_id.in_({p.room_id for p in crowd.participants}),
                )
            ).all()
        )
        session.remove()
    figures = count_revisions(ids, count_before, after, new_by_author, accepted)
    missing = [p.user_id for p in crowd.participants if _line(run, p) not in bodies.get(p.room_id, "")]
    figures["lines_missing_from_notes"] = len(missing)
    figures["zero_lost"] = figures["zero_lost"] and not missing
    return figures


def _line(run: str, participant: Participant) -> str:
    return f"- Surge {run}: participant {participant.user_id} was here."


# The load ---------------------------------------------------------------------------------------------------------


class Client:
    """One keep-alive connection; a request on a connection the server has closed meanwhile is sent again on a new
    one (as browsers do), and counted."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.connection: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def request(self, method: str, path: str, cookie: str, body: dict | None = None) -> tuple[int, str, str, float]:
        """(status, Location, text, milliseconds from sending to the last byte)."""
        data = urlencode(body).encode() if body is not None else None
        headers = {"Cookie": cookie}
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            fresh = self.connection is None
            if fresh:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            began = time.perf_counter()
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", errors="replace")
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if fresh or attempt == 2:
                    raise
                self.reconnects += 1
                continue
            elapsed = (time.perf_counter() - began) * 1000
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, response.getheader("Location", ""), text, elapsed
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Tally:
    """What the client threads saw; appended to under a lock."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {step: [] for step in STEPS})
    errors: list[str] = field(default_factory=list)
    conflicts: int = 0
    accepted: int = 0
    homes_with_video_link: int = 0
    homes_with_notes_link: int = 0
    finished_s: list[float] = field(default_factory=list)
    client_cpu_seconds: float = 0.0  # what the client threads cost this process: it shares the cores with the server
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, step: str, ms: float) -> None:
        with self.lock:
            self.latencies[step].append(ms)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def journey(client: Client, crowd: Crowd, participant: Participant, run: str, tally: Tally, began: float) -> None:
    """Home, the room's notes, a save (again from the current notes if a roommate saved first)."""
    cookie = participant.cookie
    status, _location, text, ms = client.request("GET", "/home", cookie)
    tally.record("home", ms)
    if status != 200:
        tally.error(f"home: HTTP {status} for participant {participant.user_id}")
        return
    notes = crowd.notes_path(participant)
    with tally.lock:
        tally.homes_with_notes_link += f'href="{notes}"' in text
        tally.homes_with_video_link += bool(crowd.video_url) and f'href="{html.escape(crowd.video_url)}"' in text
    for _attempt in range(MAX_SAVE_ATTEMPTS):
        status, _location, text, ms = client.request("GET", notes, cookie)
        tally.record("notes", ms)
        fields = page_fields(text) if status == 200 else None
        if fields is None:
            missing = ", without the notes form" if status == 200 else ""
            tally.error(f"notes: HTTP {status} for participant {participant.user_id}{missing}")
            return
        token, version, body = fields
        form = {
            "csrf_token": token,
            "body": f"{body.rstrip()}\n{_line(run, participant)}\n",
            "base_version": version,
            "save": "Save the notes",
        }
        status, location, _text, ms = client.request("POST", notes, cookie, form)
        tally.record("save", ms)
        if status == 302 and urlsplit(location).path == notes:
            with tally.lock:
                tally.accepted += 1
                tally.finished_s.append(time.monotonic() - began)
            return
        if status != 409:
            tally.error(f"save: HTTP {status} for participant {participant.user_id}")
            return
        with tally.lock:
            tally.conflicts += 1
    tally.error(f"save: still refused as stale after {MAX_SAVE_ATTEMPTS} attempts (participant {participant.user_id})")


def warm_up(server: Server, crowd: Crowd, connections: int) -> None:
    """A few views of home and the notes over several connections, so that every worker has rendered them
    (compiled templates, caches): the surge meets servers that have been up. Nothing is saved."""
    someone = crowd.participants[0]
    clients = [Client(server.url) for _ in range(connections)]

    def views(client: Client) -> None:
        for _ in range(3):
            client.request("GET", "/home", someone.cookie)
            client.request("GET", crowd.notes_path(someone), someone.cookie)
        client.close()

    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(views, clients))
    server.drain()


def surge(server: Server, crowd: Crowd, run: str, concurrency: int) -> tuple[Tally, float, int]:
    """Everyone at once through `concurrency` connections; (what was seen, wall seconds, reconnections)."""
    tally = Tally()
    local = threading.local()
    clients: list[Client] = []
    began = time.monotonic()

    def one(participant: Participant) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = Client(server.url)
            with tally.lock:
                clients.append(client)
        try:
            journey(client, crowd, participant, run, tally, began)
        except (OSError, http.client.HTTPException) as error:
            client.close()
            tally.error(f"{type(error).__name__}: {error} (participant {participant.user_id})")

    cpu = time.process_time()
    with ThreadPoolExecutor(concurrency, thread_name_prefix="surge") as pool:
        list(pool.map(one, crowd.participants))
    wall = time.monotonic() - began
    tally.client_cpu_seconds = time.process_time() - cpu
    for client in clients:
        client.close()
    return tally, wall, sum(c.reconnects for c in clients)


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int, *, with_reaped: bool = False) -> float:
    """A process's user and system CPU time, with (`with_reaped`) that of its children it has waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if with_reaped else 0)
    return ticks / _TICKS


def tree_cpu_seconds(pid: int | None) -> float:
    """The CPU time of a process and its children, those that ended included (a process tree such as gunicorn's or
    PostgreSQL's, whose backends come and go)."""
    if pid is None:
        return 0.0
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return _cpu_seconds(pid, with_reaped=True) + sum(_cpu_seconds(child) for child in children)


def postmaster_pid(postgres: PostgresServer | None) -> int | None:
    if postgres is None:
        return None
    try:
        return int((postgres.data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None


def run_once(app: Flask, crowd: Crowd, run: str, url: str, workdir: Path, args, database_pid: int | None) -> dict:
    """One surge on a freshly booted server, and what the database holds afterwards."""
    age_sessions(app, crowd)
    count_before, largest_before = revision_state(app, crowd)
    env = server_env(url)
    with gunicorn(env, workdir / f"gunicorn-{run}.log", workers=args.workers, threads=args.threads) as server:
        warm_up(server, crowd, min(args.concurrency, 16))
        _log(f"{run}: {len(crowd.participants)} participants through {args.concurrency} connections")
        cpu_before = tree_cpu_seconds(server.master_pid), tree_cpu_seconds(database_pid)
        tally, wall, reconnects = surge(server, crowd, run, args.concurrency)
        cpu = {
            "gunicorn_s": round(tree_cpu_seconds(server.master_pid) - cpu_before[0], 1),
            "postgresql_s": round(tree_cpu_seconds(database_pid) - cpu_before[1], 1) if database_pid else None,
            "client_s": round(tally.client_cpu_seconds, 1),
            "available_s": round(wall * (os.cpu_count() or 1), 1),
        }
        peak = server.peak_worker_rss_mb()
        if any("HTTP 5" in e for e in tally.errors):
            print(server.log_path.read_text()[-3000:], file=sys.stderr)
    checked = check_database(app, crowd, run, largest_before, count_before, tally.accepted)
    everything = [ms for step in STEPS for ms in tally.latencies[step]]
    requests = len(everything)
    figures = {
        "wall_seconds": round(wall, 2),
        "requests": requests,
        "requests_per_s": round(requests / wall, 1) if wall else 0.0,
        "errors": len(tally.errors),
        "error_sample": tally.errors[:10],
        "conflicts_saved_again": tally.conflicts,
        "reconnections": reconnects,
        "steps": {step: latency_figures(tally.latencies[step]) for step in STEPS},
        "overall": latency_figures(everything),
        "participants_done_by_s": {f"p{p}": round(percentile(tally.finished_s, p), 1) for p in (50, 90, 99, 100)},
        "homes_with_notes_link": tally.homes_with_notes_link,
        "homes_with_video_link": tally.homes_with_video_link,
        "peak_worker_rss_mb": peak,
        "client_cpu_seconds": round(tally.client_cpu_seconds, 1),
        "cpu_seconds": cpu,  # during the surge: gunicorn's workers, PostgreSQL, this client; cores x wall time
        "cpu_ms_per_request": {
            key.removesuffix("_s"): round(value * 1000 / requests, 1) if value is not None and requests else None
            for key, value in cpu.items()
            if key != "available_s"
        },
        "database": checked,
    }
    figures["targets"] = evaluate(figures, len(crowd.participants))
    return figures


def evaluate(figures: dict, participants: int) -> list[dict]:
    """Issue 16's surge targets against one run's figures."""
    rows = [
        _target(f"all within {WALL_LIMIT_S:.0f} s", figures["wall_seconds"] <= WALL_LIMIT_S,
                f"{figures['wall_seconds']} s"),
        _target("zero errors", figures["errors"] == 0, f"{figures['errors']} of {figures['requests']} requests"),
        _target("zero lost revisions", figures["database"]["zero_lost"],
                f"{figures['database']['new_revisions']} new revisions for {participants} participants, "
                f"{figures['database']['lost']} lost, {figures['database']['lines_missing_from_notes']} lines "
                "missing from the notes"),
    ]  # fmt: skip
    for name, step in (*figures["steps"].items(), ("overall", figures["overall"])):
        rows.append(_target(f"{name}: p99 < {P99_LIMIT_MS:.0f} ms", step["p99_ms"] < P99_LIMIT_MS,
                            f"p99 {step['p99_ms']} ms"))  # fmt: skip
        rows.append(_target(f"{name}: p99 <= {P99_TO_P50:.0f} x p50", step["p99_ms"] <= P99_TO_P50 * step["p50_ms"],
                            f"p99 {step['p99_ms']} ms, p50 {step['p50_ms']} ms"))  # fmt: skip
    return rows


def _target(target: str, met: bool, detail: str) -> dict:
    return {"target": target, "met": bool(met), "detail": detail}


_STARTED = time.monotonic()


def _log(message: str) -> None:
    print(f"surge [{time.monotonic() - _STARTED:5.1f}s] {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.surge", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--participants",
        type=int,
        default=DEFAULT_PARTICIPANTS,
        help=f"how many of the big cohort's participants (default {DEFAULT_PARTICIPANTS}: all)",
    )
    parser.add_argument(
        "--database-url",
        help="an empty PostgreSQL database to fill and use (default: a throwaway server from tests/tools/pgserver.py)",
    )
    parser.add_argument("--concurrency", type=int, default=32, help="client connections (default 32, as make bench)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn gthread workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument(
        "--output",
        type=Path,
        help="the JSON file (default bench/results/surge.json for 2,000 "
        "participants, surge-N.json otherwise; only the former updates docs/PERFORMANCE.md)",
    )
    args = parser.parse_args(argv)  # fmt: skip
    if args.participants < 1:
        parser.error("--participants must be at least 1")
    started = datetime.now(UTC)
    full = args.participants == DEFAULT_PARTICIPANTS and args.output is None
    output = args.output or (SURGE_RESULTS if full else SURGE_RESULTS.with_name(f"surge-{args.participants}.json"))
    at_start = machine()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plenary-surge-")))
        url = args.database_url
        postgres = None
        if url is None:
            postgres = stack.enter_context(PostgresServer())
            _log(f"postgresql: server started in {postgres.start_seconds:.1f} s")
            url = postgres.url
        manifest, _setup = prepare_database(url, "full")
        app = make_app(url)
        with app.app_context():
            version = db.session.scalar(sa.text("SELECT version()"))
            db.session.remove()
        began = time.monotonic()
        crowd = gather(app, manifest, args.participants)
        _log(f"signed {len(crowd.participants)} participants in (in-process) in {time.monotonic() - began:.1f} s")
        runs = {}
        database_pid = postmaster_pid(postgres)
        runs["as_is"] = run_once(app, crowd, "as_is", url, workdir, args, database_pid)
        _report_run("as_is", runs["as_is"])
        starts = open_video_window(app, crowd)
        _log(f"video_window_open: session {crowd.session_id} now starts at {starts:%H:%M:%S} UTC")
        runs["video_window_open"] = run_once(app, crowd, "video_window_open", url, workdir, args, database_pid)
        runs["video_window_open"]["session_starts_at"] = starts.isoformat()
        _report_run("video_window_open", runs["video_window_open"])
        with app.app_context():
            db.engine.dispose()
    results = {
        "participants": args.participants,
        "cohort_participants": manifest.cohorts["big"].participants,
        "rooms": manifest.cohorts["big"].rooms,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "threads": args.threads,
        "database_version": (version or "").split(" on ")[0],
        "runs": runs,
        "machine": at_start,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "date": started.isoformat(timespec="seconds"),
        "command": "python -m bench.surge" + ("" if full else f" --participants {args.participants}"),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    _log(f"wrote {output}")
    if full:
        path = write_surge_section(results, ROOT / "docs" / "PERFORMANCE.md")
        _log(f"wrote the surge section of {path.relative_to(ROOT)}")
    missed = [(run, t) for run, figures in runs.items() for t in figures["targets"] if not t["met"]]
    for run, t in missed:
        _log(f"NOT MET ({run}) {t['target']}: {t['detail']}")
    return 0


def _report_run(run: str, figures: dict) -> None:
    steps = "  ".join(
        f"{name} p50 {f['p50_ms']:.0f} / p99 {f['p99_ms']:.0f} ms" for name, f in figures["steps"].items()
    )
    db_figures = figures["database"]
    _log(
        f"{run}: {figures['requests']} requests in {figures['wall_seconds']} s, {figures['errors']} errors, "
        f"{figures['conflicts_saved_again']} saves done again; {steps}; overall p99 {figures['overall']['p99_ms']} ms; "
        f"video link on {figures['homes_with_video_link']} homes; revisions {db_figures['revisions_before']} -> "
        f"{db_figures['revisions_after']} ({db_figures['lost']} lost)"
    )


if __name__ == "__main__":
    sys.exit(main())
