"""A pseudo-locale for finding strings nobody marked for translation.

Every message of the catalogue is turned into ⟦áççéñtéd⟧ text (placeholders, tags and entities kept), compiled
under a real locale code the site does not ship (Esperanto, `eo`, so dates and plurals still work), and served
from a translations directory placed before the real one. Any English word left on a page rendered in it was
never marked (or was built from English word order in code).
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PSEUDO = "eo"
CATALOGUE = Path(__file__).resolve().parents[2] / "app" / "translations" / "messages.pot"
OPEN, CLOSE = "⟦", "⟧"
KEEP = re.compile(r"%\([^)]+\)[sd]|%[sd%]|\{[^{}]*\}|<[^>]+>|&[#a-z0-9]+;|\n")
ACCENTS = str.maketrans("aeiouycnAEIOUYCN", "áéíóúýçñÁÉÍÓÚÝÇÑ")


def pseudo(text: str) -> str:
    """'Log in as %(name)s' -> '⟦Lóg íñ ás %(name)s⟧', per line, keeping what the code fills in."""
    lines = []
    for line in text.split("\n"):
        if not line.strip():
            lines.append(line)
            continue
        parts, position = [], 0
        for match in KEEP.finditer(line):
            parts.append(line[position : match.start()].translate(ACCENTS))
            parts.append(match.group())
            position = match.end()
        parts.append(line[position:].translate(ACCENTS))
        lines.append(f"{OPEN}{''.join(parts)}{CLOSE}")
    return "\n".join(lines)


def build(directory: Path) -> Path:
    """Write `<directory>/eo/LC_MESSAGES/messages.mo` from the committed catalogue; returns `directory`."""
    with CATALOGUE.open("rb") as file:
        template = read_po(file)
    catalogue = Catalog(locale=PSEUDO)
    for message in template:
        if not message.id:
            continue
        if message.pluralizable:
            catalogue.add(message.id, tuple(pseudo(form) for form in message.id[:2]), flags=message.flags)
        else:
            catalogue.add(message.id, pseudo(message.id), flags=message.flags)
    target = directory / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.mo").open("wb") as file:
        write_mo(file, catalogue)
    return directory


def unmarked_text(text: str) -> str:
    """What is left of `text` once every pseudo-translated part is taken out."""
    return re.sub(f"{OPEN}[^{CLOSE}]*{CLOSE}", " ", text)
