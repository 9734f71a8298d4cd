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
from app.courses.sections import section_items
from app.courses.translation_files import (
    CourseTranslations,
    SourceFile,
    TranslationData,
    is_source_file,
    load_translations,
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
    translations: list[TranslationData] = field(default_factory=list)
    # language -> how many of its files have no usable translation
    missing_translations: dict[str, int] = field(default_factory=dict)


@dataclass
class Library:
    root: Path
    courses: list[CourseData]
    problems: list[Problem]
    # A broken translation is reported and skipped, never blocking its course; an old one is a warning.
    translation_errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def formatted_problems(self) -> list[str]:
        return [p.format(self.root.parent) for p in self.problems]

    def formatted_translation_errors(self) -> list[str]:
        return [p.format(self.root.parent) for p in self.translation_errors]

    def formatted_warnings(self) -> list[str]:
        return [f"{p.format(self.root.parent)} (warning)" for p in self.warnings]

    def missing_translations(self) -> dict[str, dict[str, int]]:
        """language -> course slug -> how many of its files lack a usable translation (courses with none lacking
        are left out)."""
        summary: dict[str, dict[str, int]] = {}
        for course in self.courses:
            for language, count in course.missing_translations.items():
                summary.setdefault(language, {})
                if count:
                    summary[language][course.slug] = count
        return summary


def _source_files(folder: Path) -> list[Path]:
    """The `X.md` files of a sub-folder; `X.<lang>.md` are translations, loaded by translation_files."""
    return sorted(p for p in folder.glob("*.md") if is_source_file(p)) if folder.is_dir() else []


def _load_readings(folder: Path, problems: list[Problem], sources: list[SourceFile]) -> list[ReadingData]:
    readings = []
    for path in _source_files(folder / "readings"):
        slug = path.stem
        if not SLUG_RE.match(slug):
            problems.append(Problem(path, 1, "reading file names must be slugs, e.g. readings/mapping-power.md"))
            continue
        doc = read_or_report(path, problems)
        values = doc and check_fields(doc, READING_FIELDS, path, problems)
        if doc and values:
            questions = section_items(doc.body, "Discussion questions")
            readings.append(ReadingData(slug=slug, body=doc.body, path=path, discussion_questions=questions, **values))
            sources.append(SourceFile("reading", slug, path, doc, "Discussion questions"))
    return readings


def _load_sessions(
    folder: Path, reading_slugs: set[str], problems: list[Problem], sources: list[SourceFile]
) -> list[SessionData]:
    sessions: list[SessionData] = []
    seen_positions: dict[int, Path] = {}
    seen_slugs: dict[str, Path] = {}
    for path in _source_files(folder / "sessions"):
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
        sources.append(SourceFile("session", slug, path, doc, "Breakout prompts"))
    return sessions


# Bumped when the loader starts reading something new from unchanged files, so `sync` applies it once.
LOADER_VERSION = b"3"


def _content_hash(folder: Path) -> str:
    digest = hashlib.sha256(LOADER_VERSION)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_course(
    folder: Path, problems: list[Problem], translations: CourseTranslations | None = None
) -> CourseData | None:
    """Load one course folder; append its problems and return None when it cannot be used. Its translations'
    errors and warnings go to `translations` (they never stop the course from loading)."""
    course_file = folder / "course.md"
    if not course_file.is_file():
        problems.append(Problem(folder / "course.md", 1, "a course folder needs a course.md file"))
        return None
    before = len(problems)
    doc = read_or_report(course_file, problems)
    values = doc and check_fields(doc, COURSE_FIELDS, course_file, problems)
    sources: list[SourceFile] = []
    readings = _load_readings(folder, problems, sources)
    reading_files = {p.stem for p in _source_files(folder / "readings")}
    sessions = _load_sessions(folder, reading_files, problems, sources)
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
    if not _source_files(folder / "sessions"):
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
    sources.insert(0, SourceFile("course", None, course_file, doc))
    found = load_translations(folder, sources)
    if translations is not None:
        translations.errors += found.errors
        translations.warnings += found.warnings
    return CourseData(
        slug=slug,
        description=doc.body,
        path=folder,
        sessions=sessions,
        readings=readings,
        content_hash=_content_hash(folder),
        prerequisites_line=doc.line_of("prerequisites"),
        translations=found.translations,
        missing_translations=found.missing,
        **values,
    )


def load_library(root: Path) -> Library:
    """Load every course folder under `root` and check what spans courses: duplicate slugs and prerequisites."""
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        return Library(root, [], [Problem(root, 1, "course folder does not exist")])
    courses: list[CourseData] = []
    translations = CourseTranslations()
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        course = load_course(folder, problems, translations)
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
    return Library(
        root=root,
        courses=courses if not problems else [],
        problems=problems,
        translation_errors=translations.errors,
        warnings=translations.warnings,
    )
