"""Reads the Markdown course library in `courses/` into plain data, reporting every problem with its line.

Nothing here touches the database: `service.sync_library` writes what this returns.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from app.courses.front_matter import (
    COURSE_FIELDS,
    READING_FIELDS,
    SESSION_FIELDS,
    SLUG_RE,
    Problem,
    check_fields,
    read_or_report,
)

SESSION_FILE_RE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")


@dataclass
class ReadingData:
    slug: str
    title: str
    estimated_minutes: int
    attribution: str
    body: str
    path: Path
    discussion_questions: list[str] = field(default_factory=list)


@dataclass
class SessionData:
    position: int
    slug: str
    title: str
    plenary_minutes: int
    breakout_minutes: int
    reading_slugs: list[str]
    body: str
    path: Path
    breakout_prompts: list[str] = field(default_factory=list)


@dataclass
class CourseData:
    slug: str
    title: str
    level: str
    summary: str
    min_group_size: int
    description: str
    path: Path
    prerequisites: list[str] = field(default_factory=list)
    accepts_equivalent_experience: bool = False
    prerequisite_share: float = 0.5
    pre_meeting_reading: str | None = None
    completion_min_sessions: int | None = None
    language: str = "en"
    sessions: list[SessionData] = field(default_factory=list)
    readings: list[ReadingData] = field(default_factory=list)
    content_hash: str = ""
    prerequisites_line: int = 1


@dataclass
class Library:
    root: Path
    courses: list[CourseData]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    def formatted_problems(self) -> list[str]:
        return [p.format(self.root.parent) for p in self.problems]


def _load_readings(folder: Path, problems: list[Problem]) -> list[ReadingData]:
    readings = []
    for path in sorted((folder / "readings").glob("*.md")) if (folder / "readings").is_dir() else []:
        slug = path.stem
        if not SLUG_RE.match(slug):
            problems.append(Problem(path, 1, "reading file names must be slugs, e.g. readings/mapping-power.md"))
            continue
        doc = read_or_report(path, problems)
        values = doc and check_fields(doc, READING_FIELDS, path, problems)
        if doc and values:
            questions = section_items(doc.body, "Discussion questions")
            readings.append(ReadingData(slug=slug, body=doc.body, path=path, discussion_questions=questions, **values))
    return readings


def _load_sessions(folder: Path, reading_slugs: set[str], problems: list[Problem]) -> list[SessionData]:
    sessions: list[SessionData] = []
    seen_positions: dict[int, Path] = {}
    seen_slugs: dict[str, Path] = {}
    for path in sorted((folder / "sessions").glob("*.md")) if (folder / "sessions").is_dir() else []:
        match = SESSION_FILE_RE.match(path.name)
        if not match:
            problems.append(Problem(path, 1, "session file names must look like NN-name.md, e.g. 01-mapping-power.md"))
            continue
        position, slug = int(match.group(1)), match.group(2)
        if position in seen_positions:
            problems.append(
                Problem(path, 1, f"two sessions are numbered {match.group(1)}: also {seen_positions[position].name}")
            )
            continue
        if slug in seen_slugs:
            problems.append(Problem(path, 1, f"duplicate session slug '{slug}': also {seen_slugs[slug].name}"))
            continue
        seen_positions[position], seen_slugs[slug] = path, path
        doc = read_or_report(path, problems)
        values = doc and check_fields(doc, SESSION_FIELDS, path, problems)
        if not (doc and values):
            continue
        if values["plenary_minutes"] + values["breakout_minutes"] == 0:
            problems.append(
                Problem(
                    path,
                    doc.line_of("plenary_minutes"),
                    "a session needs a plenary or a breakout longer than 0 minutes",
                )
            )
            continue
        missing = [s for s in values.get("readings", []) if s not in reading_slugs]
        for slug_missing in missing:
            problems.append(
                Problem(
                    path, doc.line_of("readings"), f"reading '{slug_missing}' has no file readings/{slug_missing}.md"
                )
            )
        if missing:
            continue
        sessions.append(
            SessionData(
                position=position,
                slug=slug,
                title=values["title"],
                plenary_minutes=values["plenary_minutes"],
                breakout_minutes=values["breakout_minutes"],
                reading_slugs=values.get("readings", []),
                body=doc.body,
                path=path,
                breakout_prompts=section_items(doc.body, "Breakout prompts"),
            )
        )
    return sessions


_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM_RE = re.compile(r"^(?:[-*+]|\d+[.)])\s+(.*)$")


def section_items(body: str, heading: str) -> list[str]:
    """The list items under a heading (e.g. "## Discussion questions"), continuation lines joined; [] if absent."""
    items: list[str] = []
    level = 0
    for line in body.splitlines():
        heading_match = _HEADING_RE.match(line)
        if heading_match:
            if level and len(heading_match.group(1)) <= level:
                break
            if not level and heading_match.group(2).strip().lower() == heading.lower():
                level = len(heading_match.group(1))
            continue
        if not level or not line.strip():
            continue
        item = _LIST_ITEM_RE.match(line.strip())
        if item and not line.startswith((" ", "\t")):
            items.append(item.group(1).strip())
        elif items and line.startswith((" ", "\t")):
            items[-1] = f"{items[-1]} {line.strip()}"
    return items


# Bumped when the loader starts reading something new from unchanged files, so `sync` applies it once.
LOADER_VERSION = b"2"


def _content_hash(folder: Path) -> str:
    digest = hashlib.sha256(LOADER_VERSION)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_course(folder: Path, problems: list[Problem]) -> CourseData | None:
    """Load one course folder; append its problems and return None when it cannot be used."""
    course_file = folder / "course.md"
    if not course_file.is_file():
        problems.append(Problem(folder / "course.md", 1, "a course folder needs a course.md file"))
        return None
    before = len(problems)
    doc = read_or_report(course_file, problems)
    values = doc and check_fields(doc, COURSE_FIELDS, course_file, problems)
    readings = _load_readings(folder, problems)
    reading_files = {p.stem for p in (folder / "readings").glob("*.md")}
    sessions = _load_sessions(folder, reading_files, problems)
    if not (doc and values):
        return None
    slug = values.pop("slug", folder.name)
    if "slug" not in doc.meta and not SLUG_RE.match(folder.name):
        problems.append(
            Problem(
                course_file,
                1,
                f"course folder name '{folder.name}' must be a slug (lowercase letters, digits and hyphens)",
            )
        )
    if not (folder / "sessions").is_dir() or not any((folder / "sessions").glob("*.md")):
        problems.append(Problem(course_file, 1, "a course needs at least one session file in sessions/"))
    pre_meeting = values.get("pre_meeting_reading")
    if pre_meeting and pre_meeting not in reading_files:
        problems.append(
            Problem(
                course_file,
                doc.line_of("pre_meeting_reading"),
                f"reading '{pre_meeting}' has no file readings/{pre_meeting}.md",
            )
        )
    minimum = values.get("completion_min_sessions")
    if minimum and sessions and minimum > len(sessions):
        problems.append(
            Problem(
                course_file,
                doc.line_of("completion_min_sessions"),
                f"completion_min_sessions is {minimum} but the course has only {len(sessions)} sessions",
            )
        )
    if slug in values.get("prerequisites", []):
        problems.append(Problem(course_file, doc.line_of("prerequisites"), "a course cannot be its own prerequisite"))
    if len(problems) > before:
        return None
    return CourseData(
        slug=slug,
        description=doc.body,
        path=folder,
        sessions=sessions,
        readings=readings,
        content_hash=_content_hash(folder),
        prerequisites_line=doc.line_of("prerequisites"),
        **values,
    )


def load_library(root: Path) -> Library:
    """Load every course folder under `root` and check what spans courses: duplicate slugs and prerequisites."""
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        return Library(root, [], [Problem(root, 1, "course folder does not exist")])
    courses: list[CourseData] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        course = load_course(folder, problems)
        if course:
            courses.append(course)
    by_slug: dict[str, CourseData] = {}
    for course in courses:
        if course.slug in by_slug:
            problems.append(
                Problem(
                    course.path / "course.md",
                    1,
                    f"duplicate course slug '{course.slug}': also {by_slug[course.slug].path.name}/course.md",
                )
            )
        else:
            by_slug[course.slug] = course
    for course in courses:
        for prerequisite in course.prerequisites:
            if prerequisite not in by_slug:
                problems.append(
                    Problem(
                        course.path / "course.md",
                        course.prerequisites_line,
                        f"prerequisite '{prerequisite}' is not a course in {root.name}/",
                    )
                )
    return Library(root=root, courses=courses if not problems else [], problems=problems)
