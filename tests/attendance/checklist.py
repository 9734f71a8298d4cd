"""Read the trainer's checklist as a person (or a screen reader) meets it, whatever its markup: each room's
legend, then per checkbox its value, whether it is ticked, the text of its label and the text of its table row."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Tick:
    value: str
    checked: bool
    label: str = ""
    row: str = ""
    input_id: str | None = None
    cell_classes: list[str] = field(default_factory=list)  # the classes of its row's cells, which colour the state


@dataclass
class Section:
    legend: str = ""
    ticks: list[Tick] = field(default_factory=list)


class _ChecklistParser(HTMLParser):
    def __init__(self, name: str):
        super().__init__(convert_charrefs=True)
        self.name = name
        self.sections: list[Section] = []
        self.labels_for: dict[str, str] = {}  # <label for=...> texts
        self._legend: list[str] | None = None
        self._label: list[str] | None = None
        self._label_for: str | None = None
        self._label_ticks: list[Tick] = []
        self._row: list[str] | None = None
        self._row_ticks: list[Tick] = []
        self._row_classes: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "fieldset":
            self.sections.append(Section())
        elif tag == "legend":
            self._legend = []
        elif tag == "tr":
            self._end_row()
            self._row, self._row_ticks, self._row_classes = [], [], []
        elif tag in ("td", "th") and self._row is not None:
            self._row.append(" ")
            self._row_classes.extend((attrs.get("class") or "").split())
        elif tag == "label":
            self._label, self._label_for, self._label_ticks = [], attrs.get("for"), []
        elif tag == "input" and attrs.get("type") == "checkbox" and attrs.get("name") == self.name:
            tick = Tick(attrs["value"], "checked" in attrs, input_id=attrs.get("id"))
            self.sections[-1].ticks.append(tick)
            if self._label is not None:
                self._label_ticks.append(tick)
            if self._row is not None:
                self._row_ticks.append(tick)

    def handle_endtag(self, tag):
        if tag == "legend" and self._legend is not None:
            self.sections[-1].legend = _squash("".join(self._legend))
            self._legend = None
        elif tag == "label" and self._label is not None:
            text = _squash("".join(self._label))
            if self._label_for:
                self.labels_for[self._label_for] = text
            for tick in self._label_ticks:
                tick.label = text
            self._label = None
        elif tag in ("tbody", "table", "fieldset"):
            self._end_row()

    def handle_data(self, data):
        for part in (self._legend, self._label, self._row):
            if part is not None:
                part.append(data)

    def _end_row(self):
        if self._row is not None:
            for tick in self._row_ticks:
                tick.row = _squash("".join(self._row))
                tick.cell_classes = self._row_classes
        self._row, self._row_ticks = None, []


def _squash(text: str) -> str:
    return " ".join(text.split())


def read_checklist(html: str, name: str = "present") -> list[Section]:
    parser = _ChecklistParser(name)
    parser.feed(html)
    parser.close()
    parser._end_row()
    for section in parser.sections:
        for tick in section.ticks:
            if not tick.label and tick.input_id:
                tick.label = parser.labels_for.get(tick.input_id, "")
    return [s for s in parser.sections if s.ticks or s.legend]
