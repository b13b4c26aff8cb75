"""No staff username anywhere a reader can reach: a crawl of the public site, link by link.

A staff reply is signed with the account's display name; the username is half of what logs
in, so it must appear on no page, feed or sitemap. The crawl follows every same-site link from
the home page and the feeds (pages, comment pages, permalinks, feeds, the sitemap), as a
reader or a search engine would, and reads every response.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import Article, Comment
from tests.factories import make_article, make_category, make_comment, make_tag
from tests.pages import form_values, get_html, log_in

#: Distinctive, so that finding it anywhere means it leaked (and not, say, a common word).
USERNAME = "kestrelwhistle"
DISPLAY_NAME = "Harbour Desk"
PASSWORD = "a long enough staff passphrase"

#: Where a crawler starts besides the home page: the feeds and the sitemap it is told about.
SEEDS = ["/", "/feed.atom", "/comments/feed.atom", "/sitemap.xml", "/robots.txt"]
#: href="...", src="...", <loc>...</loc>, and links written out in robots.txt.
LINK = re.compile(r'(?:href|src)="([^"]+)"|<loc>([^<]+)</loc>|^Sitemap: (\S+)', re.M)
MAX_PAGES = 600


@pytest.fixture
def site(app, runner):
    """A published article with a reader's comment and a staff reply, made as staff make it."""
    result = runner.invoke(
        args=["create-admin", USERNAME, "--password-stdin", "--display-name", DISPLAY_NAME],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        article = make_article(title="The harbour ferry", category=make_category("City"))
        article.tags = [make_tag("transport")]
        make_article(title="A second story")
        comment = make_comment(article, status="pending", author_name="Ada Reader")
        db.session.commit()
        comment_id = comment.id
    staff = app.test_client()
    assert log_in(staff, USERNAME, PASSWORD).status_code == 302
    queue = get_html(staff, "/admin/comments")
    response = staff.post(
        f"/admin/comments/{comment_id}/reply",
        data={"csrf_token": form_values(queue)["csrf_token"], "body": "Thank you, Ada."},
    )
    assert response.status_code == 303
    with app.app_context():
        reply = db.session.scalar(sa.select(Comment).where(Comment.staff_id.is_not(None)))
        assert reply is not None and reply.status == "approved"
        return db.session.get(Article, reply.article_id).slug


def crawl(client, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every same-site URL reachable from SEEDS (but the paths in skip), with its response body
    as text and headers."""
    seen: dict[str, str] = {}
    queue = deque(SEEDS)
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        body = (
            response.get_data(as_text=True)
            if response.mimetype.startswith(
                ("text/", "application/atom", "application/xml", "image/svg")
            )
            else ""
        )
        seen[url] = body + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        response.close()  # static files are streamed from an open file
        targets = [next(filter(None, groups)) for groups in LINK.findall(body)]
        if response.location:
            targets.append(response.location)
        for target in targets:
            parts = urlsplit(urljoin("http://localhost" + url, target.replace("&amp;", "&")))
            if parts.hostname != "localhost" or parts.path.startswith(("/admin", *skip)):
                continue  # another site, or the staff area (which sends readers to log in)
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def test_no_page_feed_or_sitemap_shows_a_staff_username(app, site):
    pages = crawl(app.test_client())
    assert len(pages) < MAX_PAGES  # the crawl ended because it ran out of links
    reached = set(pages)
    assert {
        f"/articles/{site}",
        f"/articles/{site}/comments.atom",
        "/comments/feed.atom",
        "/sitemap.xml",
    } <= reached
    assert any(url.startswith("/category/") for url in reached)
    assert any(url.startswith("/tag/") for url in reached)
    assert any(url.startswith("/authors/") for url in reached)
    assert any(re.fullmatch(r"/comments/\d+", url) for url in reached)  # permalinks
    assert any("replytocom=" in url for url in reached)
    leaks = [url for url, text in pages.items() if USERNAME in text.lower()]
    assert leaks == []
    signed = [url for url, text in pages.items() if DISPLAY_NAME in text]
    assert f"/articles/{site}" in signed
    assert f"/articles/{site}/comments.atom" in signed and "/comments/feed.atom" in signed


def rename_on_the_account_page(app, name: str) -> None:
    """Log in as the staff member and give them a new public name, as they would."""
    staff = app.test_client()
    log_in(staff, USERNAME, PASSWORD)
    data = form_values(get_html(staff, "/admin/account"))
    data["display_name"] = name
    assert staff.post("/admin/account", data=data).status_code == 303


def test_a_new_display_name_reaches_the_published_replies(app, site):
    rename_on_the_account_page(app, "The Night Desk")
    reader = app.test_client()
    for url in (f"/articles/{site}", "/comments/feed.atom"):
        text = get_html(reader, url)
        assert "The Night Desk" in text and DISPLAY_NAME not in text, url


def test_a_new_display_name_shows_at_once_on_a_cached_article_page(app, site):
    from blog.extensions import cache

    app.config["CACHE_TYPE"] = "SimpleCache"
    cache.init_app(app)
    reader = app.test_client()
    assert DISPLAY_NAME in get_html(reader, f"/articles/{site}")  # now kept in the page cache
    rename_on_the_account_page(app, "The Night Desk")
    html = get_html(reader, f"/articles/{site}")
    assert "The Night Desk" in html and DISPLAY_NAME not in html


@pytest.mark.parametrize("page_cache", ["NullCache", "SimpleCache"])
def test_reading_any_public_page_sets_no_cookie(app, site, page_cache):
    """A reader's browser keeps nothing from reading: every page type, built or kept."""
    from blog.extensions import cache

    app.config["CACHE_TYPE"] = page_cache
    cache.init_app(app)
    reader = app.test_client()  # keeps cookies, as a browser does
    setting: list[str] = []
    for _ in range(2):  # the second crawl is served what the first one kept
        # Not the staff's login form: its token needs a session (private, no-store).
        pages = crawl(reader, skip=("/login",))
        setting += [url for url, text in pages.items() if "\nSet-Cookie:" in text]
    assert setting == []
    for name in ("session", "remember_token", "comment_author", "login_device"):
        assert reader.get_cookie(name) is None
    reached = set(pages)
    for kind in (
        r"/",
        r"/articles/[a-z0-9-]+",
        r"/authors/",
        r"/authors/[a-z0-9-]+",
        r"/category/[a-z0-9-]+",
        r"/tag/[a-z0-9-]+",
        r"/archive/",
        r"/archive/\d{4}/",
        r"/archive/\d{4}/\d{2}/",
        r"/feed\.atom",
        r"/comments/feed\.atom",
        r"/articles/[a-z0-9-]+/comments\.atom",
        r"/sitemap\.xml",
        r"/sitemaps/pages\.xml",
        r"/sitemaps/\d{4}-\d{2}\.xml",
    ):
        assert any(re.fullmatch(kind, url) for url in reached), kind
    public = [url for url, text in pages.items() if "Cache-Control: public, max-age=0" in text]
    assert {"/", f"/articles/{site}", "/feed.atom", "/sitemap.xml"} <= set(public)
