"""Search: ranked, highlighted, paginated, drafts never, and no query can break it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from blog.extensions import db
from blog.models import Article, utcnow
from blog.search import highlight, query_terms
from tests.factories import make_article
from tests.pages import get_html


@pytest.fixture
def articles(app):
    with app.app_context():
        make_article(
            title="Lighthouse keepers return",
            summary="A coastal tradition.",
            body_markdown="The lamp is lit again.",
        )
        make_article(
            title="Budget news",
            summary="Money talk.",
            body_markdown="Somewhere in the budget there is a lighthouse repair line.",
        )
        make_article(title="Lighthouse draft", status="draft", body_markdown="Secret lighthouse.")
        make_article(
            title="Lighthouse tomorrow",
            published_at=utcnow() + timedelta(days=1),
            body_markdown="Future lighthouse.",
        )
        make_article(title="Gardens", body_markdown="Nothing about the sea.")
        db.session.commit()


def titles(html: str) -> list[str]:
    import re

    return re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', html)


def test_the_query_is_cut_into_words():
    assert query_terms('"NEAR( lighthouse* AND -keepers') == [
        "near",
        "lighthouse",
        "and",
        "keepers",
    ]
    assert query_terms("!!! ??? ***") == []
    assert len(query_terms("word " * 100)) == 12


def test_snippets_are_escaped_and_marked():
    assert highlight("<b>\x02sea\x03</b>") == "&lt;b&gt;<mark>sea</mark>&lt;/b&gt;"


def test_results_are_ranked_title_first_and_hide_drafts_and_future(articles, client):
    html = get_html(client, "/search?q=lighthouse")
    assert titles(html) == ["Lighthouse keepers return", "Budget news"]
    assert "2 articles found for <q>lighthouse</q>" in html


def test_matching_words_are_highlighted(articles, client):
    html = get_html(client, "/search?q=budget+lighthouse")
    assert titles(html) == ["Budget news"]
    assert "<mark>lighthouse</mark>" in html.lower() or "<mark>Lighthouse</mark>" in html


def test_word_forms_and_prefixes_match(articles, client):
    assert "Lighthouse keepers return" in titles(get_html(client, "/search?q=keeper"))
    assert "Lighthouse keepers return" in titles(get_html(client, "/search?q=lightho"))


def test_search_paginates(app, client):
    app.config["ARTICLES_PER_PAGE"] = 2
    with app.app_context():
        for n in range(5):
            make_article(title=f"Tide report {n}", body_markdown="Tides and more tides.")
        db.session.commit()
    first, third = get_html(client, "/search?q=tides"), get_html(client, "/search?q=tides&page=3")
    assert len(titles(first)) == 2 and len(titles(third)) == 1
    assert "Page 1 of 3" in first
    get_html(client, "/search?q=tides&page=4", 404)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        '""""',
        "NEAR(",
        "NEAR(a b)",
        "a OR",
        "*",
        "-",
        "^",
        "'",
        "\\",
        ":",
        "title:x",
        "x" * 5000,
        "a " * 3000,
        "{{7*7}}",
        "<script>alert(1)</script>",
        "\x00",
        'lighthouse"',
        "AND AND",
        "😀",
        "ümlaut",
    ],
)
def test_no_query_breaks_search(articles, client, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html


def test_empty_and_symbol_queries_get_friendly_words(client):
    assert "Type a word or two" in get_html(client, "/search")
    assert "symbols alone find nothing" in get_html(client, "/search?q=%22%28%2A")


def test_the_index_follows_edits_and_deletions(app, articles, client):
    with app.app_context():
        article = db.session.scalar(db.select(Article).where(Article.title == "Gardens"))
        article.body_markdown = "Now about a lighthouse garden."
        db.session.commit()
    assert "Gardens" in titles(get_html(client, "/search?q=lighthouse"))
    with app.app_context():
        db.session.delete(db.session.scalar(db.select(Article).where(Article.title == "Gardens")))
        db.session.commit()
    assert "Gardens" not in titles(get_html(client, "/search?q=lighthouse"))


def test_the_header_has_a_search_box(client):
    html = get_html(client, "/")
    assert 'role="search"' in html and 'name="q"' in html
