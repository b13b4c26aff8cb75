"""The scale bench's pure parts (arithmetic, the page table, the generated content) and one small
build into a SQLite file. `make bench-scale` itself is the end-to-end check of the measuring.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.scale import PAGES, build, meets_growth, percentile, table, targets, time_page
from bench.scaledata import (
    DRAFTS,
    EVERY_ARTICLE_WORD,
    NO_ARTICLE_WORD,
    PLANTED_COMMENTS,
    SCHEDULED,
    THREE_WORD_QUERY,
    WORDS_PER_ARTICLE,
    Generator,
)
from blog.rendering import render_comment, render_markdown

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FACTS = {
    "article": "a-story-5",
    "article_id": 5,
    "author": "ada-holt",
    "category": "city",
    "tag": "ferry-7",
    "home_last_page": 50,
    "year": "2026",
    "month": "11",
}


@pytest.fixture(scope="module")
def generated() -> dict[str, list[dict]]:
    """Every row of a site of 2,000 articles, from a fixed seed and a fixed now."""
    rows: dict[str, list[dict]] = {"articles": [], "tags": [], "comments": []}
    for chunk in Generator(2000, seed=7, now=NOW).chunks():
        rows["articles"] += chunk.articles
        rows["tags"] += chunk.tags
        rows["comments"] += chunk.comments
    return rows


def words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"\w+", text)}


@pytest.mark.parametrize(
    ("small", "large", "meets"),
    [(10.0, 15.0, True), (10.0, 15.1, False), (2.0, 7.0, True), (2.0, 7.5, False), (30, 20, True)],
)
def test_growth_is_within_one_and_a_half_times_or_five_ms(small, large, meets) -> None:
    assert meets_growth(small, large) is meets


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 51)]
    assert percentile(values, 0.5) == 25.0
    assert percentile(values, 0.99) == 50.0
    assert percentile([3.0], 0.99) == 3.0


def test_every_page_has_its_own_name_and_an_address_from_the_facts() -> None:
    names = [page.name for page in PAGES]
    assert len(names) == len(set(names))
    paths = [page.path(FACTS) for page in PAGES]
    assert all(path.startswith("/") and "{" not in path for path in paths)
    assert "/articles/a-story-5" in paths
    assert "/archive/2026/11/" in paths
    assert [p.path(FACTS) for p in PAGES if p.search] == [
        "/search?q=harbour",
        "/search?q=zebra",
        "/search?q=council+budget+vote",
    ]
    assert all(p.path(FACTS).startswith("/admin/") for p in PAGES if p.staff)


class Answers(http.server.BaseHTTPRequestHandler):
    """/ answers 200, /slow after a tenth of a second, anything else 404."""

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(0.1)
        self.send_response(404 if self.path == "/missing" else 200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: object) -> None:
        pass


def test_pages_are_timed_one_request_after_another_within_a_budget() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1])
    args = argparse.Namespace(requests=5, page_budget=0.25, timeout=60)
    try:
        fast = time_page(connection, "/", "", args)
        missing = time_page(connection, "/missing", "", args)
        slow = time_page(connection, "/slow", "", args)
    finally:
        connection.close()
        server.shutdown()
        server.server_close()
    assert (fast["requests"], fast["failures"]) == (5, {})
    assert (missing["requests"], missing["failures"]) == (5, {"404": 5})
    assert slow["requests"] == 3  # the budget is spent after three, the least a page gets
    assert 100 <= slow["p50_ms"] <= slow["p99_ms"]


def measured(p50: float, p99: float, failures: dict | None = None) -> dict:
    return {"p50_ms": p50, "p99_ms": p99, "requests": 50, "failures": failures or {}}


def test_the_table_gives_growth_verdicts_and_failures() -> None:
    small = {page.name: measured(4.0, 5.0) for page in PAGES}
    large = {page.name: measured(5.0, 150.0) for page in PAGES}
    large["home"] = measured(12.0, 13.0)
    large["archive"] = measured(1.0, 1.0, {"404": 50})
    large["tag"] = {**measured(900.0, 990.0), "requests": 33}
    large["search, three words"] = measured(150.0, 250.0)
    results = {"sizes": [1000, 100000], "requests": 50, "pages": {"1000": small, "100000": large}}
    lines = table(results)
    assert lines[0].startswith("| page | 1,000 | 100,000 | growth p50 1,000 → 100,000")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[2:]}
    assert rows["home"].endswith("| 4.0 / 5.0 | 12.0 / 13.0 | 3.00× | **no** |")
    assert rows["author"].endswith("| 1.25× | yes |")
    assert rows["archive"].endswith("| 404 ×50 | – | failed |")
    assert rows["tag"].endswith("| 900.0 / 990.0 (n=33) | 225.00× | **no** |")
    verdicts = targets(results)
    assert list(verdicts.values()) == ["yes", "yes", "no"]


def test_articles_are_of_realistic_length_with_the_bench_words(generated) -> None:
    low, high = WORDS_PER_ARTICLE
    for article in generated["articles"]:
        text = article["body_markdown"]
        assert low <= len(text.split()) <= high
        assert EVERY_ARTICLE_WORD in words(text)
        everything = words(f"{article['title']} {article['summary']} {text}")
        assert not any(word.startswith(NO_ARTICLE_WORD) for word in everything)
    query = set(THREE_WORD_QUERY.split())
    having_all = sum(query <= words(a["body_markdown"]) for a in generated["articles"])
    assert 0.05 * len(generated["articles"]) < having_all < 0.8 * len(generated["articles"])
    assert len({a["slug"] for a in generated["articles"]}) == len(generated["articles"])


def test_stored_html_is_what_the_site_renders(generated) -> None:
    for article in generated["articles"][:20]:
        assert article["body_html"] == render_markdown(article["body_markdown"])
    for comment in generated["comments"][:50]:
        assert comment["body_html"] == render_comment(comment["body"])


def test_ten_a_day_the_newest_an_hour_ago_with_drafts_and_scheduled(generated) -> None:
    published = [a for a in generated["articles"] if a["status"] == "published"]
    past = [a["published_at"] for a in published if a["published_at"] <= NOW]
    assert len(past) == 2000
    assert max(past) == NOW - timedelta(hours=1)
    days = {(NOW - timedelta(hours=1) - moment).days for moment in past}
    assert len(days) == 200
    assert sum(a["status"] == "draft" for a in generated["articles"]) == DRAFTS
    assert len(published) - len(past) == SCHEDULED


def test_three_tags_each_and_about_ten_comments_in_threads(generated) -> None:
    articles = generated["articles"]
    assert len(generated["tags"]) == 3 * len(articles)
    comments = generated["comments"]
    per_article: dict[int, int] = {}
    for comment in comments:
        per_article[comment["article_id"]] = per_article.get(comment["article_id"], 0) + 1
    assert 8 <= len(comments) / 2000 <= 12
    assert len(per_article) < 2000  # some have none
    assert per_article[5] == PLANTED_COMMENTS
    by_id = {comment["id"]: comment for comment in comments}
    replies = [c for c in comments if c["parent_id"]]
    assert 0.15 * len(comments) < len(replies) < 0.4 * len(comments)
    for reply in replies:
        parent = by_id[reply["parent_id"]]
        assert reply["depth"] == parent["depth"] + 1 <= 3
        assert parent["article_id"] == reply["article_id"]
        assert parent["created_at"] <= reply["created_at"]
    article_times = {a["id"]: a["published_at"] for a in articles}
    assert all(article_times[c["article_id"]] < c["created_at"] <= NOW for c in comments)
    statuses = {c["status"] for c in comments}
    assert statuses == {"approved", "pending", "spam", "trash"}


def test_a_small_site_loads_with_its_search_index(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scale.sqlite3'}"
    counts = build(url, 200, seed=2)
    assert counts["articles"] == 200 + DRAFTS + SCHEDULED
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM articles")) == counts["articles"]
        assert conn.scalar(sa.text("SELECT count(*) FROM comments")) == counts["comments"]
        assert conn.scalar(sa.text("SELECT count(*) FROM staff")) == 1
        assert conn.scalar(sa.text("SELECT count(*) FROM archive_months")) >= 1
        found = conn.scalar(
            sa.text("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'harbour'")
        )
        assert found == counts["articles"]
        none = sa.text("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'zebra*'")
        assert conn.scalar(none) == 0
        triggers = sa.text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
        assert conn.scalar(triggers) == 3
    engine.dispose()
