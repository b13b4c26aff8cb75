"""Page cost must not grow with the data: count the SQL statements per page."""

from __future__ import annotations

from blog.extensions import db
from tests.factories import make_article, make_author, make_category, make_comment, make_tag


def seed(app, articles: int, tags_each: int, comments_each: int) -> str:
    """Articles spread over authors and categories, each with tags and comments."""
    with app.app_context():
        authors = [make_author() for _ in range(3)]
        categories = [make_category() for _ in range(3)]
        tags = [make_tag() for _ in range(tags_each)]
        first = None
        for n in range(articles):
            article = make_article(author=authors[n % 3], category=categories[n % 3], tags=tags)
            for _ in range(comments_each):
                make_comment(article)
            first = first or article
        db.session.commit()
        return first.slug


def measure(client, count_queries, url: str) -> int:
    def fetch():
        assert client.get(url).status_code == 200

    fetch()  # warm up anything cached per process
    return count_queries(fetch).count


def test_home_and_article_cost_the_same_for_small_and_large_sites(app, client, count_queries):
    slug_small = seed(app, articles=2, tags_each=1, comments_each=1)
    small_home = measure(client, count_queries, "/")
    small_article = measure(client, count_queries, f"/articles/{slug_small}")

    slug_large = seed(app, articles=30, tags_each=6, comments_each=20)
    large_home = measure(client, count_queries, "/")
    large_article = measure(client, count_queries, f"/articles/{slug_large}")

    # The front page: the newest ids with what picks the lead, each section's headline ids,
    # every article shown (with author, category, picture and photo), their tags.
    assert small_home == large_home == 4
    # A later page: the page's ids, its articles, their tags.
    assert measure(client, count_queries, "/?page=2") == 3
    # The article with its author and comment count, its tags, the page of its threads.
    assert small_article == large_article == 3


def test_author_and_listing_pages_have_a_fixed_cost(app, client, count_queries):
    slug = seed(app, articles=15, tags_each=4, comments_each=3)
    with app.app_context():
        from blog.models import Article

        article = db.session.scalar(db.select(Article).where(Article.slug == slug))
        urls = [
            f"/authors/{article.author.slug}",
            f"/category/{article.category.slug}",
            f"/tag/{article.tags[0].slug}",
        ]
    for url in urls:
        assert measure(client, count_queries, url) == 4, url


def test_all_comments_of_an_article_load_in_a_fixed_number_of_queries(app, client, count_queries):
    """1 comment or 200 in deep threads: the same statements."""
    app.config["COMMENTS_PER_PAGE"] = 1000  # every thread on one page
    with app.app_context():
        one = make_article()
        many = make_article()
        make_comment(one)
        parents = []
        for n in range(200):
            parent = parents[n // 2] if n and n % 3 else None
            depth = parent.depth + 1 if parent is not None else 1
            if depth > 3:
                parent, depth = None, 1
            comment = make_comment(many, parent=parent, depth=depth, body=f"Comment {n}")
            db.session.flush()
            parents.append(comment)
        db.session.commit()
        one_slug, many_slug = one.slug, many.slug
    single = measure(client, count_queries, f"/articles/{one_slug}")
    crowd = measure(client, count_queries, f"/articles/{many_slug}")
    html = client.get(f"/articles/{many_slug}").get_data(as_text=True)
    assert html.count('class="comment depth-') == 200
    assert 'class="comment depth-3' in html
    assert single == crowd == 3


def test_a_page_of_threads_is_one_statement_whatever_the_page(app, client, count_queries):
    app.config["COMMENTS_PER_PAGE"] = 3
    with app.app_context():
        article = make_article()
        for n in range(12):
            root = make_comment(article, body=f"Thread {n}")
            db.session.flush()
            make_comment(article, parent=root, depth=2, body=f"Reply {n}")
        db.session.commit()
        slug = article.slug
    for query in ("", "?comments=2", "?comments=4"):  # page 1 has no ?comments=
        counter = count_queries(lambda query=query: client.get(f"/articles/{slug}{query}"))
        assert counter.count == 3
        assert len([s for s in counter.statements if "WITH RECURSIVE" in s]) == 1
    html = client.get(f"/articles/{slug}?comments=2").get_data(as_text=True)
    assert "Thread 3" in html and "Reply 5" in html and "Thread 6" not in html
    assert "Comments page 2 of 4" in html and "24 Comments on" in html
