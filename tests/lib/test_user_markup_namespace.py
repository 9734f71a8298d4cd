"""Text people type cannot borrow the page's own names.

Every class and id the app's stylesheets, scripts and templates give meaning to (`flash flash-error`, `footnote`,
the anchors pages link to, the `data-` hooks of the scripts) is collected from the files themselves, and written into
user Markdown and HTML on every tag the sanitizer keeps: what comes out carries ids, classes and in-page links only in
the `user-content-` namespace, and no attribute a style or script reacts to. A new class in a stylesheet is covered
without touching this test.
"""

import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.learning.service import _render_commitment
from app.lib.markdown import _ALLOWED_TAGS, render_document, render_markdown
from app.notes.service import render_note
from app.registration.service import attestation_html

APP = Path(__file__).resolve().parents[2] / "app"
NAME = r"-?[_a-zA-Z][\w-]*"
USER_CONTENT_PREFIX = "user-content-"
HARMLESS_ATTRIBUTES = {"href", "title", "rel", "align", "start", "id", "class"}


def _css_names() -> set[str]:
    names = set()
    for path in (APP / "static" / "css").glob("*.css"):
        text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
        for selector in re.findall(r"([^{}]+)\{", text):
            if selector.strip().startswith("@"):
                continue
            names |= set(re.findall(rf"[.#]({NAME})", re.sub(r"\[[^\]]*\]", "", selector)))
    return names


def _script_names() -> tuple[set[str], set[str]]:
    """Classes and ids the scripts use, and the data- attributes they look for."""
    names, data = set(), set()
    for path in (APP / "static" / "js").glob("*.js"):
        text = path.read_text()
        data |= set(re.findall(r"\[(data-[\w-]+)", text))
        names |= set(re.findall(rf"className\s*=\s*[\"']({NAME})", text))
        names |= set(re.findall(rf"(?:classList\.\w+|getElementById)\(\s*[\"']({NAME})", text))
        names |= set(re.findall(rf"querySelector(?:All)?\(\s*[\"'][^\"']*?[.#]({NAME})", text))
    return names, data


def _template_names() -> set[str]:
    """The static classes and ids in the templates (the parts of `flash flash-{{ category }}` that are not code)."""
    names = set()
    for path in APP.rglob("*.html"):
        for value in re.findall(r'\b(?:class|id)="([^"]*)"', path.read_text()):
            value = re.sub(r"{{.*?}}|{%.*?%}", " ", value)
            names |= {token for token in value.split() if re.fullmatch(NAME, token)}
    return names


SCRIPT_NAMES, DATA_ATTRIBUTES = _script_names()
APP_NAMES = _css_names() | SCRIPT_NAMES | _template_names()


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.found.extend((tag, name, value or "") for name, value in attrs)


def attributes_of(html: str) -> list[tuple[str, str, str]]:
    parser = _Attributes()
    parser.feed(html)
    return parser.found


def borrowed(html: str) -> list[tuple[str, str, str]]:
    """Attributes of the output that reach outside the user-content- namespace or that styles and scripts react to."""

    def outside(name: str, value: str) -> bool:
        if name == "id":
            return not value.startswith(USER_CONTENT_PREFIX)
        if name == "class":
            return any(not c.startswith(USER_CONTENT_PREFIX) for c in value.split())
        if name == "href":
            return value.startswith("#") and not value.startswith("#" + USER_CONTENT_PREFIX)
        return name not in HARMLESS_ATTRIBUTES

    return [(tag, name, value) for tag, name, value in attributes_of(html) if outside(name, value)]


def hostile_texts(name: str) -> list[str]:
    """`name` as a class, an id, an anchor and a footnote label, in HTML on every tag the sanitizer keeps and in
    Markdown, with the attributes the page's scripts and accessibility tree react to."""
    data = " ".join(f'{attribute}="{name}"' for attribute in sorted(DATA_ATTRIBUTES))
    on_every_tag = "".join(
        f'<{tag} class="{name} flash" id="{name}" name="{name}" role="alert" style="color:red" '
        f'aria-live="assertive" tabindex="0" {data}>x</{tag}>'
        for tag in sorted(_ALLOWED_TAGS)
    )
    markdown = (
        f"## {name}\n\n[to the page's anchor](#{name})\n\nText[^{name}]\n\n[^{name}]: A footnote.\n\n"
        f"{{: .{name} #{name} }}\n\n<p class='{name}'>single quotes</p>\n\n<div markdown=1 class={name}>bare</div>"
    )
    return [on_every_tag, markdown, on_every_tag + "\n\n" + markdown]


def test_the_names_the_app_gives_meaning_to_are_found_in_its_files():
    """The collection itself works: the alert classes, the footnotes' class and the scripts' hooks are in it."""
    assert {"flash", "flash-error", "flash-success", "flashes", "footnote", "note-rendered"} <= APP_NAMES
    assert {"data-note-preview", "data-board", "data-countdown"} <= DATA_ATTRIBUTES
    assert "main" in APP_NAMES  # the skip link's target


@pytest.mark.parametrize("name", sorted(APP_NAMES))
def test_user_text_cannot_carry_a_class_id_or_anchor_of_the_app(name):
    for text in hostile_texts(name):
        html = str(render_markdown(text))
        assert not borrowed(html), (name, borrowed(html))


@pytest.mark.parametrize(
    "render",
    [
        render_note,
        _render_commitment,
        lambda text: attestation_html(SimpleNamespace(evidence=SimpleNamespace(attestation=text))),
    ],
    ids=["breakout notes", "commitments", "attestations"],
)
def test_every_user_text_field_goes_through_the_namespaced_renderer(render):
    html = str(render('<p class="flash flash-error" role="alert" id="main">Your account is suspended</p>'))
    assert "Your account is suspended" in html
    assert not borrowed(html), borrowed(html)


def test_footnotes_in_user_text_still_link_both_ways_and_keep_their_style():
    html = str(render_markdown("A claim[^src].\n\n[^src]: The source."))
    ids = {value for _tag, name, value in attributes_of(html) if name == "id"}
    targets = {value[1:] for _tag, name, value in attributes_of(html) if name == "href" and value.startswith("#")}
    assert len(targets) == 2 and targets <= ids, (targets, ids)
    assert 'class="user-content-footnote"' in html
    css = (APP / "static" / "css" / "app.css").read_text()
    assert ".user-content-footnote" in css


def test_course_text_from_the_repository_keeps_its_own_anchors():
    document = render_document("## First part\n\ntext[^1]\n\n[^1]: Note.")
    assert 'id="first-part"' in str(document.html) and 'href="#first-part"' in str(document.toc)
    assert 'class="footnote"' in str(document.html)
