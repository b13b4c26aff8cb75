"""With the page cache on, what an editor does to pictures and the lead story through the
editor's form reaches readers at once: the kept front page and article page are not served
after a story is featured, its lead image replaced or removed, or its author given a photo."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.media.library import add_picture
from blog.models import Article, Author, Media, utcnow
from tests.articles.test_front_page import lead_title
from tests.editorial.test_images import send, served
from tests.factories import make_article, make_author, make_staff
from tests.media import pictures
from tests.pages import log_in


@pytest.fixture
def cached(app, tmp_path):
    """The app with a real (in-process) page cache, its pictures in the database."""
    from blog.extensions import cache

    app.config.update(
        CACHE_TYPE="SimpleCache", MEDIA_STORE="database", MEDIA_DIR=str(tmp_path / "media")
    )
    cache.init_app(app)
    return app


@pytest.fixture
def stories(cached) -> dict[str, int]:
    """Two published stories with pictures, neither featured: the newer leads."""
    with cached.app_context():
        author = make_author(name="Staff Writer", bio="Writes.")
        newer = make_article(
            title="Quay reopens",
            author=author,
            published_at=utcnow() - timedelta(hours=1),
            lead_image=add_picture(pictures.jpeg(640, 480, (30, 90, 200)), "quay.jpg"),
            lead_image_alt="The quay at dawn",
        )
        older = make_article(
            title="Ferry in the fog",
            author=author,
            published_at=utcnow() - timedelta(hours=5),
            lead_image=add_picture(pictures.jpeg(640, 480, (200, 90, 30)), "ferry.jpg"),
            lead_image_alt="The ferry in fog",
        )
        make_staff("ed", role="editor")
        db.session.commit()
        return {"newer": newer.id, "older": older.id}


@pytest.fixture
def editor(cached, stories):
    """An editor's client, logged in (staff pages are never kept)."""
    client = cached.test_client()
    log_in(client, "ed")
    return client


def kept_page(reader, count_queries, path: str) -> str:
    """A reader's page, asserted to be the kept one (served without a statement)."""
    built = reader.get(path)
    assert built.status_code == 200, path
    again = count_queries(lambda: reader.get(path))
    assert again.count == 0, f"{path} was not kept"
    return reader.get(path).get_data(as_text=True)


def read(reader, path: str) -> str:
    response = reader.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def lead_file(app, article_id: int) -> str | None:
    """The widest file of the story's lead image, as pages name it; None without one."""
    with app.app_context():
        media = db.session.get(Article, article_id).lead_image
        return None if media is None else str(media.largest)


def test_featuring_a_story_through_the_form_makes_the_kept_front_page_lead_with_it(
    cached, stories, editor, count_queries
):
    reader = cached.test_client(use_cookies=False)
    assert lead_title(kept_page(reader, count_queries, "/")) == "Quay reopens"
    url = f"/admin/articles/{stories['older']}/edit"
    response = send(editor, url, served(editor, url), featured="y")
    assert response.status_code == 303
    assert lead_title(read(reader, "/")) == "Ferry in the fog"


def test_replacing_and_removing_a_lead_image_through_the_form_changes_the_kept_pages(
    cached, stories, editor, count_queries
):
    reader = cached.test_client(use_cookies=False)
    with cached.app_context():
        slug = db.session.get(Article, stories["newer"]).slug
    article = f"/articles/{slug}"
    old = lead_file(cached, stories["newer"])
    for path in ("/", article):
        assert f"/media/{old}" in kept_page(reader, count_queries, path), path

    url = f"/admin/articles/{stories['newer']}/edit"
    replaced = send(
        editor, url, served(editor, url), lead_image=(pictures.png(800, 500), "new.png")
    )
    assert replaced.status_code == 303
    new = lead_file(cached, stories["newer"])
    assert new not in (None, old)
    for path in ("/", article):
        page = read(reader, path)
        assert f"/media/{new}" in page and f"/media/{old}" not in page, path
        assert kept_page(reader, count_queries, path) == page, path

    removed = send(editor, url, served(editor, url), remove_lead_image="y")
    assert removed.status_code == 303
    assert lead_file(cached, stories["newer"]) is None
    article_page = read(reader, article)
    assert f"/media/{new}" not in article_page and 'alt="The quay at dawn"' not in article_page
    front = read(reader, "/")
    assert f"/media/{new}" not in front
    # Without its picture it no longer leads: the newest story with one does.
    assert lead_title(front) == "Ferry in the fog"
    with cached.app_context():  # the picture stays in the library
        assert db.session.scalar(sa.select(sa.func.count(Media.id))) == 3


def test_an_authors_new_photo_through_the_form_changes_their_kept_pages(
    cached, stories, editor, count_queries
):
    reader = cached.test_client(use_cookies=False)
    with cached.app_context():
        article = db.session.get(Article, stories["newer"])
        slug, author_id, author_slug = article.slug, article.author_id, article.author.slug
    pages = (f"/articles/{slug}", f"/authors/{author_slug}", "/authors/")
    for path in pages:
        assert 'class="author-photo"' not in kept_page(reader, count_queries, path), path
    url = f"/admin/authors/{author_id}/edit"
    data = served(editor, url, containing="name", button=None)
    response = send(editor, url, data, photo=(pictures.jpeg(400, 400), "me.jpg"))
    assert response.status_code == 303
    with cached.app_context():
        photo = str(db.session.get(Author, author_id).photo.smallest)
    for path in pages:
        assert f"/media/{photo}" in read(reader, path), path
