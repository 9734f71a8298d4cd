"""`python -m bench.profile`: where a signed-in page's time goes, in-process, on the big cohort of the data set.

Prepares a SQLite database with the full data set (or reuses `--database` with its manifest beside it as
`<file>.json`), signs in as the page's person, warms the page, then times `--requests` requests (median wall-clock
and CPU time: the CPU figure holds up better on a busy machine) and prints the functions that cost most under
cProfile. With `--postgresql` the same runs against a throwaway PostgreSQL server (tests/tools/pgserver.py) filled
with the full data set; the CPU figure is then the app's own process only, without the server's. Used to write
"Profiling: before and after" in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import time
from contextlib import ExitStack
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from bench.dataset import Manifest
from bench.pages import PAGES, _signed_in_client, email_for
from bench.prepare import make_app, prepare_database
from tests.tools.pgserver import PostgresServer

DEFAULT_PAGES = "participant_home,reading_page,room_notes"


def _database(path: Path, rebuild: bool) -> Manifest:
    manifest_file = path.with_suffix(path.suffix + ".json")
    if rebuild or not (path.exists() and manifest_file.exists()):
        path.unlink(missing_ok=True)
        manifest, _setup = prepare_database(f"sqlite:///{path}", "full")
        manifest_file.write_text(json.dumps(manifest.to_json()))
    return Manifest.from_json(json.loads(manifest_file.read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", type=Path, default=Path("/tmp/plenary-profile.db"))
    parser.add_argument("--rebuild", action="store_true", help="make the database again")
    parser.add_argument("--postgresql", action="store_true", help="a throwaway PostgreSQL server instead of SQLite")
    parser.add_argument("--pages", default=DEFAULT_PAGES, help=f"comma-separated (default {DEFAULT_PAGES})")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25, help="functions listed per page (0: timings only)")
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.postgresql:
            url = stack.enter_context(PostgresServer()).url
            manifest, _setup = prepare_database(url, "full")
        else:
            manifest, url = _database(args.database, args.rebuild), f"sqlite:///{args.database}"
        app = make_app(url)
        profile_pages(app, manifest, args)
        with app.app_context():
            db.engine.dispose()


def profile_pages(app, manifest: Manifest, args: argparse.Namespace) -> None:
    with app.app_context():
        engine = db.engine
    wanted = {name.strip() for name in args.pages.split(",")}
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    for page in (p for p in PAGES if p.name in wanted):
        client = _signed_in_client(app, email_for(page, manifest, "big"), manifest.password)
        path = page.path(manifest.cohorts["big"])
        statements.clear()
        for _ in range(5):
            status = client.get(path).status_code
        sa.event.listen(engine, "before_cursor_execute", record)
        client.get(path)
        sa.event.remove(engine, "before_cursor_execute", record)
        times, cpu = [], []
        for _ in range(args.requests):
            began, began_cpu = time.perf_counter(), time.process_time()
            client.get(path)
            times.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        print(
            f"{page.name}: HTTP {status}, {len(statements)} statements, median {statistics.median(times):.2f} ms "
            f"(CPU {statistics.median(cpu):.2f} ms), p90 {statistics.quantiles(times, n=10)[-1]:.2f} ms "
            f"over {args.requests} requests"
        )
        if args.top:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                client.get(path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
