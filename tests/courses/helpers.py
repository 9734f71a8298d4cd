"""Write small course folders for loader tests."""

from __future__ import annotations

from pathlib import Path

import yaml


def write_file(path: Path, meta: dict | str, body: str = "Some text.\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    front = meta if isinstance(meta, str) else yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    path.write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")
    return path


def write_course(
    root: Path,
    slug: str = "sample",
    *,
    course: dict | None = None,
    sessions: dict | None = None,
    readings: dict | None = None,
) -> Path:
    folder = root / slug
    write_file(
        folder / "course.md",
        course
        if course is not None
        else {
            "title": "Sample course",
            "level": "core",
            "summary": "A course for tests.",
            "min_group_size": 3,
        },
        "A description.\n",
    )
    for name, meta in (
        sessions
        if sessions is not None
        else {
            "01-first": {"title": "First", "plenary_minutes": 60, "breakout_minutes": 45, "readings": ["intro"]},
        }
    ).items():
        write_file(folder / "sessions" / f"{name}.md", meta, "## Agenda\n\n- talk\n")
    for name, meta in (
        readings
        if readings is not None
        else {
            "intro": {"title": "Intro", "estimated_minutes": 10, "attribution": "Test team"},
        }
    ).items():
        write_file(
            folder / "readings" / f"{name}.md", meta, "## Text\n\nWords.\n\n## Discussion questions\n\n1. Why?\n"
        )
    return folder
