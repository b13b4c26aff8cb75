"""The home page, the article page and its anatomy, category and tag pages, error pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import ArticleStatus, utcnow
from tests.factories import make_article, make_author, make_category, make_comment, make_tag
from tests.pages import get_html, json_ld, link_href, meta, tags


@pytest.fixture
def article(app):
    """A published article with everything the page can show."""
    with app.app_context():
        author = make_author(
            name="Nadia Vance", bio="Nadia reports on rivers and the people on them."
        )
        article = make_article(
            title="The river changes course",
            slug="the-river-changes-course",
            summary="After the floods, a new channel cuts through the meadow.",
            body_markdown="First paragraph of the body.\n\nSecond paragraph of the body.",
            author=author,
            source_name="River Trust",
            source_url="https://example.org/river",
            category=make_category(name="Environment"),
            tags=[make_tag(name="rivers"), make_tag(name="floods")],
        )
        db.session.commit()
        return {"slug": article.slug, "author_slug": author.slug}


def test_article_page_has_every_part_of_the_anatomy_in_order(client, article):
    html = get_html(client, f"/articles/{article['slug']}")
    parts = [
        'class="site-name"><a href="/">The Ledger</a>',
        "Independent reporting, open to your replies",
        '<h1 class="headline">The river changes course</h1>',
        '<p class="standfirst">After the floods, a new channel cuts through the meadow.</p>',
        f'By <a rel="author" href="/authors/{article["author_slug"]}">Nadia Vance</a>',
        "<p>First paragraph of the body.</p>",
        "<p>Second paragraph of the body.</p>",
        'Original Source: <a href="https://example.org/river" rel="noopener noreferrer">'
        "River Trust</a></p>",
        'class="author-box"',
        "Nadia reports on rivers and the people on them.",
        '<h2 id="reply-title">Leave a Reply</h2>',
        "Your email address will not be published. Required fields are marked "
        '<span class="required">*</span>',
    ]
    positions = [html.find(part) for part in parts]
    assert -1 not in positions, [p for p, at in zip(parts, positions, strict=True) if at == -1]
    assert positions == sorted(positions)
    assert html.count("<h1") == 1
    assert len(tags(html, "time")) >= 1 and tags(html, "time")[0]["datetime"].endswith("Z")


def test_source_without_url_is_plain_text(app, client):
    with app.app_context():
        slug = make_article(source_name="A letter to the editor").slug
        db.session.commit()
    html = get_html(client, f"/articles/{slug}")
    assert "Original Source: A letter to the editor</p>" in html


def test_article_page_has_title_description_canonical_opengraph_and_json_ld(client, article):
    html = get_html(client, f"/articles/{article['slug']}")
    assert "<title>The river changes course &ndash; The Ledger</title>" in html
    assert meta(html, "description") == "After the floods, a new channel cuts through the meadow."
    canonical = link_href(html, "canonical")
    assert canonical == "http://localhost/articles/the-river-changes-course"
    assert meta(html, "og:type") == "article"
    assert meta(html, "og:title") == "The river changes course"
    assert meta(html, "og:url") == canonical
    data = json_ld(html)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "The river changes course"
    assert data["author"][0]["name"] == "Nadia Vance"
    assert data["datePublished"].endswith("Z")
    assert data["publisher"]["name"] == "The Ledger"


def test_markup_in_titles_and_json_ld_cannot_break_out(app, client):
    with app.app_context():
        slug = make_article(title='</script><script>alert(1)</script>"', summary="<b>x</b>").slug
        db.session.commit()
    html = get_html(client, f"/articles/{slug}")
    assert "<script>alert(1)" not in html
    assert json_ld(html)["headline"] == '</script><script>alert(1)</script>"'


def test_drafts_and_future_articles_are_not_found(app, client):
    with app.app_context():
        draft = make_article(status=ArticleStatus.DRAFT).slug
        future = make_article(published_at=utcnow() + timedelta(hours=1)).slug
        db.session.commit()
    for slug in (draft, future):
        get_html(client, f"/articles/{slug}", 404)
    home = get_html(client, "/")
    assert draft not in home and future not in home


def test_home_lists_headline_summary_byline_date_and_comment_count(app, client):
    with app.app_context():
        article = make_article(title="Listed headline", summary="Listed summary.")
        make_comment(article)
        make_comment(article)
        make_comment(article, status="pending")
        db.session.commit()
        author_name, slug = article.author.name, article.slug
    html = get_html(client, "/")
    assert f'<a href="/articles/{slug}">Listed headline</a>' in html
    assert "Listed summary." in html
    assert author_name in html
    assert "2 Comments" in html
    assert len(tags(html, "time")) == 1


def test_home_paginates(app, client):
    with app.app_context():
        for n in range(12):
            make_article(title=f"Story {n:02d}", published_at=utcnow() - timedelta(hours=n))
        db.session.commit()
    first = get_html(client, "/")
    # The front page holds the lead and six stories (blog.articles.front); page 2 goes on.
    assert "Story 00" in first and "Story 06" in first and 'href="/articles/headline' in first
    assert 'rel="next" href="/?page=2"' in first
    second = get_html(client, "/?page=2")
    assert "Story 07" in second and "Story 11" in second and "Story 06" not in second
    assert link_href(second, "canonical") == "http://localhost/?page=2"
    get_html(client, "/?page=3", 404)  # past the end: no page there
    for nonsense in ("nonsense", "0", "-1", "+2", "2.0", "1e3", "٣", "9999999999"):
        get_html(client, f"/?page={nonsense}", 404)
    assert 'rel="prev" href="/"' in second  # page 1 has no parameter


def test_a_page_number_has_one_address(app, client):
    """Every other spelling of a page number is sent to its one address, other parameters kept."""
    with app.app_context():
        for n in range(12):
            make_article(title=f"Story {n:02d}")
        db.session.commit()
    for asked, address in [
        ("/?page=1", "/"),
        ("/?page=01", "/"),
        ("/?page=%2B1", "/"),  # a plus sign (a bare + is a space: 404)
        ("/?page=02", "/?page=2"),
        ("/?page=%2B2", "/?page=2"),
        ("/?page=2&page=2", "/?page=2"),
        ("/?utm_source=x&page=002", "/?utm_source=x&page=2"),
    ]:
        response = client.get(asked)
        assert (response.status_code, response.headers["Location"]) == (301, address), asked
    assert client.get("/?page=2").status_code == 200


def test_listing_pages_of_every_kind_have_one_address(app, client):
    from tests.factories import make_category, make_tag

    with app.app_context():
        article = make_article(category=make_category())
        article.tags = [make_tag()]
        db.session.commit()
        listings = ["/", f"/category/{article.category.slug}", f"/tag/{article.tags[0].slug}"]
        listings.append(f"/authors/{article.author.slug}")
    for listing in listings:
        assert client.get(f"{listing}?page=1").headers["Location"] == listing
        assert client.get(f"{listing}?page=2").status_code == 404  # past the end
        assert client.get(f"{listing}?page=x").status_code == 404
        assert client.get(f"{listing}?utm_source=x").status_code == 200


def test_category_and_tag_pages_list_their_articles(app, client):
    with app.app_context():
        category, tag = make_category(name="Sport"), make_tag(name="rowing")
        inside = make_article(title="In the category", category=category, tags=[tag])
        make_article(title="Elsewhere")
        db.session.commit()
        category_slug, tag_slug, article_slug = category.slug, tag.slug, inside.slug
    for url in (f"/category/{category_slug}", f"/tag/{tag_slug}"):
        html = get_html(client, url)
        assert "In the category" in html and "Elsewhere" not in html
        assert link_href(html, "canonical") == f"http://localhost{url}"
    article_html = get_html(client, f"/articles/{article_slug}")
    assert f'href="/category/{category_slug}">Sport</a>' in article_html
    assert f'href="/tag/{tag_slug}">rowing</a>' in article_html
    get_html(client, "/category/no-such-thing", 404)
    get_html(client, "/tag/no-such-thing", 404)


def test_every_page_advertises_the_feed_and_has_a_title_and_description(app, client):
    with app.app_context():
        article = make_article()
        db.session.commit()
        urls = ["/", f"/articles/{article.slug}", f"/authors/{article.author.slug}", "/authors/"]
    for url in urls:
        html = get_html(client, url)
        assert link_href(html, "alternate") == "/feed.atom"
        assert "<title>" in html and meta(html, "description")
        assert link_href(html, "canonical")


def test_not_found_is_a_styled_page(client):
    html = get_html(client, "/no/such/page", 404)
    assert "Not Found" in html and 'class="site-header"' in html
    assert "Traceback" not in html


def test_method_not_allowed_is_a_styled_page(client):
    response = client.post("/feed.atom")
    assert response.status_code == 405 and 'class="site-header"' in response.get_data(as_text=True)


def test_a_crash_is_a_styled_500_and_the_session_is_rolled_back(empty_app):
    empty_app.config["TESTING"] = False  # let the error handler run instead of raising

    @empty_app.get("/boom")
    def boom():
        db.session.execute(sa.text("SELECT 1"))
        raise RuntimeError("kaboom")

    response = empty_app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Internal Server Error" in html and 'class="site-header"' in html
    assert "kaboom" not in html and "Traceback" not in html


def test_security_headers_are_sent(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


# --- Old slugs ------------------------------------------------------------------------------


def change_slug(app, old: str, new: str) -> None:
    """An editor gives the article at `old` the slug `new`, through the editorial rule."""
    from blog.editorial.publishing import move_to_slug
    from blog.models import Article

    with app.app_context():
        move_to_slug(db.session.scalar(sa.select(Article).where(Article.slug == old)), new)
        db.session.commit()


@pytest.fixture
def cached(app):
    """The app with a real (in-process) page cache, fast path included."""
    from blog.extensions import cache

    app.config["CACHE_TYPE"] = "SimpleCache"
    cache.init_app(app)
    return app


def test_an_old_slug_answers_301_to_the_current_address(app, client, article):
    change_slug(app, article["slug"], "river-moves")
    response = client.get(f"/articles/{article['slug']}?comments=2")
    assert response.status_code == 301
    assert response.headers["Location"] == "/articles/river-moves?comments=2"
    # Kept, but checked again: the article may take this slug back one day.
    assert response.headers["Cache-Control"] == "no-cache"
    html = get_html(client, "/articles/river-moves")
    assert '<h1 class="headline">The river changes course</h1>' in html


def test_every_slug_an_article_had_leads_to_it(app, client, article):
    change_slug(app, article["slug"], "second")
    change_slug(app, "second", "third")
    for old in (article["slug"], "second"):
        assert client.get(f"/articles/{old}").headers["Location"] == "/articles/third"


def test_a_slug_taken_back_is_current_again(app, client, article):
    change_slug(app, article["slug"], "elsewhere")
    change_slug(app, "elsewhere", article["slug"])
    assert client.get(f"/articles/{article['slug']}").status_code == 200
    assert client.get("/articles/elsewhere").headers["Location"] == f"/articles/{article['slug']}"


def test_an_old_slug_of_a_hidden_article_is_not_found(app, client, article):
    from blog.models import Article

    change_slug(app, article["slug"], "river-moves")
    with app.app_context():
        db.session.scalar(sa.select(Article)).status = ArticleStatus.DRAFT
        db.session.commit()
    get_html(client, f"/articles/{article['slug']}", 404)
    get_html(client, "/articles/never-was", 404)


@pytest.mark.parametrize("cookies", [True, False])
def test_an_old_slug_redirects_through_the_page_cache(cached, article, cookies):
    reader = cached.test_client(use_cookies=cookies)
    old = f"/articles/{article['slug']}"
    for _ in range(3):  # rendered, kept, then served from what was kept
        assert reader.get(old).status_code == 200
    get_html(reader, "/articles/river-moves", 404)
    change_slug(cached, article["slug"], "river-moves")
    response = reader.get(old)
    assert (response.status_code, response.headers["Location"]) == (301, "/articles/river-moves")
    assert "The river changes course" in get_html(reader, "/articles/river-moves")
    assert reader.get(old).status_code == 301


def test_an_old_slugs_comment_feed_redirects_too(app, client, article):
    change_slug(app, article["slug"], "river-moves")
    response = client.get(f"/articles/{article['slug']}/comments.atom")
    assert response.status_code == 301
    assert response.headers["Location"] == "/articles/river-moves/comments.atom"
    assert client.get("/articles/river-moves/comments.atom").status_code == 200


# --- Pages of threads -----------------------------------------------------------------------


@pytest.fixture
def threads(app):
    """An article with three pages of threads (two threads a page)."""
    from tests.factories import make_comment

    app.config["COMMENTS_PER_PAGE"] = 2
    with app.app_context():
        article = make_article(title="Much discussed")
        for n in range(5):
            make_comment(article, body=f"Thread {n}")
        db.session.commit()
        return article.slug


def test_a_page_of_threads_has_one_address(client, threads):
    for asked, address in [
        ("?comments=1", ""),
        ("?comments=01", ""),
        ("?comments=02", "?comments=2"),
        ("?comments=%2B3", "?comments=3"),
        ("?comments=3&comments=3", "?comments=3"),
        ("?replytocom=4&comments=002", "?replytocom=4&comments=2"),
    ]:
        response = client.get(f"/articles/{threads}{asked}")
        assert response.status_code == 301, asked
        assert response.headers["Location"] == f"/articles/{threads}{address}", asked
    for nonsense in ("x", "0", "-2", "+2", "2.5", "\u0663", "12345678901"):
        get_html(client, f"/articles/{threads}?comments={nonsense}", 404)
    assert "Thread 4" in get_html(client, f"/articles/{threads}?comments=3")


def test_a_page_of_threads_past_the_last_goes_to_the_last(client, threads):
    """Pages of threads move as comments go, so an old link lands on the latest comments."""
    for past in (4, 99, 999999999):
        response = client.get(f"/articles/{threads}?comments={past}&utm_source=x")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/articles/{threads}?utm_source=x&comments=3"
