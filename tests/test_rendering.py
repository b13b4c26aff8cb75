"""Markdown rendering: what editors may write, and what can never reach a page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import Article
from blog.rendering import (
    HTML,
    MARKDOWN,
    outline_levels,
    render_body,
    render_markdown,
    sanitise_html,
)
from tests.factories import make_article
from tests.pages import elements


def heading_levels(html: str) -> list[str]:
    return [tag for tag, _ in elements(html) if tag in ("h1", "h2", "h3", "h4", "h5", "h6")]


@pytest.mark.parametrize(
    ("written", "given"),
    [
        ([2, 3, 2], [2, 3, 2]),  # the usual article: ## sections with ### inside
        ([1, 2, 2], [2, 3, 3]),  # a body that starts at #
        ([1, 3], [2, 3]),  # ### right after # skips nothing on the page
        ([2, 4, 3], [2, 3, 3]),  # #### under ## then ### come out as siblings
        ([3, 3, 1, 2], [2, 2, 2, 3]),  # a deeper heading before the top one
        ([1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 6]),  # nothing deeper than h6
        ([], []),
    ],
)
def test_outline_levels_start_at_h2_and_never_skip(written, given):
    assert outline_levels(written) == given


@pytest.mark.parametrize(
    ("source", "levels"),
    [
        ("Intro.\n\n## Why it still runs\n\nText.\n\n## What next\n", ["h2", "h2"]),
        ("# Big\n\n## Smaller\n\n###### Smallest", ["h2", "h3", "h4"]),
        ("# Top\n\n### Under it\n\nText.", ["h2", "h3"]),
        ("## Section\n\n#### Detail\n\n> ### Quoted", ["h2", "h3", "h3"]),
        ("Setext\n======\n\nSub\n---\n", ["h2", "h3"]),
    ],
)
def test_an_article_body_starts_at_h2_under_the_headline_and_never_skips_a_level(source, levels):
    html = render_markdown(source)
    assert heading_levels(html) == levels
    assert "<h1" not in html


def test_paragraphs_emphasis_lists_and_links_render():
    html = render_markdown("One *two*.\n\n- a\n- b\n\n[site](https://example.org)")
    assert "<p>One <em>two</em>.</p>" in html
    assert "<li>a</li>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer">site</a>' in html


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


def test_rerender_articles_brings_stored_bodies_up_to_date_without_an_update_date(app, runner):
    with app.app_context():
        article = make_article(body_markdown="Intro.\n\n## Why it still runs\n\nText.")
        db.session.commit()
        article_id, updated_at = article.id, article.updated_at
        # As rendered before the body's outline started at h2.
        stale = "<p>Intro.</p>\n<h3>Why it still runs</h3>\n<p>Text.</p>\n"
        db.session.execute(
            sa.update(Article)
            .where(Article.id == article_id)
            .values(body_html=stale, updated_at=Article.updated_at)
        )
        db.session.commit()

    result = runner.invoke(args=["rerender-articles"])
    assert result.exit_code == 0, result.output
    assert "1 article body rendered again." in result.output
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert heading_levels(article.body_html) == ["h2"]
        assert article.updated_at == updated_at
    assert "0 article bodies" in runner.invoke(args=["rerender-articles"]).output


def test_imported_html_keeps_text_links_lists_quotes_and_images_and_drops_the_rest():
    html = (
        '<!-- wp:paragraph --><p class="x" style="color:red">Hello <a href="https://e.org/a" '
        'onclick="steal()">there</a><script>alert(1)</script></p><!-- /wp:paragraph -->'
        "<ul><li>one</li></ul><blockquote><p>said</p></blockquote>"
        '<img src="https://e.org/p.jpg" alt="A pier" width="300"><iframe src="https://x"></iframe>'
    )
    clean = sanitise_html(html)
    assert clean == (
        '<p>Hello <a href="https://e.org/a" rel="noopener noreferrer">there</a></p>'
        "<ul><li>one</li></ul><blockquote><p>said</p></blockquote>"
        '<img src="https://e.org/p.jpg" alt="A pier">'
    )
    assert sanitise_html(clean) == clean


def test_imported_headings_follow_the_outline_rule_and_stay_put_when_sanitised_again():
    clean = sanitise_html("<h1>Top</h1><p>a</p><h4>Deep</h4><h3>Mid</h3><h1>Next</h1>")
    assert clean == "<h2>Top</h2><p>a</p><h3>Deep</h3><h3>Mid</h3><h2>Next</h2>"
    assert sanitise_html(clean) == clean
    assert render_body(clean, HTML) == clean
    assert render_body("# Top", MARKDOWN) == "<h2>Top</h2>\n"
