"""Markdown rendering: what editors may write, and what can never reach a page."""

from __future__ import annotations

import pytest

from blog.rendering import render_markdown
from tests.pages import elements


def test_paragraphs_emphasis_lists_and_links_render():
    html = render_markdown("One *two*.\n\n- a\n- b\n\n[site](https://example.org)")
    assert "<p>One <em>two</em>.</p>" in html
    assert "<li>a</li>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer">site</a>' in html


def test_headings_are_demoted_so_the_headline_stays_the_only_h1():
    html = render_markdown("# Big\n\n## Smaller\n\n###### Smallest")
    assert "<h1" not in html
    assert "<h2>Big</h2>" in html and "<h3>Smaller</h3>" in html and "<h6>Smallest</h6>" in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java\tscript:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<svg onload="alert(1)">',
    ],
)
def test_no_markdown_can_put_script_into_a_page(source):
    for tag, attrs in elements(render_markdown(source)):
        assert tag not in ("script", "iframe", "svg", "object", "embed")
        assert not any(name.startswith("on") for name in attrs)
        for name in ("href", "src"):
            if attrs.get(name):
                assert attrs[name].lower().startswith(("http:", "https:", "mailto:"))


def test_raw_html_is_shown_as_text():
    assert "&lt;b&gt;bold&lt;/b&gt;" in render_markdown("<b>bold</b>")
