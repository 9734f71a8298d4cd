"""The list under a heading of a course file's body ("## Discussion questions", "## Breakout prompts")."""

from __future__ import annotations

import re

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM_RE = re.compile(r"^(?:[-*+]|\d+[.)])\s+(.*)$")


def _headings(body: str) -> list[str]:
    return [m.group(2).strip().lower() for line in body.splitlines() if (m := _HEADING_RE.match(line))]


def _items_under(body: str, ordinal: int) -> list[str]:
    """The list items under the body's `ordinal`-th heading (0-based), continuation lines joined."""
    items: list[str] = []
    level = 0
    seen = -1
    for line in body.splitlines():
        heading_match = _HEADING_RE.match(line)
        if heading_match:
            seen += 1
            if level and len(heading_match.group(1)) <= level:
                break
            if not level and seen == ordinal:
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


def section_items(body: str, heading: str) -> list[str]:
    """The list items under a heading (e.g. "## Discussion questions"), continuation lines joined; [] if absent."""
    headings = _headings(body)
    return _items_under(body, headings.index(heading.lower())) if heading.lower() in headings else []


def section_items_like(source_body: str, translated_body: str, heading: str) -> list[str]:
    """The translation's items under the heading in the place where the source has `heading`: a translated heading
    has another name, so it is found by its position among the headings."""
    headings = _headings(source_body)
    return _items_under(translated_body, headings.index(heading.lower())) if heading.lower() in headings else []
