"""Old addresses through the test client: a WordPress permalink and /?p=123 answer 301 to the
article they became, WordPress's feed addresses to ours; nothing hidden is revealed, and no
other request pays a query for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import Article, utcnow
from tests.porting.wxr import SITE, Item, write_wxr


@pytest.fixture
def moved(app, tmp_path):
    """A WordPress site imported: a published post, a scheduled one and a draft."""
    soon = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    items = [
        Item(
            123,
            title="Harbour wall approved",
            post_name="harbour-wall",
            categories=[("ferries", "Ferries")],
            tags=[("storms", "Storms")],
        ),
        Item(
            124,
            title="Regatta",
            post_name="regatta",
            status="future",
            date=soon,
            link=f"{SITE}/2026/12/regatta/",  # the same whichever month "soon" falls in
        ),
        Item(125, title="Notes", status="draft", date=None),
    ]
    path = write_wxr(tmp_path / "export.xml", items)
    result = app.test_cli_runner().invoke(args=["import-wordpress", str(path)])
    assert result.exit_code == 0, result.output
    return app


def test_an_old_address_answers_301_and_leads_to_the_article(moved, client):
    for old in ["/2014/01/harbour-wall/", "/2014/01/harbour-wall", "/?p=123", "/?p=123&utm=x"]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"] == "/articles/harbour-wall", old
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "Harbour wall approved" in page.get_data(as_text=True)


def test_an_old_address_of_an_article_readers_cannot_see_is_not_found(moved, client):
    for old in ["/?p=124", "/2026/12/regatta/", "/?p=125", "/?p=999", "/?page_id=123"]:
        assert client.get(old).status_code == 404, old


def test_the_address_answers_once_the_article_is_published(moved, client):
    with moved.app_context():
        draft = db.session.scalar(sa.select(Article).where(Article.title == "Notes"))
        draft.status, draft.published_at = "published", utcnow()
        db.session.commit()
    assert client.get("/?p=125").headers["Location"] == "/articles/notes"


FEEDS = {
    "/feed/": "/feed.atom",
    "/feed": "/feed.atom",
    "/feed/atom/": "/feed.atom",
    "/?feed=rss2": "/feed.atom",
    "/comments/feed/": "/comments/feed.atom",
    "/comments/feed": "/comments/feed.atom",
    "/?feed=comments-rss2": "/comments/feed.atom",
}


def test_wordpress_feed_addresses_answer_301_to_ours(client):
    for old, ours in FEEDS.items():
        response = client.get(old)
        assert (response.status_code, response.headers["Location"]) == (301, ours), old


def test_a_kept_front_page_is_never_served_for_an_old_address(moved, client):
    from blog.extensions import cache

    moved.config.update(CACHE_TYPE="SimpleCache")
    cache.init_app(moved)
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200  # now kept, served by the fast path
    response = client.get("/?p=123")
    assert (response.status_code, response.headers["Location"]) == (301, "/articles/harbour-wall")
    assert client.get("/?p=999").status_code == 404


def test_no_page_that_is_found_looks_for_an_old_address(moved, client, count_queries):
    pages = ["/", "/articles/harbour-wall", "/feed.atom"]
    counted = count_queries(lambda: [client.get(page) for page in pages])
    assert not [s for s in counted.statements if "redirects" in s]
    counted = count_queries(lambda: client.get("/no/such/page"))
    assert len([s for s in counted.statements if "redirects" in s]) == 1


def test_a_head_request_follows_an_old_address_too(moved, client):
    response = client.head("/2014/01/harbour-wall/")
    assert (response.status_code, response.headers["Location"]) == (301, "/articles/harbour-wall")


def test_a_post_comment_feed_and_a_category_or_tag_archive_answer_301_to_ours(moved, client):
    expected = {
        "/2014/01/harbour-wall/feed/": "/articles/harbour-wall/comments.atom",
        "/category/ferries/": "/category/ferries",
        "/category/news/ferries/": "/category/ferries",  # WordPress puts the parents first
        "/tag/storms/": "/tag/storms",
    }
    for old, new in expected.items():
        response = client.get(old)
        assert (response.status_code, response.headers.get("Location")) == (301, new), old
        assert client.get(new).status_code == 200, new
    past_the_end = ["/category/ferries?page=9", "/tag/storms?page=9"]  # ours: no loop
    for unknown in [
        "/category/nothing-here/",
        "/tag/nothing/",
        "/2019/05/no-such-post/feed/",
        *past_the_end,
    ]:
        assert client.get(unknown).status_code == 404, unknown
    assert client.get("/2026/12/regatta/feed/").status_code == 404  # scheduled: not revealed
