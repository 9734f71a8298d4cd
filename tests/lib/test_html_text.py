"""The plain-string escape used where the service writes rows of HTML gives exactly what Jinja's autoescape gives."""

import pytest
from markupsafe import escape

from app.lib.html_text import escape_text


@pytest.mark.parametrize(
    "value",
    ["", "Ana", "<script>alert('x')</script>", 'Bo "the" & Co', "&amp; already", "Ünïcødé ‹›", "a'b\"c<d>e&f", "\x00"],
)
def test_escape_text_gives_what_markupsafe_gives(value):
    assert escape_text(value) == str(escape(value))
    assert type(escape_text(value)) is str
