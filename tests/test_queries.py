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

    assert small_home == large_home == 3  # count for pagination, page of articles, their tags
    # The article with its author and comment count, its tags, its comments.
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
