"""The trainer's breakout page has each room's member rows written by the service (breakouts.overview.member_rows_html)
for speed: they must be the very markup the page's template wrote row by row, people's values escaped."""

import pytest
from flask import render_template_string
from flask_babel import force_locale
from flask_babel import gettext as _

from app.breakouts.overview import RosterLine, member_rows_html

# The rows as breakouts/page.html wrote them before the service did.
TEMPLATE_ROWS = """
{%- for line in lines -%}
<tr><th scope="row">{{ line.name }}{% if not line.taking_part %}<br><span class="muted">{{ no_longer }}</span>{% endif %}</th><td>{{ line.group_name }}{% if line.organization not in line.group_name %}<br><span class="muted">{{ line.organization }}</span>{% endif %}</td><td>{{ line.timezone.replace("_", " ") if line.timezone else "—" }}</td></tr>
{%- endfor -%}
"""  # noqa: E501

LINES = [
    RosterLine(1, '<b>Ana & "Bo"</b> O\'Neil', "ana@example.org", "America/Mexico_City", "Group <1> & co", "Org's"),
    RosterLine(2, "Bea", None, None, "Union of X", "Union", taking_part=False),
    RosterLine(3, "Cy", "cy@example.org", "Africa/Dar_es_Salaam", "Cy's group", "Cy's group"),
]


@pytest.mark.parametrize("language", ["en", "es", "fr", "pt_BR"])
def test_the_service_writes_the_rows_the_template_wrote(app, language):
    with app.test_request_context(), force_locale(language):
        no_longer = _("no longer taking part")
        expected = render_template_string(TEMPLATE_ROWS, lines=LINES, no_longer=_("no longer taking part"))
        written = member_rows_html(LINES, no_longer)
    assert str(written) == expected
    assert "&lt;b&gt;Ana &amp; &#34;Bo&#34;&lt;/b&gt; O&#39;Neil" in written and "<b>Ana" not in written
    assert "America/Mexico City" in written and "Group &lt;1&gt; &amp; co<br>" in written
