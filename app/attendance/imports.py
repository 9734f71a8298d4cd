"""Importing a video tool's attendance report (CSV): whoever it lists by email is marked present. Parsing is linear in
the input and bounded (MAX_IMPORT_BYTES, MAX_IMPORT_ROWS), whatever a file holds."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import ngettext

from app.accounts.models import User, normalise_email
from app.attendance.models import AttendanceSource
from app.attendance.records import changed_marks, check_session_of, record_attendance, require_started
from app.cohorts.models import Cohort, CohortSession
from app.lib.errors import DomainError
from app.registration.participants import (
    Participant,
    cohort_participants,
    require_trainer,
)

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
HEADER_SEARCH_LINES = 50  # a report's header may follow a preamble (meeting title, date, ...)


# Importing a video tool's attendance report


class ImportRefused(DomainError):
    """The uploaded file cannot be read as an attendance report; nothing was recorded."""

    def __init__(self, message: str, status_code: int = 422):
        super().__init__(message, field="file")
        self.status_code = status_code


@dataclass(frozen=True)
class ReportRow:
    line: int
    name: str
    email: str


@dataclass
class ParsedReport:
    rows: list[ReportRow] = field(default_factory=list)
    has_names: bool = False


def _header_key(cell: str) -> str:
    return "".join(ch for ch in cell.lower() if ch.isalnum())


def _is_header(row: list[str]) -> bool:
    return any("email" in _header_key(c) for c in row) and not any("@" in c for c in row)


def _decode(data: bytes) -> str:
    # "Unicode text" exports (Teams, Excel) are UTF-16 with a byte-order mark; the rest UTF-8, with or without one.
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise ImportRefused(
            _("This file is not a text (CSV) file. Export the attendance report as CSV and upload that.")
        ) from None
    if "\x00" in text:
        raise ImportRefused(
            _("This file is not a text (CSV) file. Export the attendance report as CSV and upload that.")
        )
    return text


def _dialect(lines: list[str]) -> type[csv.Dialect]:
    """The header line's most frequent delimiter among `,` `;` and tab. Not csv.Sniffer: its regular expressions
    take time quadratic in a line's length (a 20 KB line took 4 s, a 2 MB upload would take hours)."""
    header = lines[0] if lines else ""
    delimiter = max(",;\t", key=header.count)

    class Report(csv.excel):
        skipinitialspace = True  # "a, b": cells are trimmed anyway, and a quoted cell after a space stays one cell

    Report.delimiter = delimiter
    return Report


def _name_of(row: list[str], columns: dict[str, int | None]) -> str:
    def cell(key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    if columns.get("name") is not None:
        return cell("name")
    return " ".join(part for part in (cell("first"), cell("last")) if part)


def _columns(header: list[str]) -> dict[str, int | None]:
    keys = [_header_key(c) for c in header]
    email = next(i for i, k in enumerate(keys) if "email" in k)

    def find(predicate) -> int | None:
        return next((i for i, k in enumerate(keys) if i != email and predicate(k)), None)

    return {
        "email": email,
        "name": find(lambda k: "name" in k and "first" not in k and "last" not in k and "surname" not in k),
        "first": find(lambda k: "first" in k and "name" in k),
        "last": find(lambda k: ("last" in k or "surname" in k) and "name" in k),
    }


def _csv_rows(reader) -> Iterable[list[str]]:
    """The reader's rows; a line the csv module cannot read (a field over its size limit) refuses the file."""
    try:
        yield from reader
    except csv.Error:
        raise ImportRefused(
            _("This file is not a text (CSV) file. Export the attendance report as CSV and upload that.")
        ) from None


def parse_attendance_report(data: bytes) -> ParsedReport:
    """Read a video tool's attendance report: the rows under a header with an "email" column.

    Tolerates a byte-order mark, `,` `;` or tab delimiters, lines before the header (a meeting summary), and
    several sections each with its own header (Zoom's "with meeting data" export). Raises ImportRefused when
    the file is empty, too large, not text, has no email column or too many rows.
    """
    if not data:
        raise ImportRefused(_("The file is empty. Choose the attendance report exported from your video tool."))
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(
            _("This file is larger than %(mb)s MB. Upload only the attendance report.", mb=MAX_IMPORT_BYTES // 2**20),
            status_code=413,
        )
    text = _decode(data)
    lines = text.splitlines()
    start = next(
        (i for i, line in enumerate(lines[:HEADER_SEARCH_LINES]) if "email" in _header_key(line) and "@" not in line),
        None,
    )
    if start is None:
        raise ImportRefused(
            _(
                'No email column found. The report needs a column whose heading contains "email", '
                'such as "User Email" or "Email Address".'
            )
        )
    reader = csv.reader(io.StringIO("\n".join(lines[start:])), _dialect(lines[start:]))
    parsed = ParsedReport()
    columns: dict[str, int | None] | None = None
    count = 0
    for row in _csv_rows(reader):
        if not any(cell.strip() for cell in row):
            continue
        count += 1
        if count > MAX_IMPORT_ROWS:
            raise ImportRefused(
                ngettext(
                    "This report has more than %(n)s row. Split it, or upload one meeting's report.",
                    "This report has more than %(n)s rows. Split it, or upload one meeting's report.",
                    MAX_IMPORT_ROWS,
                    n=MAX_IMPORT_ROWS,
                ),
                status_code=413,
            )
        if _is_header(row):
            columns = _columns(row)
            parsed.has_names = parsed.has_names or any(columns[k] is not None for k in ("name", "first", "last"))
            continue
        if columns is None:  # pragma: no cover - the first row read is the header found above
            continue
        index = columns["email"]
        email = row[index].strip() if index < len(row) else ""
        parsed.rows.append(ReportRow(line=start + reader.line_num, name=_name_of(row, columns), email=email))
    return parsed


@dataclass
class ImportReport:
    """What an import did: who was matched, which rows matched nobody, and who was not in the report."""

    matched: list[Participant]
    unmatched: list[ReportRow]
    not_in_report: list[Participant]
    without_account: list[Participant]
    marked_absent: int
    rows: int
    has_names: bool


def import_attendance(
    session: so.Session,
    trainer: User,
    cohort: Cohort,
    cohort_session: CohortSession,
    data: bytes,
    *,
    mark_missing_absent: bool = False,
    at: datetime | None = None,
) -> ImportReport:
    """Mark present every participant whose account email is in the report (case and spaces ignored).

    All or nothing: the file is read and matched completely before anything is written, and a refusal
    (ImportRefused, a DomainError) writes nothing. Participants with an account who are not in the report are
    listed, and marked absent only when `mark_missing_absent`; people without an account are left as they are.
    """
    require_trainer(trainer, cohort)
    check_session_of(cohort, cohort_session)
    require_started(cohort_session, at)
    parsed = parse_attendance_report(data)
    participants = cohort_participants(session, cohort)
    by_email: dict[str, list[Participant]] = {}
    for participant in participants:
        if participant.email:
            by_email.setdefault(normalise_email(participant.email), []).append(participant)
    matched: dict[int, Participant] = {}
    unmatched: list[ReportRow] = []
    seen_unmatched: set[str] = set()
    for row in parsed.rows:
        found = by_email.get(normalise_email(row.email)) if row.email.strip() else None
        if found:
            matched.update((p.membership.id, p) for p in found)
            continue
        key = normalise_email(row.email) or f"name:{row.name.strip().lower()}"
        if key not in seen_unmatched:  # people who joined twice are reported once
            seen_unmatched.add(key)
            unmatched.append(row)
    not_in_report = [p for p in participants if p.user is not None and p.membership.id not in matched]
    states = {membership_id: True for membership_id in matched}
    if mark_missing_absent:
        states.update({p.membership.id: False for p in not_in_report})
    record_attendance(
        session, cohort_session, changed_marks(session, cohort_session, states), AttendanceSource.IMPORT, trainer
    )
    return ImportReport(
        matched=list(matched.values()),
        unmatched=unmatched,
        not_in_report=not_in_report,
        without_account=[p for p in participants if p.user is None],
        marked_absent=len(not_in_report) if mark_missing_absent else 0,
        rows=len(parsed.rows),
        has_names=parsed.has_names,
    )
