"""The Atom feed, the sitemap and robots.txt."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import ArchiveMonth, ArticleStatus, utcnow
from tests.factories import make_article, make_category, make_tag

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_feed_is_valid_atom_listing_published_articles_newest_first(app, client):
    with app.app_context():
        make_article(title="Older", published_at=utcnow() - timedelta(days=2))
        make_article(
            title="Newer", summary="The newer one.", published_at=utcnow() - timedelta(days=1)
        )
        make_article(title="Draft", status=ArticleStatus.DRAFT)
        make_article(title="Future", published_at=utcnow() + timedelta(days=1))
        db.session.commit()
    response = client.get("/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Newer", "Older"]
    assert entries[0].findtext(f"{ATOM}summary") == "The newer one."
    assert entries[0].find(f"{ATOM}link").get("href").startswith("http://localhost/articles/")
    assert "<p>" in entries[0].findtext(f"{ATOM}content")
    assert feed.findtext(f"{ATOM}updated").endswith("Z")


def test_feed_stays_well_formed_whatever_the_content(app, client):
    hostile = 'Tom & Jerry <b>"quoted"</b> ]]> \x01\x0b\x1f\ufffe end'
    with app.app_context():
        make_article(title=hostile, summary=hostile, body_markdown=hostile)
        db.session.commit()
    feed = ET.fromstring(client.get("/feed.atom").data)
    title = feed.find(f"{ATOM}entry").findtext(f"{ATOM}title")
    assert title == 'Tom & Jerry <b>"quoted"</b> ]]>  end'


def test_feed_of_an_empty_site_is_still_valid(client):
    feed = ET.fromstring(client.get("/feed.atom").data)
    assert feed.findall(f"{ATOM}entry") == []


def sitemap_locs(client, url: str, kind: str = "url") -> list[str]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    return [entry.findtext(f"{SITEMAP}loc") for entry in root.findall(f"{SITEMAP}{kind}")]


def every_sitemap_url(client) -> set[str]:
    """Every URL of every sitemap the index names, read as a crawler reads them."""
    urls: set[str] = set()
    for loc in sitemap_locs(client, "/sitemap.xml", "sitemap"):
        urls.update(sitemap_locs(client, loc.removeprefix("http://localhost")))
    return urls


def test_sitemap_lists_every_public_page_and_no_hidden_one(app, client):
    with app.app_context():
        visible = make_article(category=make_category(), tags=[make_tag()])
        hidden = make_article(
            status=ArticleStatus.DRAFT, category=make_category(), tags=[make_tag()]
        )
        scheduled = make_article(published_at=utcnow() + timedelta(days=40))
        db.session.commit()
        expected = {
            "http://localhost/",
            "http://localhost/archive/",
            f"http://localhost/archive/{visible.published_at:%Y}/",
            f"http://localhost/articles/{visible.slug}",
            f"http://localhost/authors/{visible.author.slug}",
            f"http://localhost/category/{visible.category.slug}",
            f"http://localhost/tag/{visible.tags[0].slug}",
        }
        hidden_urls = {
            f"http://localhost/articles/{hidden.slug}",
            f"http://localhost/category/{hidden.category.slug}",
            f"http://localhost/tag/{hidden.tags[0].slug}",
            f"http://localhost/authors/{hidden.author.slug}",
            f"http://localhost/articles/{scheduled.slug}",
            f"http://localhost/archive/{scheduled.published_at:%Y/%m}/",
        }
    locs = every_sitemap_url(client)
    assert locs == expected
    assert not locs & hidden_urls


def test_the_sitemap_index_names_a_sitemap_per_month_each_with_its_last_change(app, client):
    with app.app_context():
        old = make_article(published_at=utcnow().replace(year=2024, month=3, day=10))
        make_article(published_at=utcnow().replace(year=2024, month=3, day=12))
        new = make_article(published_at=utcnow().replace(year=2025, month=7, day=1))
        db.session.commit()
        old_slug, new_slug = old.slug, new.slug
    root = ET.fromstring(client.get("/sitemap.xml").data)
    assert root.tag == f"{SITEMAP}sitemapindex"
    entries = {
        e.findtext(f"{SITEMAP}loc"): e.findtext(f"{SITEMAP}lastmod")
        for e in root.findall(f"{SITEMAP}sitemap")
    }
    assert list(entries) == [
        "http://localhost/sitemaps/pages.xml",
        "http://localhost/sitemaps/2025-07.xml",
        "http://localhost/sitemaps/2024-03.xml",
    ]
    assert all(lastmod and lastmod.endswith("Z") for lastmod in entries.values())
    march = sitemap_locs(client, "/sitemaps/2024-03.xml")
    assert len(march) == 2 and f"http://localhost/articles/{old_slug}" in march
    assert sitemap_locs(client, "/sitemaps/2025-07.xml") == [
        f"http://localhost/articles/{new_slug}"
    ]
    assert client.get("/sitemaps/2024-04.xml").status_code == 404
    assert client.get("/sitemaps/2024-13.xml").status_code == 404
    assert client.get("/sitemaps/24-03.xml").status_code == 404


def test_editing_an_old_article_moves_its_months_lastmod_only(app, client):
    with app.app_context():
        old = make_article(published_at=utcnow().replace(year=2024, month=3, day=10))
        make_article(published_at=utcnow().replace(year=2025, month=7, day=1))
        db.session.commit()

        def lastmods() -> dict[str, str]:
            root = ET.fromstring(client.get("/sitemap.xml").data)
            return {
                e.findtext(f"{SITEMAP}loc"): e.findtext(f"{SITEMAP}lastmod")
                for e in root.findall(f"{SITEMAP}sitemap")
            }

        # Long ago, so that the edit's second differs from it.
        db.session.execute(sa.update(ArchiveMonth).values(changed_at=utcnow() - timedelta(days=9)))
        db.session.commit()
        before = lastmods()
        old.summary = "Corrected."
        db.session.commit()
        after = lastmods()
    march, july = "http://localhost/sitemaps/2024-03.xml", "http://localhost/sitemaps/2025-07.xml"
    assert after[march] > before[march] and after[july] == before[july]


def test_robots_points_at_the_sitemap(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "User-agent: *" in text
    assert "Sitemap: http://localhost/sitemap.xml" in text


@pytest.mark.parametrize(
    "url", ["/feed.atom", "/sitemap.xml", "/sitemaps/pages.xml", "/comments/feed.atom"]
)
def test_feeds_answer_conditional_requests_with_304(app, client, url):
    with app.app_context():
        make_article()
        db.session.commit()
    first = client.get(url)
    assert "ETag" in first.headers and "Last-Modified" in first.headers
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    if "Last-Modified" in first.headers:
        since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304
    with app.app_context():
        make_article(title="Something new", published_at=utcnow().replace(year=2020))
        db.session.commit()
    if url != "/comments/feed.atom":
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_static_urls_carry_a_content_hash_and_are_cached_for_a_year(client):
    import re

    html = client.get("/").get_data(as_text=True)
    href = re.search(r'href="(/static/style.css\?v=[0-9a-f]{12})"', html).group(1)
    with client.get(href) as response:
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert "immutable" in response.headers["Cache-Control"]
    with client.get("/static/style.css") as plain:
        assert "max-age=31536000" not in plain.headers.get("Cache-Control", "")


@pytest.mark.parametrize("empty", ["/comments/feed.atom", "article"])
def test_an_empty_comment_feed_keeps_its_date_from_one_second_to_the_next(app, client, empty):
    """Dated by what it is about, not by now: a reader asking a second later gets a 304."""
    with app.app_context():
        slug = make_article().slug
        db.session.commit()
    url = f"/articles/{slug}/comments.atom" if empty == "article" else empty
    first = client.get(url)
    time.sleep(1.1)
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
