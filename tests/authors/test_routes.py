"""Author pages: biography, their published articles, pagination."""

from __future__ import annotations

from datetime import timedelta

from blog.extensions import db
from blog.models import ArticleStatus, utcnow
from tests.factories import make_article, make_author
from tests.pages import get_html, link_href


def test_author_page_shows_biography_and_only_their_published_articles(app, client):
    with app.app_context():
        author = make_author(name="Lena Park", bio="Lena writes about food and markets.")
        make_article(title="Her published piece", author=author)
        make_article(title="Her draft", author=author, status=ArticleStatus.DRAFT)
        make_article(title="Someone else's piece")
        db.session.commit()
        slug = author.slug
    html = get_html(client, f"/authors/{slug}")
    assert '<h1 class="page-title">Lena Park</h1>' in html
    assert "Lena writes about food and markets." in html
    assert "Her published piece" in html
    assert "Her draft" not in html and "Someone else" not in html
    assert link_href(html, "canonical") == f"http://localhost/authors/{slug}"


def test_author_page_paginates(app, client):
    with app.app_context():
        author = make_author()
        for n in range(11):
            make_article(
                title=f"Piece {n:02d}", author=author, published_at=utcnow() - timedelta(hours=n)
            )
        db.session.commit()
        slug = author.slug
    assert "Piece 10" not in get_html(client, f"/authors/{slug}")
    second = get_html(client, f"/authors/{slug}?page=2")
    assert "Piece 10" in second
    assert f'rel="prev" href="/authors/{slug}"' in second  # page 1 has no parameter


def test_the_author_index_lists_authors_with_published_work(app, client):
    with app.app_context():
        make_article(author=make_author(name="Published Person"))
        make_article(author=make_author(name="Drafting Person"), status=ArticleStatus.DRAFT)
        db.session.commit()
    html = get_html(client, "/authors/")
    assert "Published Person" in html and "Drafting Person" not in html


def test_unknown_author_is_not_found(client):
    get_html(client, "/authors/nobody", 404)


def test_an_authors_own_page_does_not_repeat_their_name_on_every_card(app, client):
    with app.app_context():
        author = make_author(name="Lena Park")
        make_article(title="First piece", author=author)
        make_article(title="Second piece", author=author)
        db.session.commit()
        slug = author.slug
    html = get_html(client, f"/authors/{slug}")
    cards = html.split('<div class="cards">')[1].split('<footer class="site-footer">')[0]
    assert cards.count('<article class="card ') == 2
    assert "By " not in cards and "Lena Park" not in cards and 'rel="author"' not in cards
    assert cards.count("<time datetime=") == 2  # the dates stay
    # Elsewhere the byline still names the author.
    assert 'By <a rel="author" href="/authors/' in get_html(client, "/")


def test_the_author_list_and_page_show_a_photo_beside_the_name(app, client):
    from blog.media.library import add_picture
    from tests.articles.pictures import portrait

    app.config["MEDIA_STORE"] = "database"
    with app.app_context():
        author = make_author(name="Lena Park")
        author.photo = add_picture(portrait(200))
        make_article(author=author)
        make_article(author=make_author(name="No Photo"))
        db.session.commit()
        slug = author.slug
    listed = get_html(client, "/authors/")
    assert listed.count('class="author-photo"') == 1
    assert '<li class="has-photo">' in listed and 'alt=""' in listed
    page = get_html(client, f"/authors/{slug}")
    assert '<header class="page-header author-header has-photo">' in page
