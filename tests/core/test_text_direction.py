"""Right-to-left ready: a right-to-left language gets `dir="rtl"`, and the style sheets use logical properties only
(start/end, inline/block), so adding Arabic or Hebrew later needs no CSS change. The layout itself is checked in a
real browser: tests/e2e/test_rtl_layout.py."""

import re
from pathlib import Path

import pytest

from app import create_app
from tests import conftest

CSS = sorted((Path(__file__).resolve().parents[2] / "app" / "static" / "css").glob("*.css"))
PHYSICAL = re.compile(
    r"(?<![-\w])(margin|padding|border|inset)-(left|right)\b|(?<![-\w])(left|right)\s*:|"
    r"text-align\s*:\s*(left|right)|float\s*:\s*(left|right)|clear\s*:\s*(left|right)"
)


@pytest.fixture
def app(_schema, db_url):
    app = create_app(conftest.test_config(db_url, LANGUAGES=["en", "es", "ar"]))
    with app.app_context():
        yield app
        conftest.release_connections()


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("es", "ltr"), ("en", "ltr")])
def test_the_page_direction_follows_the_language(app, language, direction):
    page = app.test_client().get("/login", headers={"Accept-Language": language}).get_data(as_text=True)
    assert f'<html lang="{language}" dir="{direction}">' in page


@pytest.mark.parametrize("sheet", CSS, ids=lambda path: path.name)
def test_style_sheets_use_logical_properties_only(sheet):
    physical = [
        f"{sheet.name}:{number}: {line.strip()}"
        for number, line in enumerate(sheet.read_text(encoding="utf-8").splitlines(), 1)
        if PHYSICAL.search(line)
    ]
    assert not physical, "use the logical property (inline-start/end, start/end) instead:\n" + "\n".join(physical)
