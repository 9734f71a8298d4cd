"""Reads the Markdown course library in `courses/` into plain data, reporting every problem with its line.

Nothing here touches the database: `service.sync_library` writes what this returns.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SESSION_FILE_RE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
MAX_MINUTES = 600


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def format(self, relative_to: Path | None = None) -> str:
        path = self.path
        if relative_to is not None:
            with contextlib.suppress(ValueError):
                path = self.path.resolve().relative_to(relative_to.resolve())
        return f"{path}:{self.line}: {self.message}"


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


class FrontMatterError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Document:
    """A Markdown file split into its front matter (with the line of each key) and its body."""

    meta: dict[str, Any]
    key_lines: dict[str, int]
    body: str

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, 1)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it


def _parse_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The front matter's node tree (for line numbers) and its value, from one parse."""
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def read_document(path: Path) -> Document:
    """Split `path` into front matter and body; raise FrontMatterError with the 1-based line of the fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FrontMatterError(1, f"file is not valid UTF-8 text ({exc.reason})") from exc
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError(1, "file must start with YAML front matter between two '---' lines")
    try:
        closing = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise FrontMatterError(1, "front matter is not closed: add a line with '---' after it") from None
    yaml_text = "\n".join(lines[1:closing])
    try:
        node, meta = _parse_yaml(yaml_text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else 1
        raise FrontMatterError(line, f"front matter is not valid YAML: {exc.problem or exc}") from exc
    if meta is None:
        meta, node = {}, None
    if not isinstance(meta, dict) or (node is not None and not isinstance(node, yaml.MappingNode)):
        raise FrontMatterError(2, "front matter must be a set of 'key: value' lines")
    key_lines = {}
    for key_node, _value in node.value if node is not None else []:
        key_lines[str(key_node.value)] = key_node.start_mark.line + 2
    body = "\n".join(lines[closing + 1 :]).strip("\n") + "\n"
    return Document(meta={str(k): v for k, v in meta.items()}, key_lines=key_lines, body=body)


# Each field: (required, checker). A checker returns (value, None) or (None, message).
Checker = Callable[[Any], tuple[Any, str | None]]


def _text(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and value.strip():
        return value.strip(), None
    return None, "must be a non-empty text"


def _whole_number(low: int, high: int, unit: str = "") -> Checker:
    def check(value: Any) -> tuple[Any, str | None]:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value, None
        return None, f"must be a whole number{unit} between {low} and {high}, not {value!r}"

    return check


def _minutes(low: int) -> Checker:
    return _whole_number(low, MAX_MINUTES, " of minutes")


def _one_of(*choices: str) -> Checker:
    def check(value: Any) -> tuple[Any, str | None]:
        if value in choices:
            return value, None
        return None, f"must be one of {', '.join(choices)}, not {value!r}"

    return check


def _boolean(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return value, None
    return None, f"must be true or false, not {value!r}"


def _share(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1:
        return float(value), None
    return None, f"must be a number above 0 and at most 1, not {value!r}"


def _slug(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and SLUG_RE.match(value):
        return value, None
    return None, f"must be a slug (lowercase letters, digits and hyphens), not {value!r}"


def _slug_list(value: Any) -> tuple[Any, str | None]:
    if value is None:
        return [], None
    if not isinstance(value, list):
        return None, "must be a list of slugs, e.g. [first-reading, second-reading]"
    for item in value:
        if _slug(item)[1]:
            return None, f"must be a list of slugs; {item!r} is not a slug"
    if len(set(value)) != len(value):
        return None, "lists the same slug twice"
    return list(value), None


def _language(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and re.match(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$", value):
        return value, None
    return None, f"must be a language tag such as en or pt-BR, not {value!r}"


COURSE_FIELDS: dict[str, tuple[bool, Checker]] = {
    "title": (True, _text),
    "level": (True, _one_of("core", "advanced")),
    "summary": (True, _text),
    "min_group_size": (True, _whole_number(1, 1000)),
    "slug": (False, _slug),
    "prerequisites": (False, _slug_list),
    "accepts_equivalent_experience": (False, _boolean),
    "prerequisite_share": (False, _share),
    "pre_meeting_reading": (False, _slug),
    "completion_min_sessions": (False, _whole_number(1, 100)),
    "language": (False, _language),
}
SESSION_FIELDS: dict[str, tuple[bool, Checker]] = {
    "title": (True, _text),
    "plenary_minutes": (True, _minutes(0)),
    "breakout_minutes": (True, _minutes(0)),
    "readings": (False, _slug_list),
}
READING_FIELDS: dict[str, tuple[bool, Checker]] = {
    "title": (True, _text),
    "estimated_minutes": (True, _minutes(1)),
    "attribution": (True, _text),
}


def _check_fields(
    doc: Document, fields: dict[str, tuple[bool, Checker]], path: Path, problems: list[Problem]
) -> dict[str, Any] | None:
    """Validate the front matter against `fields`; return the checked values, or None when any is wrong."""
    values: dict[str, Any] = {}
    ok = True
    for key in doc.meta:
        if key not in fields:
            known = ", ".join(sorted(fields))
            problems.append(Problem(path, doc.line_of(key), f"unknown key '{key}' (known keys: {known})"))
            ok = False
    for key, (required, checker) in fields.items():
        if key not in doc.meta:
            if required:
                problems.append(Problem(path, 1, f"missing required key '{key}'"))
                ok = False
            continue
        value, message = checker(doc.meta[key])
        if message:
            problems.append(Problem(path, doc.line_of(key), f"{key} {message}"))
            ok = False
        else:
            values[key] = value
    return values if ok else None


def _read(path: Path, problems: list[Problem]) -> Document | None:
    try:
        return read_document(path)
    except FrontMatterError as exc:
        problems.append(Problem(path, exc.line, exc.message))
        return None


def _load_readings(folder: Path, problems: list[Problem]) -> list[ReadingData]:
    readings = []
    for path in sorted((folder / "readings").glob("*.md")) if (folder / "readings").is_dir() else []:
        slug = path.stem
        if not SLUG_RE.match(slug):
            problems.append(Problem(path, 1, "reading file names must be slugs, e.g. readings/mapping-power.md"))
            continue
        doc = _read(path, problems)
        values = doc and _check_fields(doc, READING_FIELDS, path, problems)
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
        doc = _read(path, problems)
        values = doc and _check_fields(doc, SESSION_FIELDS, path, problems)
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
    doc = _read(course_file, problems)
    values = doc and _check_fields(doc, COURSE_FIELDS, course_file, problems)
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
