"""Two in-process timings: breakout room generation for 10,000 participants, and syncing 100 generated courses."""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.dataset import REGIONS
from bench.prepare import ROOT, make_app, migrate_and_sync

ORGANIZATIONS = 400


def time_room_generation(participants: int = 10_000, *, repeats: int = 3) -> dict:
    """Best-of-`repeats` seconds of `app.breakouts.rooms.assign_rooms` per strategy, or a note when it is missing."""
    try:
        from app.breakouts.rooms import Person, assign_rooms, parse_languages, region_of_timezone
    except ImportError as error:
        return {"skipped": f"app.breakouts.rooms.assign_rooms is not available: {error}"}
    rng = random.Random(3)
    people = []
    for key in range(participants):
        group = key // 12
        zone, _country, languages, _places = REGIONS[group % len(REGIONS)]
        people.append(
            Person(
                key=key,
                group=group,
                organization=f"organization-{group % ORGANIZATIONS}",
                region=region_of_timezone(zone if rng.random() < 0.9 else rng.choice(REGIONS)[0]),
                languages=parse_languages(languages),
                companion_of=key - 1 if key % 12 == 11 else None,  # one per group shares a screen
            )
        )
    seconds = {}
    for strategy in ("keep_groups", "mix_organizations"):
        best = float("inf")
        for seed in range(repeats):
            began = time.perf_counter()
            rooms = assign_rooms(people, target_size=10, strategy=strategy, seed=seed)
            best = min(best, time.perf_counter() - began)
        assert sum(len(r) for r in rooms) == participants
        seconds[strategy] = round(best, 4)
    return {"participants": participants, "seconds": seconds, "slowest_s": max(seconds.values())}


_COURSE = """---
title: {title}
level: {level}
summary: {title}, generated for the benchmark. Three sessions on organizing where people live and work.
min_group_size: {min_group_size}
{prerequisites}language: en
---

## What this course is

{paragraph}

## Who it is for

Groups of people who organize together and want to practise a skill as a group.
"""
_SESSION = """---
title: Session {n} of {title}
plenary_minutes: 60
breakout_minutes: 45
readings: [{reading}]
---

## Plenary

1. **Welcome** (10 min) — agreements and a round of names.
2. **Framing** (20 min) — {paragraph}

## Breakout prompts

- What did you recognize from your own place?
- What would you try before the next session?
"""
_READING = """---
title: Reading {n} for {title}
estimated_minutes: {minutes}
attribution: Generated for the Plenary benchmark. CC0.
---

## The idea

{paragraph}

{paragraph}

## Discussion questions

1. Where have you seen this happen?
2. What would change if your group tried it?
"""
_WORDS = [
    "people organize around what they care about",
    "a committee grows from one-on-one conversations",
    "a map of the workplace shows who is missing",
    "leaders are the people others already follow",
    "a campaign is a series of actions that build power",
    "every meeting ends with a decision",
]


def write_courses(root: Path, count: int) -> None:
    """`count` course folders in the documented format (docs/COURSE_FORMAT.md), each with 3 sessions and 3 readings."""
    rng = random.Random(5)
    for index in range(count):
        slug = f"generated-course-{index:03d}"
        title = f"Generated course {index + 1}"
        folder = root / slug
        (folder / "sessions").mkdir(parents=True)
        (folder / "readings").mkdir()
        prerequisite = f"prerequisites: [generated-course-{index - 1:03d}]\n" if index % 4 == 3 else ""

        def paragraph() -> str:
            return " ".join(s.capitalize() + "." for s in rng.sample(_WORDS, 4))

        (folder / "course.md").write_text(
            _COURSE.format(
                title=title,
                level="advanced" if prerequisite else "core",
                min_group_size=rng.choice((3, 5, 10)),
                prerequisites=prerequisite,
                paragraph=paragraph(),
            )
        )
        for n in range(1, 4):
            reading = f"reading-{n}"
            (folder / "sessions" / f"0{n}-session-{n}.md").write_text(
                _SESSION.format(n=n, title=title, reading=reading, paragraph=paragraph())
            )
            (folder / "readings" / f"{reading}.md").write_text(
                _READING.format(n=n, title=title, minutes=rng.randint(5, 20), paragraph=paragraph())
            )


def time_course_sync(count: int = 100, *, quick: bool = False) -> dict:
    """Seconds of `flask courses sync` (the command, process start included) for `count` generated courses into a
    fresh SQLite database; unless `quick`, also of a second, idempotent sync and of the bare `flask` start-up."""
    with tempfile.TemporaryDirectory(prefix="plenary-bench-sync-") as tmp:
        root = Path(tmp)
        courses = root / "courses"
        write_courses(courses, count)
        url = f"sqlite:///{root / 'sync.db'}"
        migrate_and_sync(make_app(url, COURSES_DIR=str(ROOT / "courses")))  # schema, and the two real courses
        env = {"DATABASE_URL": url, "COURSES_DIR": str(courses), "SECRET_KEY": "x" * 40, "LOG_LEVEL": "WARNING"}
        seconds = []
        for _ in range(1 if quick else 2):
            began = time.perf_counter()
            result = subprocess.run(
                [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "courses", "sync"],
                cwd=ROOT,
                env={"PATH": "/usr/bin:/bin", **env},
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            seconds.append(round(time.perf_counter() - began, 3))
            if result.returncode != 0:
                return {"failed": (result.stderr or result.stdout)[-2000:]}
        if quick:
            return {"courses": count, "first_sync_s": seconds[0]}
        began = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "--help"],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", **env},
            capture_output=True,
            timeout=60,
            check=False,
        )
        startup = round(time.perf_counter() - began, 3)
        in_process = _time_in_process_sync(f"sqlite:///{root / 'in-process.db'}", courses)
    return {
        "courses": count,
        "first_sync_s": seconds[0],
        "second_sync_s": seconds[1],
        "flask_startup_s": startup,
        "in_process_sync_s": in_process,
    }


def _time_in_process_sync(url: str, courses: Path) -> float:
    """Seconds to load the course files and sync them, without the command's start-up."""
    from app.courses.loader import load_library
    from app.courses.service import sync_library
    from app.extensions import db

    app = make_app(url, COURSES_DIR=str(ROOT / "courses"))
    migrate_and_sync(app)
    with app.app_context():
        began = time.perf_counter()
        library = load_library(courses)
        sync_library(db.session, library)
        db.session.commit()
        seconds = round(time.perf_counter() - began, 3)
        db.session.remove()
        db.engine.dispose()
    return seconds
