"""No English word a person reads was left unmarked: every GET page, for each kind of person of the demo world, and
every email template, rendered in a pseudo-locale (tests/tools/pseudo_locale.py), shows only pseudo-translated
text, people's own data (names, notes, course text) and a short allow-list."""

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from icalendar import Calendar
from jinja2 import ChainableUndefined

from app import create_app
from app.accounts.models import User
from app.demo.data import DEMO_PASSWORD
from app.extensions import db
from app.lib.languages import LANGUAGE_NAMES
from app.lib.time import all_timezones
from tests import conftest
from tests.conftest import FormClient, empty_all_tables
from tests.core.roles import ROLES
from tests.core.test_pages import get_routes, url_arguments
from tests.tools import pseudo_locale

# Words that are the same in every language here, or are not words: the brand, units, formats, codes.
ALLOWED = {"plenary", "utc", "csv", "ics", "json", "markdown", "zoom", "jitsi", "totp", "min", "api", "url", "http"}
SKIPPED_TAGS = {"script", "style", "code", "pre", "time"}
READ_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")


@pytest.fixture
def app(_schema, db_url, tmp_path):
    pseudo_dir = pseudo_locale.build(tmp_path / "pseudo")
    app = create_app(
        conftest.test_config(
            db_url,
            BABEL_TRANSLATION_DIRECTORIES=f"{pseudo_dir};translations",
            LANGUAGES=["en", "es", "pt_BR", "fr", pseudo_locale.PSEUDO],
        )
    )
    app.test_client_class = FormClient
    with app.app_context():
        yield app
        db.session.rollback()
        empty_all_tables()
        conftest.release_connections()


def english_vocabulary() -> set[str]:
    """Every word of the interface's English messages (placeholders taken out)."""
    with pseudo_locale.CATALOGUE.open("rb") as file:
        catalogue = read_po(file)
    words = set()
    for message in catalogue:
        for text in message.id if message.pluralizable else (message.id,):
            words.update(w.lower() for w in re.findall(r"[A-Za-z]{3,}", pseudo_locale.KEEP.sub(" ", text or "")))
    return words - ALLOWED


def people_data() -> list[str]:
    """Every text people or trainers wrote, as the database holds it (course text too, and the text of its HTML),
    and the names of time zones: they are shown as written, in any language."""
    zones = all_timezones()
    texts = {z.replace("_", " ") for z in zones} | {z.rsplit("/", 1)[-1].replace("_", " ") for z in zones} | set(zones)
    texts |= set(LANGUAGE_NAMES.values())  # each language named in its own words, in the menu
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text | sa.JSON)]
        for row in db.session.execute(sa.select(*columns)) if columns else ():
            for value in row:
                values = value if isinstance(value, list) else [value]
                for text in (str(v) for v in values if v):
                    texts.add(text)
                    if "<" in text:  # rendered Markdown: its visible text, line by line
                        texts.update(line.strip() for line in page_text(text).splitlines())
    return sorted((text for text in texts if len(text) >= 3), key=len, reverse=True)


class VisibleText(HTMLParser):
    """The text a person reads (and a screen reader says), outside people's own content (.prose)."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col", "area", "base"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._stack = [], []

    def _skipping(self) -> bool:
        return any(self._stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        skip = tag in SKIPPED_TAGS or "prose" in (a.get("class") or "").split() or a.get("translate") == "no"
        if not self._skipping() and not skip:
            self.parts.extend(a[name] for name in READ_ATTRIBUTES if a.get(name))
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.parts.append(a["value"])
        if tag not in self.VOID:
            self._stack.append(skip)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not self._skipping():
            self.parts.append(data)


def english_left(text: str, vocabulary: set[str], data: list[str]) -> set[str]:
    text = re.sub(r"https?://\S+|[\w.+-]+@[\w.-]+", " ", pseudo_locale.unmarked_text(text))  # addresses are not words
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    return {word for word in re.findall(r"[A-Za-z]{3,}", text) if word.lower() in vocabulary}


def page_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def test_every_page_is_fully_translated_for_every_kind_of_person(app, demo_world):
    db.session.execute(sa.update(User).values(locale=pseudo_locale.PSEUDO))
    db.session.commit()
    vocabulary, data = english_vocabulary(), people_data()
    found, checked = {}, 0
    for email in ROLES.values():
        client = app.test_client()
        if email:
            assert client.submit("/login", {"email": email, "password": DEMO_PASSWORD}).status_code == 302
        for rule in get_routes(app):
            arguments = url_arguments(rule.endpoint)
            url = rule.build({k: arguments[k] for k in rule.arguments})[1]
            response = client.get(url, headers={"Accept-Language": pseudo_locale.PSEUDO})
            if response.status_code != 200 or response.mimetype not in ("text/html", "text/calendar"):
                continue
            checked += 1
            if response.mimetype == "text/calendar":
                text = calendar_text(response.data)
            else:
                text = page_text(response.get_data(as_text=True))
            words = english_left(text, vocabulary, data)
            if words:
                found.setdefault(rule.endpoint, set()).update(words)
    assert checked > 100  # every page, not a handful
    assert not found, "\n".join(f"{endpoint}: {sorted(words)}" for endpoint, words in sorted(found.items()))


def calendar_text(body: bytes) -> str:
    """What a calendar app shows of a feed: its name, and each event's title, description and reminder."""
    calendar = Calendar.from_ical(body)
    parts = [str(calendar.get("x-wr-calname", ""))]
    for component in calendar.walk():
        parts.extend(str(component.get(key, "")) for key in ("summary", "description"))
    return "\n".join(parts)


def email_templates(app) -> list[str]:
    return sorted(name for name in app.jinja_env.list_templates() if "/email/" in name)


def test_every_email_is_fully_translated(app):
    vocabulary = english_vocabulary()
    environment = app.jinja_env.overlay(undefined=ChainableUndefined)
    found = {}
    with app.test_request_context("/", headers={"Accept-Language": pseudo_locale.PSEUDO}):
        names = email_templates(app)
        assert len(names) > 10
        for name in names:
            text = environment.get_template(name).render()
            if name.endswith(".html"):
                text = page_text(text)
            words = english_left(text, vocabulary, [])
            if words:
                found[name] = words
    assert not found, "\n".join(f"{name}: {sorted(words)}" for name, words in sorted(found.items()))
