"""One Markdown renderer: Markdown to HTML, always sanitized with an allow-list.

Course text from the repository and text people type (notes, attestations, commitments) go through the
same sanitizer; course text may additionally get heading anchors and a table of contents.

Text people type cannot use the page's own names: every `id`, `class` and in-page link (`href="#…"`) it carries is
moved into the `user-content-` namespace (as GitHub does), so a note cannot dress up as one of the app's alerts
(`class="flash error"`), take the id a link or a script of the page points at, or send a reader to one of the app's
anchors. Footnotes keep working: their ids and the links to them are prefixed alike.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import markdown as md
import nh3
from markupsafe import Markup

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "section",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "div": {"class"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "li": {"id"},
    "ol": {"start"},
    "sup": {"id"},
    "td": {"align"},
    "th": {"align"},
}
_URL_SCHEMES = {"http", "https", "mailto"}
USER_CONTENT_PREFIX = "user-content-"
_USER_CLASSES = {"footnote"}  # the one class the Markdown extensions put on user text (the footnotes' block)
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")
_BASE_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "footnotes", "abbr", "def_list"]


@dataclass(frozen=True)
class RenderedDocument:
    html: Markup
    toc: Markup
    headings: int


def _drop_disguised_script_links(tag: str, attribute: str, value: str) -> str | None:
    """Belt and braces over nh3's URL check: a link that spells a script scheme with spaces or control characters
    inside ("java   script:") is dropped too, whatever a browser would make of it."""
    if attribute == "href":
        squeezed = "".join(ch for ch in value if ch > " ").lower()
        if squeezed.startswith(_SCRIPT_SCHEMES):
            return None
    return value


def _in_user_namespace(tag: str, attribute: str, value: str) -> str | None:
    """For text people type: in-page links point into the user-content- namespace (nh3's id_prefix moves the ids
    there), and of classes only the footnotes' own is kept, prefixed too."""
    value = _drop_disguised_script_links(tag, attribute, value)
    if value is None:
        return None
    if attribute == "href" and value.startswith("#") and not value.startswith("#" + USER_CONTENT_PREFIX):
        return "#" + USER_CONTENT_PREFIX + value[1:]
    if attribute == "class":
        kept = [USER_CONTENT_PREFIX + name for name in value.split() if name in _USER_CLASSES]
        return " ".join(kept) or None
    return value


def sanitize_html(html: str, *, user_text: bool = True) -> Markup:
    """Keep only harmless tags and attributes; links get rel=noopener and never run script. Text people type
    (`user_text`, the default) gets its ids, classes and in-page links in the user-content- namespace; only course
    text from the repository keeps its own (its table of contents links to its headings' ids)."""
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_in_user_namespace if user_text else _drop_disguised_script_links,
        id_prefix=USER_CONTENT_PREFIX if user_text else None,
    )
    return Markup(cleaned)  # noqa: S704 - sanitized just above


_converters = threading.local()


def _converter(kind: str) -> md.Markdown:
    """This thread's converter of that kind, reset. Building one costs more than most conversions; reset() clears
    everything a document leaves behind (footnotes, abbreviations, heading ids), so nothing of one person's text
    reaches the next."""
    converter = getattr(_converters, kind, None)
    if converter is None:
        if kind == "document":
            converter = md.Markdown(
                extensions=[*_BASE_EXTENSIONS, "toc"],
                extension_configs={"toc": {"toc_depth": "2-3", "permalink": False}},
                output_format="html",
            )
        else:
            converter = md.Markdown(extensions=_BASE_EXTENSIONS, output_format="html")
        setattr(_converters, kind, converter)
    converter.reset()
    return converter


def render_markdown(text: str) -> Markup:
    """Render text a person typed. Raw HTML in the input is escaped away by the sanitizer."""
    return sanitize_html(_converter("text").convert(text or ""))


def render_document(text: str) -> RenderedDocument:
    """Render a long course text with heading anchors and a table of contents."""
    converter = _converter("document")
    html = converter.convert(text or "")
    tokens = getattr(converter, "toc_tokens", [])
    count = sum(1 + len(t.get("children", [])) for t in tokens)
    toc = converter.toc if count else ""  # type: ignore[attr-defined]
    return RenderedDocument(
        html=sanitize_html(html, user_text=False), toc=sanitize_html(toc, user_text=False), headings=count
    )
