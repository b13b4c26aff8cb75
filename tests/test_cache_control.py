"""What shared caches may keep: nothing that sets a cookie, nothing for staff, public files
only at the address the site links to."""

from __future__ import annotations

import re

import pytest

from blog.extensions import db
from blog.security import PRIVATE, private_if_setting_cookies
from tests.factories import make_article, make_comment, make_staff
from tests.pages import csrf_token, get_html, log_in, post_comment

# --- the rule -------------------------------------------------------------------------------


def test_a_response_setting_or_deleting_a_cookie_is_private_whatever_it_said():
    setting = [
        ("Content-Type", "text/html"),
        ("Cache-Control", "public, max-age=600"),
        ("Set-Cookie", "session=abc; HttpOnly; Path=/"),
    ]
    assert private_if_setting_cookies(setting) == [
        ("Content-Type", "text/html"),
        ("Set-Cookie", "session=abc; HttpOnly; Path=/"),
        ("Cache-Control", "private, no-store"),
    ]
    deleting = [("set-cookie", "remember_token=; Expires=Thu, 01 Jan 1970 00:00:00 GMT")]
    assert ("Cache-Control", PRIVATE) in private_if_setting_cookies(deleting)
    public = [("Content-Type", "image/svg+xml"), ("Cache-Control", "public, max-age=60")]
    assert private_if_setting_cookies(public) == public


# --- every kind of response that must stay private -----------------------------------------


@pytest.fixture
def staff(app):
    with app.app_context():
        make_staff("editor", role="admin")
        article = make_article(title="Open for comments")
        make_comment(article)
        db.session.commit()
        return {"slug": article.slug}


def assert_private(response) -> None:
    assert response.headers["Cache-Control"] == "private, no-store", response.request.path


def test_login_logout_and_staff_pages_are_private(client, staff):
    assert_private(client.get("/login"))
    failed = log_in(client, password="wrong")
    assert failed.status_code == 422
    assert_private(failed)
    logged_in = log_in(client, remember=True)
    assert logged_in.status_code in (302, 303) and "Set-Cookie" in logged_in.headers
    assert_private(logged_in)
    for url in ("/admin/", "/admin/comments", "/admin/articles", "/admin/account"):
        assert_private(client.get(url))
    logged_out = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert "Set-Cookie" in logged_out.headers  # the session and remember-me cookies go
    assert_private(logged_out)
    assert_private(client.get("/admin/"))  # sent to the login page


def test_reading_starts_no_session_and_posting_does(client, staff):
    first = client.get(f"/articles/{staff['slug']}")
    assert "Set-Cookie" not in first.headers
    assert first.headers["Cache-Control"].startswith("public, max-age=0, s-maxage=")
    posted = post_comment(client, staff["slug"], body="Starting a session.")
    assert posted.headers["Set-Cookie"].startswith("session=")  # the flash, the own comment
    assert_private(posted)
    assert_private(client.get(f"/articles/{staff['slug']}"))  # shows the visitor their own


def test_a_comment_post_answer_is_private(client, staff):
    posted = post_comment(client, staff["slug"], body="Private answer, please.")
    assert posted.status_code == 303
    assert_private(posted)
    refused = post_comment(client, staff["slug"], body="")
    assert refused.status_code == 422
    assert "Cache-Control" not in refused.headers or "private" in refused.headers["Cache-Control"]


def test_the_kept_page_is_public_for_a_moment_and_checked_by_etag(app, staff):
    from blog.extensions import cache

    app.config.update(CACHE_TYPE="SimpleCache", COMMENT_MIN_SECONDS=3)
    cache.init_app(app)
    visitor = app.test_client(use_cookies=False)
    built = visitor.get(f"/articles/{staff['slug']}")
    kept = visitor.get(f"/articles/{staff['slug']}")
    for response in (built, kept):
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
        # The page carries the comment form: kept by a shared cache less than the time check.
        assert response.headers.getlist("Cache-Control") == [
            "public, max-age=0, s-maxage=2, stale-while-revalidate=0"
        ]
        assert response.headers["ETag"].startswith('W/"')
        assert response.headers["Vary"] == "Accept-Encoding, Cookie"
    assert built.headers["ETag"] == kept.headers["ETag"]
    again = visitor.get(
        f"/articles/{staff['slug']}", headers={"If-None-Match": kept.headers["ETag"]}
    )
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == kept.headers["ETag"]


# --- what stays public ----------------------------------------------------------------------


def test_feeds_static_files_and_avatars_keep_their_public_caching(client, staff):
    html = get_html(client, f"/articles/{staff['slug']}")
    static = re.search(r'href="(/static/style.css\?v=[0-9a-f]{12})"', html).group(1)
    avatar = re.search(r'src="(/avatars/[0-9a-f]{16}\.svg)"', html).group(1)
    visitor = client.application.test_client(use_cookies=False)
    expected = {
        "/feed.atom": "public, max-age=0, s-maxage=10, stale-while-revalidate=30",
        "/comments/feed.atom": "public, max-age=0, s-maxage=10, stale-while-revalidate=30",
        "/sitemap.xml": "public, max-age=0, s-maxage=10, stale-while-revalidate=30",
        static: "public, max-age=31536000, immutable",
        avatar: "public, max-age=31536000, immutable",
    }
    for url, cache_control in expected.items():
        with visitor.get(url) as response:
            assert response.status_code == 200 and "Set-Cookie" not in response.headers
            directives = set(response.headers["Cache-Control"].split(", "))
            assert set(cache_control.split(", ")) <= directives, url
            # A year without asking again: no no-cache (send_file's default) beside it.
            assert not {"private", "no-store", "no-cache"} & directives, url


def test_public_files_are_private_at_addresses_the_site_never_makes(client, staff):
    """?utm_source= or a stale ?v= gets the same bytes, which no shared cache may keep."""
    html = get_html(client, f"/articles/{staff['slug']}")
    static = re.search(r'href="(/static/style.css)\?v=[0-9a-f]{12}"', html).group(1)
    avatar = re.search(r'src="(/avatars/[0-9a-f]{16}\.svg)"', html).group(1)
    visitor = client.application.test_client(use_cookies=False)
    for url in (
        "/feed.atom?utm_source=x",
        "/sitemap.xml?x=1",
        f"{static}?v=000000000000",
        f"{static}?v=0&x=1",
        f"{avatar}?size=9",
    ):
        with visitor.get(url) as response:
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == "private, no-store", url


def test_pages_are_private_with_a_parameter_their_links_never_carry(app, client, staff):
    """Listings and articles: ?utm_source= and the like get the page, which no cache keeps."""
    with app.app_context():
        for _ in range(11):
            make_article()
        db.session.commit()
    client.get(f"/articles/{staff['slug']}")  # a reader with a session: no cookie is set again
    for address in ("/", "/?page=2", f"/articles/{staff['slug']}", "/search?q=story&page=1"):
        response = client.get(address)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, address
        assert "private" not in response.headers.get("Cache-Control", ""), address
    for address in (
        "/?utm_source=news",
        "/?page=2&x=1",
        f"/articles/{staff['slug']}?utm_source=news",
        f"/articles/{staff['slug']}?fbclid=1&replytocom=1",
        "/authors/?x=1",
        "/search?q=story&ref=1",
    ):
        response = client.get(address)
        assert response.status_code == 200, address
        assert response.headers["Cache-Control"] == "private, no-store", address
