"""SITE_URL: the rules without HTTP, then every absolute URL a request makes, and staff email."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from blog.extensions import cache, db
from blog.siteurl import (
    configured_site_url,
    default_trusted_hosts,
    is_trusted_host,
    normalise_site_url,
)
from tests.comments.test_notify import Inbox, smtp  # noqa: F401 - the real SMTP server
from tests.conftest import build_app, fresh_database
from tests.factories import make_article, make_comment, make_staff
from tests.pages import form_values, get_html, json_ld, link_href, meta

SITE = "https://news.example.org"


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("https://news.example.org", "https://news.example.org"),
        ("https://News.Example.org/", "https://news.example.org"),
        ("https://news.example.org:443", "https://news.example.org"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        (" http://localhost:80 ", "http://localhost"),
    ],
)
def test_site_url_is_kept_as_scheme_and_host(given, normal):
    assert normalise_site_url(given) == normal


@pytest.mark.parametrize(
    "bad",
    [
        "news.example.org",
        "ftp://news.example.org",
        "https://",
        "https://news.example.org/blog",
        "https://news.example.org/?x=1",
        "https://user@news.example.org",
        "https://news.example.org:99999",
        "javascript:alert(1)",
    ],
)
def test_a_site_url_that_is_not_a_plain_address_is_refused(bad):
    with pytest.raises(ValueError, match="SITE_URL"):
        normalise_site_url(bad)


def test_without_site_url_tests_use_localhost_and_flask_run_its_own_address():
    assert configured_site_url({"TESTING": True}) == "http://localhost"
    assert configured_site_url({}) == "http://127.0.0.1:5000"
    assert configured_site_url({"SITE_URL": SITE + "/"}) == SITE


def test_trusted_hosts_are_site_urls_host_plus_localhost_outside_production():
    assert default_trusted_hosts(SITE, production=True) == ["news.example.org"]
    assert default_trusted_hosts(SITE, production=False) == [
        "news.example.org",
        "localhost",
        "127.0.0.1",
    ]
    assert default_trusted_hosts("http://localhost", production=False) == [
        "localhost",
        "127.0.0.1",
    ]


def test_a_host_is_trusted_with_any_port_and_nothing_else_is():
    trusted = ["news.example.org"]
    assert is_trusted_host("news.example.org", trusted)
    assert is_trusted_host("news.example.org:8443", trusted)
    assert not is_trusted_host("evil.example", trusted)
    assert not is_trusted_host("news.example.org.evil.example", trusted)
    assert not is_trusted_host("", trusted)


@pytest.fixture
def site(tmp_path) -> Iterator[Flask]:
    """An app whose SITE_URL is an https address the test client never uses as its host."""
    with fresh_database(tmp_path) as database:
        app = build_app(database, SITE_URL=SITE)
        with app.app_context():
            db.create_all()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


#: Trusted hosts a request may come in on (over https: SITE_URL is https, so http redirects).
HOSTS = ("https://localhost", "https://127.0.0.1:8443", "https://news.example.org")
#: Hosts trusted by default under TESTING (SITE_URL http://localhost).
HOSTS_IN_TESTS = ("http://localhost", "http://127.0.0.1:8000")


@pytest.mark.parametrize("base", HOSTS)
def test_an_article_page_names_itself_on_site_url_whatever_the_host(site, base):
    with site.app_context():
        article = make_article(title="Ferry fares")
        slug, author = article.slug, article.author.slug
        db.session.commit()
    html = get_html(site.test_client(), f"{base}/articles/{slug}")
    url = f"{SITE}/articles/{slug}"
    assert link_href(html, "canonical") == url
    assert meta(html, "og:url") == url
    assert meta(html, "article:author") == f"{SITE}/authors/{author}"
    data = json_ld(html)
    assert data["url"] == data["mainEntityOfPage"] == url
    assert data["author"][0]["url"] == f"{SITE}/authors/{author}"
    assert data["publisher"]["url"] == f"{SITE}/"
    assert link_href(get_html(site.test_client(), f"{base}/"), "canonical") == f"{SITE}/"


@pytest.mark.parametrize("base", HOSTS)
def test_feeds_sitemap_and_robots_use_site_url_whatever_the_host(site, base):
    with site.app_context():
        article = make_article()
        slug = article.slug
        make_comment(article)
        db.session.commit()
    client = site.test_client()
    for path in ("/feed.atom", "/comments/feed.atom", f"/articles/{slug}/comments.atom"):
        xml = get_html(client, f"{base}{path}")
        urls = re.findall(r'(?:href="|<id>|<uri>)([^"<]+)', xml)
        assert urls and all(url.startswith(f"{SITE}/") for url in urls), (path, urls)
    index = re.findall(r"<loc>([^<]+)</loc>", get_html(client, f"{base}/sitemap.xml"))
    assert index and all(loc.startswith(f"{SITE}/sitemaps/") for loc in index)
    locs = [
        loc
        for sitemap in index
        for loc in re.findall(
            r"<loc>([^<]+)</loc>", get_html(client, base + sitemap.removeprefix(SITE))
        )
    ]
    assert f"{SITE}/articles/{slug}" in locs and all(loc.startswith(SITE) for loc in locs)
    assert f"Sitemap: {SITE}/sitemap.xml" in get_html(client, f"{base}/robots.txt")


@pytest.fixture
def mailing_site(tmp_path, smtp) -> Iterator[tuple[Flask, str, Inbox]]:  # noqa: F811
    """A site that mails staff about every comment (each is held: no links allowed)."""
    inbox, port = smtp
    with fresh_database(tmp_path) as database:
        app = build_app(
            database,
            SITE_URL=SITE,
            TRUSTED_HOSTS=["news.example.org", "www.news.example.org"],
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_SUPPRESS_SEND=False,
            COMMENT_MAX_LINKS=0,
        )
        with app.app_context():
            db.create_all()
            slug = make_article(title="Ferry fares").slug
            make_staff("editor", email="editor@newsroom.example")
            db.session.commit()
        yield app, slug, inbox
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def comment_via(app: Flask, base: str, slug: str):
    """Open the article on base, and post a held comment from there."""
    client = app.test_client()
    values = form_values(get_html(client, f"https://www.news.example.org/articles/{slug}"))
    values.update({"name": "Ada", "email": "ada@example.com", "body": "See https://x.example"})
    # Over HTTPS, Flask-WTF also wants a same-site Referer.
    headers = {"Referer": f"{base}/articles/{slug}"}
    return client.post(f"{base}/articles/{slug}/comments", data=values, headers=headers)


def test_a_comment_posted_with_a_foreign_host_is_refused_and_mails_nobody(mailing_site):
    app, slug, inbox = mailing_site
    refused = comment_via(app, "https://evil.example", slug)
    assert refused.status_code == 400
    assert "evil.example" not in refused.get_data(as_text=True)
    assert inbox.wait_for(1, seconds=1) == []


def test_the_staff_email_links_to_site_url_whatever_trusted_host_the_comment_came_on(
    mailing_site,
):
    app, slug, inbox = mailing_site
    assert comment_via(app, "https://www.news.example.org", slug).status_code == 303
    [(recipients, message)] = inbox.wait_for(1)
    assert recipients == ["editor@newsroom.example"]
    text = message.get_content()
    assert f"{SITE}/admin/comments?status=pending#row-1" in text
    assert "www.news.example.org" not in text


def test_the_fast_path_trusts_the_hosts_flask_trusts_and_gives_each_answer_an_id(app):
    app.config["CACHE_TYPE"] = "SimpleCache"
    cache.init_app(app)
    with app.app_context():
        slug = make_article().slug
        db.session.commit()
    visitor = app.test_client(use_cookies=False)
    answers = [visitor.get(f"{base}/articles/{slug}") for base in HOSTS_IN_TESTS * 2]
    assert [a.status_code for a in answers] == [200] * len(answers)
    assert len({a.headers["X-Request-ID"] for a in answers}) == len(answers)
    # The page is kept for localhost; once localhost is no longer trusted, it is not served.
    app.config["TRUSTED_HOSTS"] = ["news.example.org"]
    assert visitor.get(f"http://localhost/articles/{slug}").status_code == 400
