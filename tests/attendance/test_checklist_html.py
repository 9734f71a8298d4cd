"""The trainer's checklist tables are written by the service (attendance.service.checklist_html) for speed: they must
be the very markup the `checklist` macro writes (the coordinators' page still uses it), for every state of a row,
with people's names escaped, in every language."""

import pytest
from flask import render_template_string
from flask_babel import force_locale

from app.attendance.models import AttendanceSource
from app.attendance.records import Person
from app.attendance.service import ChecklistRow, ChecklistWords, checklist_html


class Record:
    def __init__(self, present: bool, source: AttendanceSource):
        self.present, self.source = present, source


HOSTILE = '<b>Ana & "Bo"</b> O\'Neil'
ROWS = [
    ChecklistRow(Person(1, HOSTILE, "ana@example.org", "Group <1> & co", "Org's", 10), None, 0),
    ChecklistRow(Person(2, "Bea", None, "G2", "O2", 10), Record(True, AttendanceSource.CHECKLIST), 2),
    ChecklistRow(Person(3, "Cy", "cy@example.org", "G3", "O3", 11), Record(False, AttendanceSource.IMPORT), 1),
    ChecklistRow(Person(4, "Di", None, "G4", "O4", 11), Record(True, AttendanceSource.COORDINATOR), 3),
    ChecklistRow(Person(5, "Ed", "ed@example.org", "G5", "O5", 12), Record(False, AttendanceSource.CHECKLIST), 0),
]
MACRO = (
    '{% from "attendance/_macros.html" import checklist %}'
    "{{ checklist(rows, field_name, ticked, usual, show_group=show_group) }}"
)


@pytest.mark.parametrize("language", ["en", "es", "fr", "pt_BR"])
@pytest.mark.parametrize("usual", [None, AttendanceSource.CHECKLIST, AttendanceSource.IMPORT])
@pytest.mark.parametrize("show_group", [True, False])
def test_the_service_writes_the_checklist_the_macro_writes(app, language, usual, show_group):
    ticked = {2, 4, 5}
    with app.test_request_context(), force_locale(language):
        expected = render_template_string(
            MACRO, rows=ROWS, field_name="present", ticked=ticked, usual=usual, show_group=show_group
        )
        written = checklist_html(ROWS, "present", ticked, usual, show_group=show_group)
        shared = checklist_html(ROWS, "present", ticked, show_group=show_group, words=ChecklistWords.of(usual))
    assert str(written) == expected == str(shared)


def test_names_are_escaped_and_ticks_follow_the_ticked_ids(app):
    with app.test_request_context():
        html = str(checklist_html(ROWS, "present", {2}, show_group=True))
    assert "&lt;b&gt;Ana &amp; &#34;Bo&#34;&lt;/b&gt; O&#39;Neil" in html and HOSTILE not in html
    assert "Group &lt;1&gt; &amp; co" in html
    assert 'value="2" checked>' in html and 'value="1">' in html
