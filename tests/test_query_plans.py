"""Reader pages run on indexes that match their filter and order, whatever the archive holds.

Each statement a page runs is read back through SQLite's EXPLAIN QUERY PLAN: no page may scan a
whole table of articles, comments or tag rows, or sort one (a "TEMP B-TREE" for ORDER BY), since
either costs in proportion to the archive. (The time the pages take at 100,000 articles is
measured by `make bench-scale`; this holds the plans that make them flat.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import CommentStatus
from tests.factories import make_article, make_category, make_comment, make_tag

pytestmark = pytest.mark.skipif(
    bool(__import__("os").environ.get("BLOG_TEST_DATABASE_URL")),
    reason="reads SQLite's query plans; PostgreSQL's depend on its statistics",
)

#: Tables that grow with the archive: a plan must never read them whole.
GROWING = ("articles", "comments", "article_tags", "articles_fts")


@pytest.fixture
def site(app):
    with app.app_context():
        category, tag = make_category(), make_tag()
        start = datetime(2025, 3, 1, tzinfo=UTC)
        for n in range(30):
            article = make_article(
                published_at=start + timedelta(days=n), category=category, tags=[tag]
            )
            make_comment(article, status=CommentStatus.APPROVED)
        db.session.commit()
        return {
            "author": article.author.slug,
            "category": category.slug,
            "tag": tag.slug,
            "article": article.slug,
        }


def plans_of(app, client, url: str) -> list[tuple[str, list[str]]]:
    """Each SELECT the request ran, with its plan's lines."""
    ran: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            ran.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)
    plans = []
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        for statement, parameters in ran:
            rows = driver.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
            plans.append((statement, [row[-1] for row in rows]))
    return plans


def whole_reads(plans: list[tuple[str, list[str]]]) -> list[str]:
    """Plan lines that read a growing table whole, or sort rows to keep the first few.

    A full-text MATCH is the engine's index (a VIRTUAL TABLE INDEX line); sorting a bounded set
    (the tags of a page's ten articles, the authors) is fine, so only a sort under a LIMIT is.
    """
    found = []
    for statement, lines in plans:
        for line in lines:
            words = line.split()
            scans = words[0] == "SCAN" and words[1] in GROWING and "VIRTUAL TABLE" not in line
            sorts_to_limit = "TEMP B-TREE FOR ORDER BY" in line and " LIMIT " in statement
            # A range "every visible article" with no LIMIT to stop it (fetching a page's rows
            # by the listing's filter instead of by their ids did this).
            walks_visible = "(status=? AND published_at<?)" in line and " LIMIT " not in statement
            if scans or sorts_to_limit or walks_visible:
                found.append(f"{line}\n    in: {' '.join(statement.split())[:400]}")
    return found


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?page=2",
        "/authors/{author}",
        "/category/{category}",
        "/tag/{tag}",
        "/authors/",
        "/archive/",
        "/archive/2025/",
        "/archive/2025/03/",
        "/sitemap.xml",
        "/sitemaps/pages.xml",
        "/sitemaps/2025-03.xml",
        "/feed.atom",
        "/comments/feed.atom",
        "/search?q=headline",
    ],
)
def test_reader_pages_never_read_or_sort_a_growing_table_whole(app, client, site, url):
    plans = plans_of(app, client, url.format(**site))
    assert plans
    assert whole_reads(plans) == []


def test_the_check_catches_a_walk_over_every_visible_article():
    line = (
        "SEARCH articles USING INDEX ix_articles_status_published_at_id"
        " (status=? AND published_at<?)"
    )
    walk = "SELECT articles.title FROM articles WHERE articles.status = ? AND articles.id IN (?, ?)"
    assert whole_reads([(walk, [line])]) != []
    assert whole_reads([(walk + " LIMIT ?", [line])]) == []
