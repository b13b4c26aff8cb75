"""The page cache: no SQL on a hit, never the wrong page, nothing per visitor kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import Article, Author, Comment
from tests.factories import make_article, make_comment, make_staff
from tests.pages import csrf_token, form_values, get_html, log_in, post_comment


@pytest.fixture
def cached(app):
    """The app with a real (in-process) cache."""
    from blog.extensions import cache

    app.config["CACHE_TYPE"] = "SimpleCache"
    cache.init_app(app)
    return app


@pytest.fixture
def slug(cached):
    with cached.app_context():
        article = make_article(title="Cached story")
        make_comment(article, body="First approved comment.")
        db.session.commit()
        return article.slug


def test_a_hit_runs_no_sql(cached, client, slug, count_queries):
    first = count_queries(lambda: client.get(f"/articles/{slug}"))
    second = count_queries(lambda: client.get(f"/articles/{slug}"))
    assert first.count == 3 and second.count == 0


def test_an_approval_shows_at_once(cached, client, slug):
    assert "Second comment." not in get_html(client, f"/articles/{slug}")
    with cached.app_context():
        article = db.session.scalar(sa.select(Article))
        comment = make_comment(article, status="pending", body="Second comment.")
        db.session.commit()
        assert "Second comment." not in get_html(client, f"/articles/{slug}")
        comment.status = "approved"
        db.session.commit()
    assert "Second comment." in get_html(client, f"/articles/{slug}")


def test_bulk_statements_invalidate_too(cached, client, slug):
    get_html(client, f"/articles/{slug}")
    with cached.app_context():
        db.session.execute(sa.update(Comment).values(status="trash"))
        db.session.commit()
    assert "First approved comment." not in get_html(client, f"/articles/{slug}")


def test_article_and_author_edits_show_at_once(cached, client, slug):
    get_html(client, f"/articles/{slug}")
    with cached.app_context():
        article = db.session.scalar(sa.select(Article))
        article.body_markdown = "A corrected body."
        db.session.commit()
    assert "A corrected body." in get_html(client, f"/articles/{slug}")
    with cached.app_context():
        db.session.scalar(sa.select(Author)).bio = "A new biography."
        db.session.commit()
    assert "A new biography." in get_html(client, f"/articles/{slug}")


def test_unpublishing_removes_the_page_at_once(cached, client, slug):
    get_html(client, f"/articles/{slug}")
    with cached.app_context():
        db.session.scalar(sa.select(Article)).status = "draft"
        db.session.commit()
    get_html(client, f"/articles/{slug}", 404)


def test_nothing_per_visitor_is_kept(cached, slug):
    one, two = cached.test_client(), cached.test_client()
    token_one = form_values(get_html(one, f"/articles/{slug}"))["csrf_token"]
    token_two = form_values(get_html(two, f"/articles/{slug}"))["csrf_token"]
    assert token_one != token_two
    post_comment(one, slug, body="Mine, waiting.", remember="y")
    mine = get_html(one, f"/articles/{slug}")
    assert "Mine, waiting." in mine and "Your comment is awaiting moderation." in mine
    assert form_values(mine)["name"] == "Ada Reader"  # remembered, for this visitor only
    theirs = get_html(two, f"/articles/{slug}")
    assert "Mine, waiting." not in theirs and form_values(theirs)["name"] == ""


def test_staff_bypass_the_cache(cached, client, slug):
    with cached.app_context():
        make_staff("editor")
        db.session.commit()
    get_html(client, f"/articles/{slug}")
    log_in(client)
    html = get_html(client, f"/articles/{slug}")
    assert "Log out" in html and "Log in</a>" not in html
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert "Log in</a>" in get_html(client, f"/articles/{slug}")


def test_closing_by_age_is_not_hidden_by_the_cache(cached, client, count_queries):
    from datetime import timedelta

    from blog.models import utcnow

    with cached.app_context():
        article = make_article(published_at=utcnow() - timedelta(days=3))
        make_comment(article)
        db.session.commit()
        slug = article.slug
    assert "Reply to" in get_html(client, f"/articles/{slug}")
    assert count_queries(lambda: client.get(f"/articles/{slug}")).count == 0  # kept
    cached.config["COMMENTS_CLOSE_AFTER_DAYS"] = 2  # no write happens: time alone closes it
    html = get_html(client, f"/articles/{slug}")
    assert "Comments are closed." in html and "Reply to" not in html


# --- the fast path for visitors without cookies -------------------------------------------


def test_cookieless_visitors_get_the_kept_page_without_flask(cached, slug, monkeypatch):
    import blog.articles.routes as routes

    calls = []
    real = routes.render_article_page
    monkeypatch.setattr(
        routes, "render_article_page", lambda *a, **k: calls.append(a) or real(*a, **k)
    )
    visitor = cached.test_client(use_cookies=False)
    first = visitor.get(f"/articles/{slug}")
    second = visitor.get(f"/articles/{slug}")
    assert len(calls) == 1  # the second never reached the view
    for response in (first, second):
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "__blog_" not in html
        assert "First approved comment." in html
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert response.headers["Set-Cookie"].startswith("session=")
        assert "HttpOnly" in response.headers["Set-Cookie"]
    assert (
        form_values(first.get_data(as_text=True))["csrf_token"]
        != form_values(second.get_data(as_text=True))["csrf_token"]
    )


def test_a_page_from_the_fast_path_can_post_a_comment(cached, slug):
    visitor = cached.test_client(use_cookies=False)
    visitor.get(f"/articles/{slug}")
    response = visitor.get(f"/articles/{slug}")
    cookie = response.headers["Set-Cookie"].split(";")[0]
    fields = form_values(response.get_data(as_text=True))
    poster = cached.test_client()
    poster.set_cookie("session", cookie.split("=", 1)[1])
    posted = poster.post(
        f"/articles/{slug}/comments",
        data={
            **fields,
            "name": "Fast",
            "email": "fast@example.com",
            "body": "Sent from a kept page.",
        },
    )
    assert posted.status_code == 303
    with cached.app_context():
        assert (
            db.session.scalar(
                sa.select(Comment.status).where(Comment.body == "Sent from a kept page.")
            )
            == "pending"
        )


def test_the_fast_path_never_serves_a_stale_or_personal_page(cached, slug):
    visitor = cached.test_client(use_cookies=False)
    visitor.get(f"/articles/{slug}")
    with cached.app_context():
        article = db.session.scalar(sa.select(Article))
        make_comment(article, body="Approved just now.")
        db.session.commit()
        comment_id = db.session.scalar(sa.select(Comment.id).limit(1))
    assert "Approved just now." in visitor.get(f"/articles/{slug}").get_data(as_text=True)
    replying = visitor.get(f"/articles/{slug}?replytocom={comment_id}").get_data(as_text=True)
    assert "Replying to" in replying
    assert "Replying to" not in visitor.get(f"/articles/{slug}").get_data(as_text=True)


def test_kept_pages_carry_site_url_whatever_scheme_or_host_they_were_asked_with(cached, slug):
    visitor = cached.test_client(use_cookies=False)
    for url in (
        f"/articles/{slug}",
        f"https://localhost/articles/{slug}",
        f"http://127.0.0.1/articles/{slug}",
        f"https://localhost/articles/{slug}",
    ):
        page = visitor.get(url).get_data(as_text=True)
        assert f'<link rel="canonical" href="http://localhost/articles/{slug}">' in page


def test_a_change_while_the_page_is_kept_is_not_hidden(cached, slug, monkeypatch):
    """A site-wide change (an author's biography) made between building a page and keeping it
    must still show next time: the page is kept under the generation it was built from."""
    import blog.articles.pages as pages

    real = pages.page_for_anyone

    def meanwhile(*args, **kwargs):
        with cached.app_context():
            db.session.scalar(sa.select(Author)).bio = "Rewritten meanwhile."
            db.session.commit()
        return real(*args, **kwargs)

    visitor = cached.test_client(use_cookies=False)
    monkeypatch.setattr(pages, "page_for_anyone", meanwhile)
    visitor.get(f"/articles/{slug}")
    monkeypatch.setattr(pages, "page_for_anyone", real)
    assert "Rewritten meanwhile." in visitor.get(f"/articles/{slug}").get_data(as_text=True)


def test_a_page_kept_in_a_worker_goes_when_anything_on_it_changes(cached, slug):
    visitor = cached.test_client(use_cookies=False)
    for _ in range(3):  # the third is served from the worker's own copy
        visitor.get(f"/articles/{slug}")
    with cached.app_context():
        article = db.session.scalar(sa.select(Article))
        make_comment(article, body="Approved after the worker kept the page.")
        db.session.commit()
    html = visitor.get(f"/articles/{slug}").get_data(as_text=True)
    assert "Approved after the worker kept the page." in html
    for _ in range(2):
        visitor.get(f"/articles/{slug}")
    with cached.app_context():
        db.session.scalar(sa.select(Author)).bio = "A biography changed later."
        db.session.commit()
    assert "A biography changed later." in visitor.get(f"/articles/{slug}").get_data(as_text=True)


def test_a_worker_keeps_a_bounded_number_of_pages(cached):
    from dataclasses import asdict

    from blog import pagecache
    from blog.extensions import cache

    backend = cached.extensions["cache"][cache]
    local = pagecache.LocalPages(size=3)
    with cached.app_context():
        generation = pagecache.generation()
        version = pagecache.current_version(1)
    page = pagecache.AnonymousPage(1, version, True, None, False, [b"<p>", b"", b"</p>"])
    for n in range(5):
        key = pagecache._anonymous_key("http://x/", f"story-{n}", 1, generation)
        backend.set(key, asdict(page))
        assert local.get(backend, "http://x/", f"story-{n}", 1) == page
    assert len(local) == 3
    with cached.app_context():
        pagecache.bump_article(1)
    assert local.get(backend, "http://x/", "story-4", 1) is None
