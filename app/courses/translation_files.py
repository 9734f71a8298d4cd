"""A course's translations: `X.<lang>.md` beside a source `X.md`, checked against that source.

A translation copies the source's front matter except the translated keys (title, summary, attribution) and ends
with `translation_of: <first 12 hex digits of the sha256 of the source file's bytes>`. A translation with an error is
skipped (the English course still loads); one made from an older source is used, with a warning.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from app.courses.front_matter import Document, Problem, read_or_report
from app.courses.sections import section_items_like
from app.lib.errors import DomainError
from app.lib.languages import DEFAULT_LANGUAGE, LANGUAGE_NAMES

TRANSLATED_KEYS = ("title", "summary", "attribution")
HASH_KEY = "translation_of"
HASH_LENGTH = 12
_HASH_RE = re.compile(rf"^[0-9a-f]{{{HASH_LENGTH}}}$")
TRANSLATION_LANGUAGES = tuple(code for code in LANGUAGE_NAMES if code != DEFAULT_LANGUAGE)


def is_source_file(path: Path) -> bool:
    """`X.md` is a source; `X.<lang>.md` (any name with a second dot) is a translation."""
    return path.suffix == ".md" and "." not in path.stem


def source_hash(path: Path) -> str:
    """What a translation's `translation_of` names: the first 12 hex digits of the sha256 of the source's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]


def translation_path(source: Path, language: str) -> Path:
    return source.with_name(f"{source.stem}.{language}.md")


@dataclass
class TranslationData:
    """One translated file, checked: `kind` is course, session or reading; `slug` names the session or reading."""

    kind: str
    slug: str | None
    language: str
    title: str
    body: str
    path: Path
    source_hash: str
    is_current: bool
    summary: str | None = None
    attribution: str | None = None
    items: list[str] = field(default_factory=list)  # discussion questions or breakout prompts, as the source has


@dataclass
class SourceFile:
    kind: str
    slug: str | None
    path: Path
    doc: Document
    items_heading: str | None = None  # "Discussion questions" / "Breakout prompts"


@dataclass
class CourseTranslations:
    translations: list[TranslationData] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # language -> how many of the course's source files have no usable translation in it
    missing: dict[str, int] = field(default_factory=dict)


def _language_of(path: Path) -> str:
    return path.name[len(path.name.split(".")[0]) + 1 : -len(".md")]


def _check_against_source(source: SourceFile, doc: Document, path: Path, errors: list[Problem]) -> bool:
    ok = True
    for key, value in source.doc.meta.items():
        if key in TRANSLATED_KEYS:
            translated = doc.meta.get(key)
            if not (isinstance(translated, str) and translated.strip()):
                errors.append(Problem(path, doc.line_of(key), f"{key} must be a non-empty text (the translated {key})"))
                ok = False
        elif key not in doc.meta:
            errors.append(Problem(path, 1, f"missing key '{key}': copy it from {source.path.name} ({value!r})"))
            ok = False
        elif doc.meta[key] != value:
            errors.append(
                Problem(
                    path,
                    doc.line_of(key),
                    f"{key} differs from the source {source.path.name}: {doc.meta[key]!r}, not {value!r}",
                )
            )
            ok = False
    for key in doc.meta:
        if key not in source.doc.meta and key != HASH_KEY:
            errors.append(Problem(path, doc.line_of(key), f"key '{key}' is not in the source {source.path.name}"))
            ok = False
    return ok


def _check_hash(source: SourceFile, doc: Document, path: Path, problems: CourseTranslations) -> str | None:
    """The hash the translation was made from (None when missing or malformed, an error); warns when it is old."""
    if HASH_KEY not in doc.meta:
        problems.errors.append(
            Problem(path, 1, f"missing key '{HASH_KEY}': add '{HASH_KEY}: {source_hash(source.path)}' as the last key")
        )
        return None
    value = doc.meta[HASH_KEY]
    if not (isinstance(value, str) and _HASH_RE.match(value)):
        problems.errors.append(
            Problem(path, doc.line_of(HASH_KEY), f"{HASH_KEY} must be {HASH_LENGTH} hex digits, not {value!r}")
        )
        return None
    current = source_hash(source.path)
    if value != current:
        problems.warnings.append(
            Problem(
                path,
                doc.line_of(HASH_KEY),
                f"translation is older than its source: {source.path.name} changed since {value} (now {current})",
            )
        )
    return value


def _translation(source: SourceFile, path: Path, language: str, problems: CourseTranslations) -> None:
    before = len(problems.errors)
    doc = read_or_report(path, problems.errors)
    if doc is None:
        return
    _check_against_source(source, doc, path, problems.errors)
    made_from = _check_hash(source, doc, path, problems)
    if len(problems.errors) > before or made_from is None:
        return
    items = section_items_like(source.doc.body, doc.body, source.items_heading) if source.items_heading else []
    meta = doc.meta
    problems.translations.append(
        TranslationData(
            kind=source.kind,
            slug=source.slug,
            language=language,
            title=meta["title"].strip(),
            summary=meta["summary"].strip() if "summary" in meta else None,
            attribution=meta["attribution"].strip() if "attribution" in meta else None,
            body=doc.body,
            path=path,
            source_hash=made_from,
            is_current=made_from == source_hash(source.path),
            items=items,
        )
    )


def load_translations(folder: Path, sources: list[SourceFile]) -> CourseTranslations:
    """Every translation file of the course folder, checked against `sources` (the files the course loaded from)."""
    result = CourseTranslations()
    by_path = {source.path: source for source in sources}
    files = list(folder.glob("course.*.md"))
    for sub in ("sessions", "readings"):
        files += (folder / sub).glob("*.*.md") if (folder / sub).is_dir() else []
    translated: dict[str, set[Path]] = {language: set() for language in TRANSLATION_LANGUAGES}
    for path in sorted(files):
        language = _language_of(path)
        if language not in TRANSLATION_LANGUAGES:
            known = ", ".join(TRANSLATION_LANGUAGES)
            result.errors.append(Problem(path, 1, f"unknown language code '{language}' (known: {known})"))
            continue
        source_path = path.with_name(f"{path.name.split('.')[0]}.md")
        source = by_path.get(source_path)
        if source is None:
            result.errors.append(Problem(path, 1, f"translation without a source: there is no {source_path.name}"))
            continue
        count = len(result.translations)
        _translation(source, path, language, result)
        if len(result.translations) > count:
            translated[language].add(source_path)
    for language, done in translated.items():
        result.missing[language] = sum(1 for source in sources if source.path not in done)
    return result


def write_translation_stub(source: Path, language: str) -> Path:
    """Write `X.<language>.md` beside the source `X.md`: the source's front matter with `translation_of` last, and
    its text, ready to translate. Raises DomainError for a translation as source, an unknown language or a file that
    exists."""
    if not is_source_file(source):
        raise DomainError(f"{source.name} is a translation; name the source file X.md")
    if language not in TRANSLATION_LANGUAGES:
        raise DomainError(f"unknown language code '{language}' (known: {', '.join(TRANSLATION_LANGUAGES)})")
    target = translation_path(source, language)
    if target.exists():
        raise DomainError(f"{target} already exists")
    text = source.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if not lines or lines[0].strip() != "---" or closing is None:
        raise DomainError(f"{source} has no front matter between two '---' lines")
    front = "".join(lines[1:closing]).rstrip("\n") + "\n"
    target.write_text(f"---\n{front}{HASH_KEY}: {source_hash(source)}\n{''.join(lines[closing:])}", encoding="utf-8")
    return target
