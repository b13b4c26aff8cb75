"""Kept pages: every public reader page built once and served to every reader, with a visitor's
own parts (flash, staff links, their comment form) rendered around the kept runs."""

from __future__ import annotations

import gzip
import re
import time

import pytest
import sqlalchemy as sa

from blog.comments.spam import form_stamp_signal
from blog.extensions import db
from blog.keptpages import public_cache_control, shared_lifetime
from blog.models import Comment
from tests.factories import make_article, make_category, make_comment, make_staff, make_tag
from tests.pages import form_values, get_html, log_in, post_comment

# --- the rule: how long a shared cache may keep a page -------------------------------------

DEFAULTS = {"CACHE_SHARED_SECONDS": 10, "CACHE_STALE_SECONDS": 30, "COMMENT_MIN_SECONDS": 3}


@pytest.mark.parametrize(
    ("settings", "carries_form", "lifetime"),
    [
        ({}, False, (10, 30)),
        ({}, True, (2, 0)),  # the stamp it carries is always younger than the 3 s check
        ({"COMMENT_MIN_SECONDS": 2.5}, True, (2, 0)),
        ({"COMMENT_MIN_SECONDS": 8}, True, (7, 0)),
        ({"COMMENT_MIN_SECONDS": 8, "CACHE_SHARED_SECONDS": 5}, True, (5, 2)),
        ({"COMMENT_MIN_SECONDS": 1}, True, (0, 0)),  # no shared cache can keep it long enough
        ({"COMMENT_MIN_SECONDS": 0}, True, (10, 30)),  # the check is off
    ],
)
def test_a_page_with_the_form_is_kept_less_than_the_time_check(settings, carries_form, lifetime):
    config = {**DEFAULTS, **settings}
    assert shared_lifetime(config, carries_form=carries_form) == lifetime
    shared, stale = lifetime
    assert (
        carries_form is False
        or not config["COMMENT_MIN_SECONDS"]
        or (shared + stale < config["COMMENT_MIN_SECONDS"])
    )


def test_the_cache_control_a_shared_cache_reads():
    assert public_cache_control(10, 30) == (
        "public, max-age=0, s-maxage=10, stale-while-revalidate=30"
    )
    assert public_cache_control(0, 0) == "public, no-cache"


# --- through the app --------------------------------------------------------------------------


@pytest.fixture
def site(app):
    """A page cache in the process, and one of every kind of public page."""
    from blog.extensions import cache

    app.config.update(CACHE_TYPE="SimpleCache")
    cache.init_app(app)
    with app.app_context():
        make_staff("editor")
        article = make_article(title="Harbour ferry returns", category=make_category("City"))
        tag = make_tag("transport")
        article.tags = [tag]
        other = make_article(title="A second story")
        make_comment(article, body="A reader's first word.")
        db.session.commit()
        month = article.published_at.strftime("%Y/%m")
        sitemap_month = article.published_at.strftime("%Y-%m")
        return {
            "slug": article.slug,
            "other": other.slug,
            "pages": [
                "/",
                f"/articles/{article.slug}",
                "/authors/",
                f"/authors/{article.author.slug}",
                f"/category/{article.category.slug}",
                f"/tag/{tag.slug}",
                "/archive/",
                f"/archive/{month[:4]}/",
                f"/archive/{month}/",
                "/feed.atom",
                "/comments/feed.atom",
                f"/articles/{article.slug}/comments.atom",
                "/sitemap.xml",
                "/sitemaps/pages.xml",
                f"/sitemaps/{sitemap_month}.xml",
            ],
        }


STAMP = re.compile(r'name="stamp" type="hidden" value="[^"]*"')


def without_stamp(body: bytes) -> str:
    return STAMP.sub("", body.decode())


def test_every_public_page_is_kept_public_and_conditional(app, site, count_queries):
    reader = app.test_client(use_cookies=False)
    for page in site["pages"]:
        built = reader.get(page)
        assert built.status_code == 200, page
        kept = count_queries(lambda p=page: reader.get(p))
        assert kept.count == 0, page  # no SQL: the page came from the cache
        response = reader.get(page)
        assert "Set-Cookie" not in response.headers, page
        assert response.headers["Cache-Control"].startswith("public, max-age=0, s-maxage="), page
        assert response.headers["Vary"] == "Accept-Encoding, Cookie"
        etag = response.headers["ETag"]
        assert etag == built.headers["ETag"], page
        unchanged = reader.get(page, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.get_data() == b"", page
        zipped = reader.get(page, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert zipped.headers["Content-Encoding"] == "gzip", page
        assert int(zipped.headers["Content-Length"]) == len(zipped.get_data())
        assert without_stamp(gzip.decompress(zipped.get_data())) == without_stamp(
            response.get_data()
        ), page
        head = reader.head(page)
        assert (
            head.get_data() == b""
            and head.headers["Content-Length"] == (response.headers["Content-Length"])
        )
        assert "\ue000" not in response.get_data(as_text=True), page


def test_a_feed_reader_polling_with_a_date_gets_304(app, site):
    reader = app.test_client(use_cookies=False)
    first = reader.get("/feed.atom")
    again = reader.get("/feed.atom", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert again.status_code == 304


def test_each_reader_gets_a_fresh_stamp_that_the_time_check_reads(app, site):
    reader = app.test_client(use_cookies=False)
    url = f"/articles/{site['slug']}"
    first = form_values(get_html(reader, url))["stamp"]
    time.sleep(1.05)
    second = form_values(get_html(reader, url))["stamp"]  # from the kept page
    assert first != second
    for stamp in (first, second):
        assert form_stamp_signal(stamp, app.secret_key, min_seconds=0, max_age_seconds=60) is None
    bot = form_stamp_signal(second, app.secret_key, min_seconds=3, max_age_seconds=60)
    assert bot and bot.startswith("sent ")  # a bot posting at once is still caught


def test_a_commenter_sees_their_flash_and_own_form_around_the_kept_page(app, site, count_queries):
    url = f"/articles/{site['slug']}"
    app.test_client(use_cookies=False).get(url)  # kept
    commenter = app.test_client()
    posted = post_comment(commenter, site["other"], body="Waiting elsewhere.", remember="y")
    assert posted.status_code == 303
    answers = []
    queries = count_queries(lambda: answers.append(commenter.get(url)))
    page = answers[0].get_data(as_text=True)
    assert answers[0].headers["Cache-Control"] == "private, no-store"
    assert "Your comment is awaiting moderation." in page  # their flash, on the next page
    assert form_values(page)["name"] == "Ada Reader"  # remembered, for them alone
    assert "A reader's first word." in page
    assert queries.count <= 2  # their pending comment is elsewhere: the kept page serves
    again = commenter.get(url).get_data(as_text=True)
    assert "awaiting moderation" not in again and form_values(again)["name"] == "Ada Reader"
    anyone = get_html(app.test_client(use_cookies=False), url)
    assert "awaiting moderation" not in anyone and form_values(anyone)["name"] == ""


def test_a_commenter_sees_their_pending_comment_where_it_waits(app, site):
    url = f"/articles/{site['slug']}"
    app.test_client(use_cookies=False).get(url)
    commenter = app.test_client()
    post_comment(commenter, site["slug"], body="My own words, waiting.")
    assert "My own words, waiting." in get_html(commenter, url)
    assert "My own words, waiting." not in get_html(app.test_client(use_cookies=False), url)


def test_staff_get_their_links_around_the_kept_page_and_nobody_else_does(app, site):
    get_html(app.test_client(use_cookies=False), "/")
    staff = app.test_client()
    log_in(staff)
    html = get_html(staff, "/")
    assert "Log out" in html and "Harbour ferry returns" in html
    anyone = get_html(app.test_client(use_cookies=False), "/")
    assert "Log out" not in anyone and "Log in</a>" in anyone


def test_a_reply_link_fills_the_form_on_the_kept_page(app, site):
    url = f"/articles/{site['slug']}"
    get_html(app.test_client(use_cookies=False), url)
    with app.app_context():
        comment_id = db.session.scalar(sa.select(Comment.id))
    reply = app.test_client(use_cookies=False).get(f"{url}?replytocom={comment_id}")
    assert "Replying to" in reply.get_data(as_text=True)
    assert reply.headers["Cache-Control"] == "private, no-store"
    assert "Replying to" not in get_html(app.test_client(use_cookies=False), url)


def test_a_page_that_is_not_found_carries_no_marks(app, site):
    for url in ("/tag/nothing-here", "/articles/nothing-here", "/?page=999"):
        response = app.test_client(use_cookies=False).get(url)
        assert response.status_code == 404
        assert "\ue000" not in response.get_data(as_text=True)


def test_pages_built_for_one_request_are_compressed_too(app, site):
    reader = app.test_client(use_cookies=False)
    for url in ("/search?q=harbour", "/login", "/tag/nothing-here"):
        plain = reader.get(url)
        zipped = reader.get(url, headers={"Accept-Encoding": "gzip"})
        assert zipped.status_code == plain.status_code, url
        assert zipped.headers["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in zipped.headers["Vary"], url
        assert "Content-Encoding" not in plain.headers, url
        assert without_tokens(gzip.decompress(zipped.get_data())) == without_tokens(
            plain.get_data()
        ).replace(plain.headers["X-Request-ID"], zipped.headers["X-Request-ID"]), url


def without_tokens(body: bytes) -> str:
    """The page with its signed values (stamps, CSRF tokens) left out."""
    return re.sub(r'value="[\w.-]{40,}"', "", body.decode())


# --- who gets what: the rule, from a session and cookies alone ------------------------------


def test_what_makes_a_page_a_visitors_own():
    from blog.keptpages import ArticleFacts, Visitor

    here, elsewhere = ArticleFacts(7, "here", True, None), ArticleFacts(8, "there", True, None)
    anyone = Visitor()
    assert anyone.is_anyone and anyone.slots(here) == set() and anyone.values(set()) == {}
    commenter = Visitor(own_comments=True, own_articles=frozenset({8}), remembered={"name": "A"})
    assert not commenter.is_anyone
    assert commenter.slots(here) == set() and commenter.values(set()) == {"name": "A"}
    assert commenter.slots(elsewhere) is None  # their comment is among that page's threads
    assert Visitor(own_comments=True, own_articles=None).slots(here) is None  # not noted
    assert Visitor(flashes=True).slots(None) == {"flashes", "comment-flash"}
    assert Visitor(staff=True).slots(here) == {"staff-links"}
    replying = Visitor(reply_to=True, remembered={"name": "A"})
    assert replying.slots(here) == {"respond"} and replying.values({"respond"}) == {}
    assert replying.slots(None) == set()  # only an article has a form


def test_a_remembered_commenter_is_served_before_flask_with_their_details_escaped(
    app, site, monkeypatch
):
    import blog.articles.routes as routes

    url = f"/articles/{site['slug']}"
    app.test_client(use_cookies=False).get(url)  # kept
    commenter = app.test_client()
    details = {"name": 'Ada "<b>" Reader', "email": "ada@example.com", "remember": "y"}
    post_comment(commenter, site["other"], body="Remember me.", **details)
    commenter.get(f"/articles/{site['other']}")  # the flash is shown there, and gone
    calls = []
    real = routes.render_article_page
    monkeypatch.setattr(routes, "render_article_page", lambda *a: calls.append(a) or real(*a))
    response = commenter.get(url, headers={"Accept-Encoding": "gzip"})
    assert calls == []  # served from the kept page, before Flask
    page = gzip.decompress(response.get_data()).decode()
    assert response.headers["Cache-Control"] == "private, no-store"
    assert 'value="Ada &#34;&lt;b&gt;&#34; Reader"' in page and "<b>" not in page
    assert form_values(page)["name"] == 'Ada "<b>" Reader'
    assert 'name="remember" type="checkbox" value="y" checked' in page
    anyone = get_html(app.test_client(use_cookies=False), url)
    assert form_values(anyone)["name"] == "" and "Ada" not in anyone
