"""`python -m bench.run [--quick]`: the core pages under load on PostgreSQL, then SQLite, against hello-world.

For each database: migrate, sync the courses, generate the data set (bench/dataset.py), count every page's SQL
statements in-process on the small, medium and big cohorts, serve the app with gunicorn on loopback, drive
hello-world and then each page of the big cohort with wrk, record workers' peak memory, and run the registration
contention benchmark (bench/confirmations.py). Then time breakout room generation and a 100-course sync.

Writes bench/results/latest.json (and docs/PERFORMANCE.md), or bench/results/quick.json with --quick.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from bench import confirmations, extras
from bench.dataset import Manifest
from bench.load import Browser, Server, WrkMissing, gunicorn, require_wrk, run_wrk, server_env
from bench.pages import PAGES, PARTICIPANT, TRAINER, InProcess, measure_in_process
from bench.prepare import ROOT, make_app, prepare_database
from bench.report import evaluate_targets, write_performance_md
from tests.tools.pgserver import PostgresServer

RESULTS = ROOT / "bench" / "results"
HELLO = "/_bench/hello"


@dataclass(frozen=True)
class Settings:
    scale: str
    seconds: int  # wrk duration per page
    connections: int
    wrk_threads: int
    workers: int  # gunicorn workers (gthread)
    threads: int  # threads per worker
    repeats: int  # in-process requests timed per page and cohort size
    attempts: int  # concurrent registration attempts
    hello_runs: int  # hello-world measured at the start (and the end, when 2)
    warmup_seconds: int  # load on each page before its measured run, discarded (workers' first renders)


FULL = Settings("full", seconds=10, connections=32, wrk_threads=2, workers=2, threads=4, repeats=7, attempts=300,
                hello_runs=2, warmup_seconds=2)  # fmt: skip
QUICK = Settings("quick", seconds=1, connections=16, wrk_threads=2, workers=2, threads=4, repeats=0, attempts=100,
                 hello_runs=1, warmup_seconds=0)  # fmt: skip


_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"bench [{time.monotonic() - _STARTED:5.1f}s] {message}", flush=True)


def machine() -> dict:
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor()
    memory_kb = 0
    with suppress(OSError, IndexError, ValueError):
        memory_kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "cpu": model,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def _wrk(server: Server, path: str, settings: Settings, cookie: str | None = None, seconds: int | None = None):
    return run_wrk(
        server.url + path,
        seconds=seconds or settings.seconds,
        connections=settings.connections,
        threads=settings.wrk_threads,
        cookie=cookie,
    )


@dataclass
class Prepared:
    """A database ready to serve, and what was measured in-process on it."""

    kind: str
    url: str
    manifest: Manifest
    setup_seconds: float
    version: str
    in_process: dict[str, dict[str, InProcess]]
    contest: confirmations.Contest


def prepare(kind: str, url: str, settings: Settings) -> Prepared:
    """Migrate, sync, generate; count statements in-process; add the contended cohort (runs in a child process for
    SQLite, while PostgreSQL is prepared)."""
    log(f"{kind}: preparing the database ({settings.scale} data set)")
    manifest, setup_seconds = prepare_database(url, settings.scale)
    # In-process figures are what rendering costs; the served app caches public pages (app/lib/page_cache.py).
    app = make_app(url, PUBLIC_PAGE_CACHE=False)
    with app.app_context():
        version = db.session.scalar(sa.text("SELECT version()" if kind == "postgresql" else "SELECT sqlite_version()"))
        db.session.remove()
    log(f"{kind}: counting SQL statements in-process")
    in_process = measure_in_process(app, manifest, settings.repeats)
    contest = confirmations.prepare(app, manifest, settings.attempts)
    with app.app_context():
        db.engine.dispose()
    log(f"{kind}: ready")
    return Prepared(kind, url, manifest, setup_seconds, version, in_process, contest)


def _page_figures(result, counted: dict[str, InProcess], server: Server, who: str, path: str) -> dict:
    small, medium = counted["small"].ms, counted["medium"].ms
    return {
        "rps": result.rps,
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "ratio_to_hello": 0.0,  # filled in once hello-world is known
        "queries": counted["big"].queries,
        "queries_small": counted["small"].queries,
        "queries_medium": counted["medium"].queries,
        "in_process_ms": {size: counted[size].ms for size in ("small", "medium", "big")},
        "medium_to_small_time": round(medium / small, 2) if small else None,
        "peak_worker_rss_mb": server.peak_worker_rss_mb(),
        "errors": result.errors,
        "kb_per_response": result.kb_per_response,
        "who": who,
        "path": path,
    }


def measure_served(prepared: Prepared, settings: Settings, server: Server) -> tuple[dict, dict]:
    """Drive hello-world and every page of the served database, then the registration burst; returns (the
    database's results, its confirmation figures)."""
    kind, manifest = prepared.kind, prepared.manifest
    big = manifest.cohorts["big"]
    pages: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    log_path = server.log_path
    cookies: dict[str, str] = {}
    for who, email in ((PARTICIPANT, big.participant_email), (TRAINER, manifest.trainer_email)):
        browser = Browser(server.url)
        browser.login(email, manifest.password)
        cookies[who] = browser.cookie_header
    if settings.warmup_seconds:
        _wrk(server, HELLO, settings, seconds=settings.warmup_seconds)
        server.drain()
    hello_runs = [_wrk(server, HELLO, settings)]
    server.drain()
    log(f"{kind}: hello-world {hello_runs[0].rps:.0f} requests/s")
    for page in PAGES:
        path = page.path(big)
        cookie = cookies.get(page.who)
        counted = prepared.in_process[page.name]
        # Checked first on the same database in-process (the page may not exist yet), then over HTTP after the
        # run: wrk does not count redirects (say, to the login page) as errors.
        status = counted["big"].status
        if status != 200:
            skipped[page.name] = f"{path} answered HTTP {status} for the {page.who} user"
            log(f"WARNING {kind}: skipping {page.name}: {skipped[page.name]}")
            continue
        if settings.warmup_seconds:
            # Each worker's first requests compile templates and fill its public page cache: not the steady state.
            _wrk(server, path, settings, cookie, seconds=settings.warmup_seconds)
            server.drain()
        result = _wrk(server, path, settings, cookie)
        pages[page.name] = _page_figures(result, counted, server, page.who, path)
        waited = server.drain()
        checker = Browser(server.url)
        if cookie:
            checker.opener.addheaders = [("Cookie", cookie)]
        after = checker.request(path).status
        pages[page.name]["status_after_run"] = after
        if after != 200:
            log(f"WARNING {kind}: {page.name} answered HTTP {after} over HTTP: its figures are not the page's")
            if after >= 500:
                print(log_path.read_text()[-3000:], file=sys.stderr)
        log(
            f"{kind}: {page.name:<20} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.1f} ms  "
            f"p99 {result.p99_ms:7.1f} ms  queries {counted['small'].queries}/{counted['big'].queries}"
            + (f"  ERRORS {result.errors}" if result.errors else "")
            + (f"  (drained {waited:.1f} s)" if waited > 0.5 else "")
        )
    if settings.hello_runs > 1:
        hello_runs.append(_wrk(server, HELLO, settings))
        server.drain()
        log(f"{kind}: hello-world again {hello_runs[-1].rps:.0f} requests/s")
    peak = server.peak_worker_rss_mb()
    log(f"{kind}: {settings.attempts} concurrent registration attempts")
    figures = confirmations.run(server.url, prepared.contest)
    app = make_app(prepared.url)
    contended = confirmations.verify(app, prepared.contest, figures)
    with app.app_context():
        db.engine.dispose()
    log(
        f"{kind}: confirmations: {contended['confirmed']} confirmed, {contended['waitlisted']} waitlisted of "
        f"{contended['attempts']} in {contended['burst_seconds']} s; oversold: {contended['oversold']}"
    )
    hello_rps = round(sum(r.rps for r in hello_runs) / len(hello_runs), 1)
    for figures_of_page in pages.values():
        figures_of_page["ratio_to_hello"] = round(figures_of_page["rps"] / hello_rps, 4) if hello_rps else 0.0
    results = {
        "pages": pages,
        "hello_rps": hello_rps,
        "hello": [r.as_dict() for r in hello_runs],
        "skipped": skipped,
        "peak_worker_rss_mb": peak,
        "database": kind,
        "database_version": prepared.version,
        "dataset": {
            "scale": manifest.scale,
            "generation_seconds": manifest.seconds,
            "migrate_and_sync_seconds": round(prepared.setup_seconds, 2),
            "rows": manifest.counts,
            "cohorts": {k: {"participants": c.participants, "rooms": c.rooms} for k, c in manifest.cohorts.items()},
        },
    }
    return results, contended


def time_extras(*, quick: bool) -> tuple[dict, dict]:
    log("timing breakout room generation (10,000 participants) and a sync of 100 generated courses")
    rooms = extras.time_room_generation()
    sync = extras.time_course_sync(quick=quick)
    if quick:
        sync["measured_beside_preparation"] = True
    return rooms, sync


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data set and 1-second runs (under a minute)")
    parser.add_argument("--only", choices=("postgresql", "sqlite"), help="one database only")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    try:
        require_wrk()
    except WrkMissing as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    began = time.monotonic()
    started = datetime.now(UTC)
    report: dict = {}
    contention: dict = {}
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plenary-bench-")))
        helper = stack.enter_context(ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")))
        # SQLite is prepared in a child process while PostgreSQL is, and is ready before any load is generated.
        sqlite_ready = None
        if args.only in (None, "sqlite"):
            sqlite_ready = helper.submit(prepare, "sqlite", f"sqlite:///{workdir / 'bench.db'}", settings)
        # The quick run also times the extras there, before any load (beside PostgreSQL's preparation, so their
        # figures are rougher); the full run times them alone at the end.
        extras_ready = helper.submit(time_extras, quick=True) if args.quick else None
        databases: list[Prepared] = []
        if args.only in (None, "postgresql"):
            postgres = stack.enter_context(PostgresServer())
            log(f"postgresql: server started in {postgres.start_seconds:.1f} s")
            databases.append(prepare("postgresql", postgres.url, settings))
        if sqlite_ready is not None:
            databases.append(sqlite_ready.result())  # no load while the child still works
        if extras_ready is not None:
            rooms, sync = extras_ready.result()
        # Both servers boot at once; the one not being measured stays idle.
        servers = [
            stack.enter_context(
                gunicorn(
                    server_env(prepared.url),
                    workdir / f"gunicorn-{prepared.kind}.log",
                    workers=settings.workers,
                    threads=settings.threads,
                    wait=False,
                )
            )
            for prepared in databases
        ]
        for server in servers:
            server.wait_ready()
        for prepared, server in zip(databases, servers, strict=True):
            results, contention[prepared.kind] = measure_served(prepared, settings, server)
            if report:
                report["sqlite"] = results
            else:
                report.update(results)
    if not args.quick:
        rooms, sync = time_extras(quick=False)
    report["confirmations"] = contention
    report["room_generation_10k_s"] = rooms.get("slowest_s")
    report["room_generation"] = rooms
    report["sync_100_courses_s"] = sync.get("first_sync_s")
    report["course_sync"] = sync
    report["machine"] = machine()
    report["date"] = started.isoformat(timespec="seconds")
    report["settings"] = asdict(settings)
    report["targets"] = evaluate_targets(report)
    report["wall_seconds"] = round(time.monotonic() - began, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    # One database alone is a partial run: its figures go beside the full run's, which keep docs/PERFORMANCE.md.
    name = "quick" if args.quick else "latest"
    target = RESULTS / (f"{name}-{args.only}.json" if args.only else f"{name}.json")
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    log(f"wrote {target.relative_to(ROOT)} in {report['wall_seconds']} s")
    if not args.quick and not args.only:
        path = write_performance_md(report, ROOT / "docs" / "PERFORMANCE.md")
        log(f"wrote {path.relative_to(ROOT)}")
    for target_row in report["targets"]:
        log(f"{'met    ' if target_row['met'] else 'NOT MET'} {target_row['target']}: {target_row['detail']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
