"""One renderer for Markdown, always sanitized."""

from app.lib.markdown import render_document, render_markdown


def test_scripts_event_handlers_and_javascript_links_are_removed():
    html = str(
        render_markdown(
            '<script>alert(1)</script><img src=x onerror="alert(2)"> [click](javascript:alert(3))'
            '\n\n<a href="https://ok.example" onclick="x()">ok</a>'
        )
    )
    assert "<script" not in html and "alert(1)" not in html
    assert "onerror" not in html and "<img" not in html
    assert "javascript:" not in html
    assert "onclick" not in html
    assert 'href="https://ok.example"' in html


def test_script_links_disguised_with_spaces_or_control_characters_are_dropped():
    for payload in ("<a href='java\tscript:alert(1)'>x</a>", '<a href="java   script:alert(1)">x</a>'):
        html = str(render_markdown(payload))
        assert "href" not in html and "script:" not in html.replace(" ", ""), html
    assert 'href="https://ok.example/a%20b"' in str(render_markdown("[ok](https://ok.example/a%20b)"))


def test_links_get_a_safe_rel():
    assert 'rel="noopener noreferrer nofollow"' in str(render_markdown("[x](https://example.org)"))


def test_tables_lists_quotes_and_footnotes_survive():
    html = str(
        render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted\n\n1. one\n2. two\n\nNote[^1]\n\n[^1]: Fn.")
    )
    for tag in ("<table>", "<blockquote>", "<ol>", 'class="user-content-footnote"'):
        assert tag in html


def test_long_documents_get_a_table_of_contents_with_working_anchors():
    document = render_document("## First part\n\ntext\n\n### Detail\n\n## Second part\n")
    assert document.headings == 3
    assert 'href="#first-part"' in str(document.toc)
    assert 'id="first-part"' in str(document.html)


def test_nothing_of_one_text_reaches_the_next_one_rendered():
    """Converters are reused between texts (building one is slow): one person's abbreviations, footnotes and
    heading ids must not show up in the next person's text."""

    first = render_markdown("*[ILO]: A private expansion\n\nILO text[^1]\n\n[^1]: A private footnote")
    assert "A private expansion" in first and "A private footnote" in first

    second = render_markdown("ILO text and more")
    assert "A private" not in second
    assert "abbr" not in second

    assert 'id="plan"' in render_document("## Plan\n\ntext").html
    assert 'id="plan"' in render_document("## Plan\n\nother text").html  # not "plan_1"
