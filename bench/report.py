"""Issue 7's targets checked against a run's figures, and docs/PERFORMANCE.md written from them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench.pages import PAGES, PARTICIPANT, PUBLIC, TRAINER

PROFILING_HEADING = "## Profiling: before and after"
PROFILING_PLACEHOLDER = f"""{PROFILING_HEADING}

> **Placeholder for the lead.** Profile the slowest page (py-spy or pyinstrument), fix what it shows, and record
> the page, the profile's main cost and the figures before and after here. `make bench` keeps this section as it
> is when it rewrites the rest of the file.
"""
SURGE_HEADING = "## Surge: 2,000 participants in one minute"
SURGE_RESULTS = Path(__file__).resolve().parent / "results" / "surge.json"  # written by bench/surge.py
MEMORY_LIMIT_MB = 150
ROOM_GENERATION_LIMIT_S = 0.2
SYNC_LIMIT_S = 2.0


def _rps(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _ratio(value: float) -> str:
    return f"{value:.3f}" if value >= 0.01 else f"{value:.4f}"


def _row(target: str, met: bool | None, detail: str) -> dict:
    return {"target": target, "met": bool(met), "detail": detail}


def evaluate_targets(report: dict) -> list[dict]:
    """Each target of issue 7, on PostgreSQL (the top-level figures), with what was measured."""
    pages = report.get("pages", {})
    hello = report.get("hello_rps", 0)
    kinds = {p.name: p.who for p in PAGES}
    rows = []
    floors = ((PUBLIC, 0.5, "public page"), (PARTICIPANT, 0.25, "signed-in page"), (TRAINER, 0.1, "trainer page"))
    for who, floor, label in floors:
        for name, figures in pages.items():
            if kinds.get(name) == who:
                ratio = figures["ratio_to_hello"]
                rows.append(
                    _row(
                        f"{name}: {label} >= {floor} of hello-world",
                        ratio >= floor,
                        f"{_ratio(ratio)} ({_rps(figures['rps'])} of {hello:.0f} requests/s)",
                    )
                )
    # Issue 16, the session-start surge: the signed-in pages several times faster.
    surge = ((PARTICIPANT, 0.12, 3.0, "signed-in participant page"), (TRAINER, 0.03, 15.0, "trainer page"))
    for who, floor, limit_ms, label in surge:
        for name, figures in pages.items():
            if kinds.get(name) == who:
                ratio, ms = figures["ratio_to_hello"], figures["in_process_ms"]["big"]
                rows.append(
                    _row(
                        f"{name}: {label} >= {floor} of hello-world and <= {limit_ms:g} ms in-process (surge)",
                        ratio >= floor and ms <= limit_ms,
                        f"{_ratio(ratio)} of hello-world, {ms} ms in-process on the big cohort",
                    )
                )
    for name, figures in pages.items():
        if kinds.get(name) in (PUBLIC, PARTICIPANT) and figures.get("medium_to_small_time") is not None:
            ratio = figures["medium_to_small_time"]
            ms = figures["in_process_ms"]
            rows.append(
                _row(
                    f"{name}: 500-participant cohort within 1.5 x the 20-participant cohort's time",
                    ratio <= 1.5,
                    f"{ratio:.2f} x ({ms['medium']} ms vs {ms['small']} ms in-process)",
                )
            )
    for name, figures in pages.items():
        p50, p99 = figures["p50_ms"], figures["p99_ms"]
        rows.append(_row(f"{name}: p99 <= 10 x p50", p99 <= 10 * p50, f"p99 {p99} ms, p50 {p50} ms"))
    for name, figures in pages.items():
        same = figures["queries_small"] == figures["queries"] == figures.get("queries_medium", figures["queries"])
        rows.append(
            _row(
                f"{name}: queries do not grow with cohort size",
                same,
                f"{figures['queries_small']} / {figures.get('queries_medium', '-')} / {figures['queries']} "
                "(small / medium / big)",
            )
        )
    peak = report.get("peak_worker_rss_mb", 0)
    rows.append(_row(f"peak memory per worker < {MEMORY_LIMIT_MB} MB", peak < MEMORY_LIMIT_MB, f"{peak} MB"))
    rooms = report.get("room_generation_10k_s")
    if rooms is not None:
        rows.append(
            _row(
                f"breakout room generation for 10,000 participants < {ROOM_GENERATION_LIMIT_S} s",
                rooms < ROOM_GENERATION_LIMIT_S,
                f"{rooms} s",
            )
        )
    sync = report.get("sync_100_courses_s")
    if sync is not None:
        rows.append(_row(f"flask courses sync of 100 courses < {SYNC_LIMIT_S} s", sync < SYNC_LIMIT_S, f"{sync} s"))
    for database, figures in report.get("confirmations", {}).items():
        rows.append(
            _row(
                f"no overselling under {figures['attempts']} concurrent registrations ({database})",
                not figures["oversold"]
                and figures["answered_302"] == figures["attempts"]
                and figures["all_fitting_groups_confirmed"],
                f"{figures['seats_taken']} of {figures['capacity']} seats, {figures['confirmed']} confirmed, "
                f"{figures['waitlisted']} waitlisted, {figures['answered_302']} of {figures['attempts']} answered "
                f"with a redirect",
            )
        )
    return rows


def _table(results: dict) -> str:
    lines = [
        "| page | who | requests/s | p50 ms | p99 ms | ratio to hello | queries small / medium / big | KB | peak MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, f in results["pages"].items():
        lines.append(
            f"| {name} | {f['who']} | {_rps(f['rps'])} | {f['p50_ms']:.1f} | {f['p99_ms']:.1f} | "
            f"{_ratio(f['ratio_to_hello'])} | {f['queries_small']} / {f.get('queries_medium', '-')} / {f['queries']} | "
            f"{f.get('kb_per_response', 0):.1f} | {f['peak_worker_rss_mb']:.0f} |"
        )
    lines.append(f"| hello-world | public | {results['hello_rps']:.0f} | | | 1.000 | 0 | | |")
    for name, reason in results.get("skipped", {}).items():
        lines.append(f"| {name} | skipped: {reason} | | | | | | | |")
    return "\n".join(lines)


def _section_pattern(heading: str) -> re.Pattern:
    return re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def _existing_section(path: Path, heading: str) -> str | None:
    if not path.exists():
        return None
    match = _section_pattern(heading).search(path.read_text())
    return match.group(0).rstrip() + "\n" if match else None


def _existing_profiling(path: Path) -> str:
    return _existing_section(path, PROFILING_HEADING) or PROFILING_PLACEHOLDER


def _surge_for(path: Path, surge_results: Path) -> str | None:
    """The surge section, from bench/results/surge.json when there is one, else as the file has it, else none."""
    if surge_results.exists():
        return surge_section(json.loads(surge_results.read_text()))
    return _existing_section(path, SURGE_HEADING)


_SURGE_RUNS = {
    "as_is": "as generated: the session started 30 minutes ago",
    "video_window_open": "the video link window just opened",
}


def surge_section(results: dict) -> str:
    """The "Surge" section of docs/PERFORMANCE.md from bench/surge.py's results."""
    machine = results["machine"]
    runs = results["runs"]
    lines = [
        SURGE_HEADING,
        "",
        f"Measured {results['date']} on {machine['cores']} cores ({machine['cpu']}), {machine['memory_gb']} GB, "
        f"Python {machine['python']}, {results['database_version']}; load average at the start "
        f"{machine['load_average_at_start']}, at the end {results['load_average_at_end']}. Command: "
        f"`make bench-surge` (`{results['command']}`), figures in `bench/results/surge.json`."
        + (
            " The machine was shared: a load average above its core count means other work had part of the cores "
            "during the run."
            if max(results.get("load_average_at_end", [0])[:1] + machine["load_average_at_start"][:1])
            > machine["cores"]
            else ""
        ),
        "",
        f"{results['participants']:,} distinct participants of the big cohort (of {results['cohort_participants']:,} "
        f"participants in {results['rooms']} rooms), each with a signed-in session of their own made by the "
        "benchmark and an hour old (so each one's first request notes the visit), open their home page, then "
        "their room's notes for the session, then save a revision (the form's text plus a line of their own, with "
        "the CSRF token and the base version the form carries). All start at once: "
        f"{results['concurrency']} client threads, each with one keep-alive connection, take the next participant "
        f"as soon as they are free, against gunicorn ({results['workers']} gthread workers of {results['threads']} "
        f"threads, as `make bench`) on PostgreSQL, on the same {machine['cores']} cores as the client and the "
        "database. Latency is from sending a request to its last byte; a participant's wait for a free "
        "connection counts in the wall time, not in the latencies. A save refused because a roommate saved "
        "first (409) is done again from the notes as they are then, and counted; any other unexpected answer is "
        "an error. Each run has a freshly booted, warmed server; after it the database is checked: one new "
        "revision per participant, by them, and every participant's line in their room's notes.",
        "",
        "Targets (issue 16): all within 60 s, zero errors, zero lost revisions, p99 under 1 s and p99 <= 10 x p50 "
        "(each step and overall). A missed target is marked below with what was measured.",
        "",
        "| run | step | requests | p50 ms | p90 ms | p99 ms | max ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run, figures in runs.items():
        for step, f in (*figures["steps"].items(), ("overall", figures["overall"])):
            lines.append(
                f"| {run} | {step} | {f['requests']:,} | {f['p50_ms']:.1f} | {f['p90_ms']:.1f} | {f['p99_ms']:.1f} | "
                f"{f['max_ms']:.1f} |"
            )
    lines.append("")
    for run, figures in runs.items():
        checked = figures["database"]
        done = figures["participants_done_by_s"]
        lines.append(
            f"- `{run}` ({_SURGE_RUNS.get(run, run)}): {figures['wall_seconds']} s for {figures['requests']:,} "
            f"requests ({figures['requests_per_s']} requests/s), {figures['errors']} errors, "
            f"{figures['conflicts_saved_again']} saves done again after a roommate's; half the participants had "
            f"saved after {done['p50']} s, 90 % after {done['p90']} s, all after {done['p100']} s; the video link on "
            f"{figures['homes_with_video_link']:,} of {results['participants']:,} home pages; revisions "
            f"{checked['revisions_before']:,} before, {checked['revisions_after']:,} after: "
            f"{checked['new_revisions']:,} new for {checked['expected']:,} participants, {checked['lost']} lost, "
            f"{checked['lines_missing_from_notes']} lines missing from the notes; peak worker memory "
            f"{figures['peak_worker_rss_mb']} MB; the client's threads used {figures.get('client_cpu_seconds', '-')} "
            "s of CPU."
        )
        cpu, per_request = figures.get("cpu_seconds"), figures.get("cpu_ms_per_request", {})
        if cpu:
            database = (
                f"PostgreSQL {cpu['postgresql_s']} s ({per_request['postgresql']} ms a request), "
                if cpu.get("postgresql_s") is not None
                else ""
            )
            lines.append(
                f"  CPU during the run: gunicorn's workers {cpu['gunicorn_s']} s ({per_request['gunicorn']} ms a "
                f"request), {database}the client {cpu['client_s']} s, of the {cpu['available_s']} s the cores "
                "offered in that time (the rest went to other work on the machine, or was idle)"
                + _ceiling(per_request, machine["cores"])
                + "."
            )
        if figures["wall_seconds"] > 60:
            needed = figures["requests"] / 60
            lines.append(
                f"  Missed: {figures['requests']:,} requests in 60 s need {needed:.0f} requests/s; the server answered "
                f"{figures['requests_per_s']} ({figures['requests_per_s'] / needed:.0%} of that); with "
                f"{results['concurrency']} requests in flight at that rate a request takes "
                f"{results['concurrency'] / figures['requests_per_s']:.2f} s on average (Little's law), whence the "
                "latencies above."
            )
    lines += ["", "| target | " + " | ".join(runs) + " |", "| --- |" + " --- |" * len(runs)]
    names = [t["target"] for t in next(iter(runs.values()))["targets"]]
    for index, name in enumerate(names):
        cells = []
        for figures in runs.values():
            t = figures["targets"][index]
            cells.append(f"{'met' if t['met'] else '**not met**'}: {t['detail']}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _ceiling(per_request: dict, cores: int) -> str:
    """What the measured CPU cost of a request allows on these cores with nothing else running."""
    spent = sum(ms for ms in per_request.values() if ms)
    if not spent:
        return ""
    return (
        f"; at {spent:.1f} ms of CPU a request, {cores} cores serve at most {cores * 1000 / spent:.0f} requests/s "
        "with nothing else running"
    )


def write_surge_section(results: dict, path: Path) -> Path:
    """Put the surge section into docs/PERFORMANCE.md: in place of the old one, else before the profiling section,
    else at the end; the rest of the file is kept as it is."""
    section = surge_section(results)
    text = path.read_text() if path.exists() else "# Performance\n"
    pattern = _section_pattern(SURGE_HEADING)
    if pattern.search(text):
        text = pattern.sub(lambda _match: section + "\n", text, count=1)
    elif re.search(rf"^{re.escape(PROFILING_HEADING)}$", text, re.MULTILINE):
        text = re.sub(
            rf"^{re.escape(PROFILING_HEADING)}$",
            lambda match: section + "\n" + match.group(0),
            text,
            count=1,
            flags=re.MULTILINE,
        )
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n")
    return path


def write_performance_md(report: dict, path: Path, surge_results: Path = SURGE_RESULTS) -> Path:
    """Rewrite docs/PERFORMANCE.md from a full run's report, keeping the profiling section as it is and the surge
    section (bench/surge.py's latest figures, from `surge_results` when it exists)."""
    machine = report["machine"]
    dataset = report["dataset"]
    settings = report["settings"]
    sqlite = report.get("sqlite")
    contention = report.get("confirmations", {})
    targets = report["targets"]
    met = sum(1 for t in targets if t["met"])
    parts = [
        "# Performance",
        "",
        f"Measured {report['date']} on {machine['cores']} cores ({machine['cpu']}), {machine['memory_gb']} GB, "
        f"Python {machine['python']}; load average at the start {machine['load_average_at_start']}. "
        "Written by `make bench` (bench/run.py) from `bench/results/latest.json`; the machine is shared, so figures "
        "move by 10-20 % between runs: compare ratios to hello-world, measured in the same run, rather than "
        "absolute requests per second.",
        "",
        "## How to run",
        "",
        "```bash",
        "make bench-deps   # wrk, from Debian's packages, when missing",
        "make bench        # the full run below: ~8 minutes; writes bench/results/latest.json and this file",
        "make bench-quick  # a smaller data set and 1-second runs: under a minute; bench/results/quick.json",
        "```",
        "",
        f"gunicorn serves `wsgi:app` on loopback with {settings['workers']} gthread workers of {settings['threads']} "
        f"threads (SECRET_KEY set, rate limits off, LOG_LEVEL=WARNING); `wrk -t{settings['wrk_threads']} "
        f"-c{settings['connections']} -d{settings['seconds']}s --latency` drives each page of the big cohort in turn "
        f"(after a {settings.get('warmup_seconds', 0)}-second run that is discarded: workers' first renders), "
        "signed in where the page needs it, with hello-world (`/_bench/hello`, same server, same run) as the "
        "reference. SQL statements per request are counted in-process (Flask test client) on the same database, "
        "for the cohorts of the three sizes, with the public page cache off (what rendering costs); the served app "
        "has it on, as in production, so the public pages' requests per second are those of signed-out visitors "
        "served from each worker's cache (`app/lib/page_cache.py`). Peak memory is the largest VmHWM of any worker "
        "after the page's run.",
        "",
        "## The data set",
        "",
        f"Generated by `bench/dataset.py` (scale `{dataset['scale']}`) in {dataset['generation_seconds']} s on "
        f"PostgreSQL: "
        + ", ".join(f"{n:,} {table.replace('_', ' ')}" for table, n in dataset["rows"].items())
        + ". The running cohorts: "
        + ", ".join(
            f"{key} {c['participants']:,} participants in {c['rooms']} rooms" for key, c in dataset["cohorts"].items()
        )
        + "; each has notes for every room in three sessions with 20 revisions each.",
        "",
        f"## PostgreSQL ({report.get('database_version', '').split(' on ')[0]})",
        "",
        _table(report),
        "",
    ]
    if sqlite:
        parts += [f"## SQLite ({sqlite.get('database_version', '')})", "", _table(sqlite), ""]
    parts += ["## Registration confirmations under contention", ""]
    for database, c in contention.items():
        parts.append(
            f"- {database}: {c['attempts']} groups of {c['group_size']} register at once for {c['capacity']} seats "
            f"(room for {c['groups_that_fit']}): {c['confirmed']} confirmed, {c['waitlisted']} waitlisted in "
            f"{c['burst_seconds']} s ({c['attempts_per_s']} attempts/s, {c['confirmations_per_s']} confirmations/s); "
            f"seats taken {c['seats_taken']} = confirmed seats {c['confirmed_seats']} = confirmed rosters "
            f"{c['confirmed_rostered']}: {'no overselling' if not c['oversold'] else 'OVERSOLD'}."
        )
    rooms = report.get("room_generation", {})
    sync = report.get("course_sync", {})
    if "seconds" in rooms:
        room_text = ", ".join(f"{strategy} {seconds} s" for strategy, seconds in rooms["seconds"].items())
    else:
        room_text = rooms.get("skipped", "not measured")
    if "first_sync_s" in sync:
        sync_text = f"{sync['first_sync_s']} s"
        if "second_sync_s" in sync:
            sync_text += (
                f"; a second, idempotent sync {sync['second_sync_s']} s; `flask --help` alone (start-up) "
                f"{sync['flask_startup_s']} s; in-process (load the files, sync into another new database) "
                f"{sync.get('in_process_sync_s')} s"
            )
    else:
        sync_text = f"failed: {sync.get('failed', '')}"
    parts += [
        "",
        "## In-process timings",
        "",
        f"- Breakout room generation for 10,000 participants (`assign_rooms`, best of 3): {room_text}.",
        f"- `flask courses sync` of 100 generated courses into a new SQLite database, the whole command: {sync_text}.",
        "",
        f"## Targets ({met} of {len(targets)} met, on PostgreSQL)",
        "",
        "| target | met | measured |",
        "| --- | --- | --- |",
    ]
    parts += [f"| {t['target']} | {'met' if t['met'] else '**not met**'} | {t['detail']} |" for t in targets]
    surge = _surge_for(path, surge_results)
    if surge:
        parts += ["", surge]
    parts += ["", _existing_profiling(path)]
    path.write_text("\n".join(parts).rstrip() + "\n")
    return path
