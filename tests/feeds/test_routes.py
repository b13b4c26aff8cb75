"""The Atom feed, the sitemap and robots.txt."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from blog.extensions import db
from blog.models import ArticleStatus, utcnow
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


def test_sitemap_lists_every_public_page_and_no_hidden_one(app, client):
    with app.app_context():
        visible = make_article(category=make_category(), tags=[make_tag()])
        hidden = make_article(status=ArticleStatus.DRAFT, category=make_category())
        db.session.commit()
        expected = {
            "http://localhost/",
            f"http://localhost/articles/{visible.slug}",
            f"http://localhost/authors/{visible.author.slug}",
            f"http://localhost/category/{visible.category.slug}",
            f"http://localhost/tag/{visible.tags[0].slug}",
        }
        hidden_urls = {
            f"http://localhost/articles/{hidden.slug}",
            f"http://localhost/category/{hidden.category.slug}",
        }
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    locs = {url.findtext(f"{SITEMAP}loc") for url in root.findall(f"{SITEMAP}url")}
    assert locs == expected
    assert not locs & hidden_urls


def test_robots_points_at_the_sitemap(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "User-agent: *" in text
    assert "Sitemap: http://localhost/sitemap.xml" in text


@pytest.mark.parametrize("url", ["/feed.atom", "/sitemap.xml", "/comments/feed.atom"])
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
        make_article(title="Something new")
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
