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
    # The article, its tags, a page of threads; and once per content generation, the time
    # the next scheduled article appears.
    assert first.count == 4 and second.count == 0


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
    get_html(one, f"/articles/{slug}")
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
    import time
    from datetime import timedelta

    from blog.models import utcnow

    cached.config["COMMENTS_CLOSE_AFTER_DAYS"] = 2
    with cached.app_context():
        # Comments close a second and a half from now.
        article = make_article(published_at=utcnow() - timedelta(days=2, seconds=-1.5))
        make_comment(article)
        db.session.commit()
        slug = article.slug
    assert "Reply to" in get_html(client, f"/articles/{slug}")
    assert count_queries(lambda: client.get(f"/articles/{slug}")).count == 0  # kept
    time.sleep(1.6)  # no write happens: time alone closes it
    html = get_html(client, f"/articles/{slug}")
    assert "Comments are closed." in html and "Reply to" not in html


def test_a_scheduled_article_appears_on_time_with_nothing_committed(cached, count_queries):
    import time
    from datetime import timedelta

    from blog.models import utcnow

    with cached.app_context():
        make_article(title="Already out")
        make_article(title="Embargoed until now", published_at=utcnow() + timedelta(seconds=1.5))
        db.session.commit()
    reader = cached.test_client(use_cookies=False)
    for address in ("/", "/feed.atom", "/archive/"):
        assert "Embargoed until now" not in reader.get(address).get_data(as_text=True)
    assert count_queries(lambda: reader.get("/")).count == 0  # kept
    time.sleep(1.6)
    assert "Embargoed until now" in reader.get("/").get_data(as_text=True)
    assert "Embargoed until now" in reader.get("/feed.atom").get_data(as_text=True)


# --- the fast path for visitors without cookies -------------------------------------------


def test_cookieless_visitors_get_the_kept_page_without_flask(cached, slug, monkeypatch):
    import time

    import blog.articles.routes as routes

    calls = []
    real = routes.render_article_page
    monkeypatch.setattr(
        routes, "render_article_page", lambda *a, **k: calls.append(a) or real(*a, **k)
    )
    visitor = cached.test_client(use_cookies=False)
    first = visitor.get(f"/articles/{slug}")
    time.sleep(1.05)  # a stamp says which second the form was served in
    second = visitor.get(f"/articles/{slug}")
    assert len(calls) == 1  # the second never reached the view
    for response in (first, second):
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "\ue000" not in html
        assert "First approved comment." in html
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"].startswith("public, max-age=0, s-maxage=")
    assert first.headers["ETag"] == second.headers["ETag"]
    first_stamp = form_values(first.get_data(as_text=True))["stamp"]
    assert first_stamp and first_stamp != form_values(second.get_data(as_text=True))["stamp"]


def test_a_page_from_the_fast_path_can_post_a_comment(cached, slug):
    visitor = cached.test_client(use_cookies=False)
    visitor.get(f"/articles/{slug}")
    response = visitor.get(f"/articles/{slug}")
    assert "Set-Cookie" not in response.headers
    fields = form_values(response.get_data(as_text=True))
    cached.config["COMMENT_MIN_SECONDS"] = 0
    posted = cached.test_client().post(
        f"/articles/{slug}/comments",
        data={
            **fields,
            "name": "Fast",
            "email": "fast@example.com",
            "body": "Sent from a kept page.",
        },
        headers={"Sec-Fetch-Site": "same-origin"},
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
    from blog import keptpages

    real = keptpages.cut

    def meanwhile(*args, **kwargs):
        with cached.app_context():
            db.session.scalar(sa.select(Author)).bio = "Rewritten meanwhile."
            db.session.commit()
        return real(*args, **kwargs)

    visitor = cached.test_client(use_cookies=False)
    monkeypatch.setattr(keptpages, "cut", meanwhile)
    visitor.get(f"/articles/{slug}")
    monkeypatch.setattr(keptpages, "cut", real)
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
    from types import SimpleNamespace

    from blog import pagecache
    from blog.extensions import cache

    backend = cached.extensions["cache"][cache]
    versions = pagecache.version_store(cached)
    local = pagecache.LocalPages(size=3)
    with cached.app_context():
        stamps = {pagecache.article_key(1): pagecache.current_version(1)}
    page = SimpleNamespace(stamps=stamps, until=None)
    for n in range(5):
        address = f"http://x/articles/story-{n}"
        with cached.app_context():
            pagecache.put_page(address, page)
        assert local.get(backend, versions, address).stamps == stamps
    assert len(local) == 3
    with cached.app_context():
        pagecache.bump_article(1)
    assert local.get(backend, versions, "http://x/articles/story-4") is None


# --- a flood of addresses cannot push the pages out --------------------------------------


def flooded_app(tmp_path, **cache_config):
    """An app with a real page cache, and an article with three pages of threads in a
    category, under a tag (the names of its pages are in config["FLOOD"])."""
    from blog.models import Tag
    from tests.conftest import build_app, fresh_database
    from tests.factories import make_category, make_tag

    with fresh_database(tmp_path) as database:
        app = build_app(database, CACHE_TYPE=None, COMMENTS_PER_PAGE=2, **cache_config)
        with app.app_context():
            db.create_all()
            article = make_article(title="Flooded story", category=make_category())
            article.tags = [make_tag()]
            for n in range(5):
                make_comment(article, body=f"Comment number {n}.")
            db.session.commit()
            app.config["FLOOD"] = {
                "slug": article.slug,
                "category": article.category.slug,
                "tag": db.session.scalar(sa.select(Tag.slug)),
                "author": article.author.slug,
            }
        yield app


@pytest.fixture
def on_disk(tmp_path):
    """The page cache as deployed by default: a directory of at most 5,000 entries."""
    from tests.conftest import dispose_when_idle

    for app in flooded_app(tmp_path, CACHE_DIR=str(tmp_path / "cache")):
        assert app.config["CACHE_TYPE"] == "FileSystemCache"
        assert app.config["CACHE_THRESHOLD"] == 5000  # the default, untouched
        yield app
        dispose_when_idle(app)


@pytest.fixture
def in_redis(tmp_path):
    """The page cache as several servers share it: Redis, under a prefix of this test's own."""
    import uuid

    from blog.extensions import cache
    from tests.conftest import dispose_when_idle
    from tests.deploy.servers import REDIS_URL, require_redis

    require_redis()
    prefix = f"test-{uuid.uuid4().hex}:"
    for app in flooded_app(tmp_path, CACHE_REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix):
        assert app.config["CACHE_TYPE"] == "blog.sharedcache.GuardedRedisCache"
        yield app
        dispose_when_idle(app)
        with app.app_context():
            cache.clear()  # only this prefix's keys


def statements(app, fn) -> int:
    """How many SQL statements fn ran."""
    from tests.conftest import count_statements

    return count_statements(app, fn).count


def flood_addresses(names: dict, count: int) -> list[str]:
    """count addresses of the cached pages, each a different page number or unknown parameter."""
    slug = names["slug"]
    listings = ["/", f"/category/{names['category']}", f"/tag/{names['tag']}"]
    listings.append(f"/authors/{names['author']}")
    kinds = [
        lambda n: f"/articles/{slug}?comments={n + 4}",  # past the end (3 pages)
        lambda n: f"/articles/{slug}?comments={'0' * (n % 5 + 1)}2",  # 02, 002, ...
        lambda n: f"/articles/{slug}?comments=+{n % 3 + 1}",
        lambda n: f"/articles/{slug}?comments=-{n}",
        lambda n: f"/articles/{slug}?utm_source=s{n}",
        lambda n: f"/articles/{slug}?comments=2&x={n}",
        lambda n: f"{listings[n % 4]}?page={n + 2}",  # past the end (one page)
        lambda n: f"{listings[n % 4]}?page=0{n % 7 + 1}",
        lambda n: f"{listings[n % 4]}?utm_campaign=c{n}",
        lambda n: f"/feed.atom?x={n}",
    ]
    return [kinds[n % len(kinds)](n) for n in range(count)]


def cache_entries(app) -> int:
    """How many entries the page cache holds."""
    from pathlib import Path

    import redis

    if app.config.get("CACHE_REDIS_URL"):
        client = redis.Redis.from_url(app.config["CACHE_REDIS_URL"])
        return sum(1 for _ in client.scan_iter(match=app.config["CACHE_KEY_PREFIX"] + "*"))
    return sum(1 for _ in Path(app.config["CACHE_DIR"]).iterdir())


@pytest.fixture(params=["on_disk", "in_redis"])
def real_cache(request):
    """Each real backend the page cache runs on."""
    return request.getfixturevalue(request.param)


def test_a_flood_of_page_numbers_and_parameters_keeps_the_page_cached(real_cache):
    from blog import pagecache

    app = real_cache
    names = app.config["FLOOD"]
    reader, visitor = app.test_client(), app.test_client(use_cookies=False)
    page, second = f"/articles/{names['slug']}", f"/articles/{names['slug']}?comments=2"
    for address in (page, second):
        for client in (reader, visitor):
            assert client.get(address).status_code == 200
    assert statements(app, lambda: reader.get(page)) == 0
    with app.app_context():
        generation = pagecache.generation()
    kept = cache_entries(app)

    for address in flood_addresses(names, 2500):  # 5,000 requests
        for client in (reader, visitor):
            assert client.get(address).status_code < 500, address

    assert cache_entries(app) == kept  # not one entry more
    with app.app_context():
        assert pagecache.generation() == generation
    for address in (page, second):
        assert statements(app, lambda a=address: reader.get(a)) == 0
        assert statements(app, lambda a=address: visitor.get(a)) == 0


def test_the_keys_that_decide_are_never_pruned_with_the_pages(on_disk):
    """Even with the pages' directory full to its limit, the generation and versions stay."""
    from blog import pagecache
    from blog.extensions import cache

    names = on_disk.config["FLOOD"]
    reader = on_disk.test_client()
    reader.get(f"/articles/{names['slug']}")
    with on_disk.app_context():
        generation = pagecache.generation()
        pages = on_disk.extensions["cache"][cache]
        for n in range(on_disk.config["CACHE_THRESHOLD"] + 10):
            pages.set(f"another-page:{n}", "<p>elsewhere</p>")
        assert pagecache.generation() == generation
    assert statements(on_disk, lambda: reader.get(f"/articles/{names['slug']}")) <= 4
    assert statements(on_disk, lambda: reader.get(f"/articles/{names['slug']}")) == 0


def test_a_lost_key_only_invalidates_and_heals(cached, client, slug, count_queries):
    """Should the generation or a version go anyway, the page is built again and kept again."""
    from blog import pagecache

    get_html(client, f"/articles/{slug}")
    with cached.app_context():
        article_id = db.session.scalar(sa.select(Article.id))
    for key in (pagecache.GENERATION_KEY, pagecache.article_key(article_id)):
        pagecache.version_store(cached).delete(key)
        assert count_queries(lambda: client.get(f"/articles/{slug}")).count in (3, 4)
        assert count_queries(lambda: client.get(f"/articles/{slug}")).count == 0
