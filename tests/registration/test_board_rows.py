"""The registration board's rows are written by the service (registration.board.board_rows_html) for speed: they must
be the very markup registration/board.html wrote row by row, for every state a row can be in, in every language."""

from datetime import date

import pytest
from flask import render_template_string
from flask_babel import force_locale

from app.registration.board import BoardRow, board_rows_html
from app.registration.models import RegistrationStatus
from app.registration.prerequisites import Checklist, Prerequisites

# The rows as registration/board.html wrote them before the service did.
TEMPLATE_ROWS = """
  {% set words = {"met": _("experience accepted"), "review": _("waiting for your review"), "declined": _("declined"), "missing": _("missing"), "not_yet": _("not yet")} %}
  {% for row in rows %}
  <tr>
    <th scope="row"><a href="{{ url_for('registration.registration_page', registration_id=row.id) }}">{{ row.group_name }}</a><br><span class="muted">{{ row.organization }}</span></th>
    <td>{{ row.status.label }}</td>
    <td>{{ _("%(n)s of %(min)s", n=row.checklist.members, min=row.checklist.threshold) }}</td>
    <td>{% set p = row.checklist.prerequisites %}{% if p.state == "none" %}—{% elif p.state == "met" and p.completed >= p.needed %}{{ _("completions (%(n)s)", n=p.completed) }}{% elif p.state == "met" %}{{ words.met }}{% elif p.state == "review" %}<strong>{{ words.review }}</strong>{% elif p.state == "declined" %}{{ words.declined }}{% else %}{{ words.missing }}{% endif %}</td>
    <td>{% if row.pre_meeting_held_on is not none %}{{ row.pre_meeting_held_on.isoformat() }} ({{ row.pre_meeting_attendance }}){% elif pre_meeting_required %}<strong>{{ words.not_yet }}</strong>{% else %}—{% endif %}</td>
    <td>{{ row.seats }}</td>
  </tr>
  {% endfor %}
"""  # noqa: E501


def row(id, status, prerequisites, held_on=None, attendance=None, name="Group", organization="Org") -> BoardRow:
    checklist = Checklist(members=id + 2, threshold=4, prerequisites=prerequisites, seats_left=10)
    return BoardRow(id, status, id + 1, name, organization, held_on, attendance, checklist)


ROWS = [
    row(1, RegistrationStatus.PENDING, Prerequisites("none"), name='<b>Ana & "Bo"</b>', organization="O'Neil & Co"),
    row(2, RegistrationStatus.CONFIRMED, Prerequisites("met", 3, 2), date(2026, 3, 4), 5),
    row(3, RegistrationStatus.WAITLISTED, Prerequisites("met", 1, 2)),
    row(4, RegistrationStatus.PENDING, Prerequisites("review", 0, 2)),
    row(5, RegistrationStatus.LAPSED, Prerequisites("declined", 0, 2)),
    row(6, RegistrationStatus.CONFIRMED, Prerequisites("missing", 0, 2)),
] + [row(7 + n, status, Prerequisites("none")) for n, status in enumerate(RegistrationStatus)]


@pytest.mark.parametrize("language", ["en", "es", "fr", "pt_BR"])
@pytest.mark.parametrize("pre_meeting_required", [True, False])
def test_the_service_writes_the_rows_the_template_wrote(app, language, pre_meeting_required):
    with app.test_request_context(), force_locale(language):
        expected = render_template_string(TEMPLATE_ROWS, rows=ROWS, pre_meeting_required=pre_meeting_required)
        written = board_rows_html(ROWS, "/registrations/", pre_meeting_required=pre_meeting_required)
    assert str(written) == expected.removeprefix("\n")
    assert "&lt;b&gt;Ana &amp; &#34;Bo&#34;&lt;/b&gt;" in written and "O&#39;Neil &amp; Co" in written
