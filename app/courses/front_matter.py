"""A course file's front matter: reading the YAML between `---` lines, and checking each key of a course, a
session or a reading, every problem reported with its file and line."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
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


def check_fields(
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


def read_or_report(path: Path, problems: list[Problem]) -> Document | None:
    try:
        return read_document(path)
    except FrontMatterError as exc:
        problems.append(Problem(path, exc.line, exc.message))
        return None
