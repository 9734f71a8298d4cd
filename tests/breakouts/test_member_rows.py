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


def test_each_rooms_rename_form_posts_to_its_room_in_the_scope_shown(client, make_running_cohort):
    """The rename address is built once per page with the room's id put in: for the standing rooms and for a
    session's own rooms alike, each form names its own room and the session shown."""
    from tests.breakouts.test_views import login, url, with_rooms

    world = make_running_cohort(group_sizes=(4, 4))
    plan = with_rooms(world)
    second = world.cohort.sessions[1]
    login(client, world.trainer)
    standing = client.get(url(world)).get_data(as_text=True)
    scoped = client.get(url(world, f"?session={second.id}")).get_data(as_text=True)
    for room in plan.rooms:
        address = f"/cohorts/{world.cohort.id}/breakouts/rooms/{room.id}/rename"
        assert standing.count(f'action="{address}"') == 1
        assert scoped.count(f'action="{address}?session={second.id}"') == 1
    response = client.submit(
        f"{url(world)}/rooms/{plan.rooms[0].id}/rename?session={second.id}",
        {f"room{plan.rooms[0].id}-name": "Río"},
        page=url(world, f"?session={second.id}"),
    )
    assert response.status_code == 302 and f"session={second.id}" in response.headers["Location"]
