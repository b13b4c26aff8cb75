"""The media library over HTTP, and uploads' edges: who may use it, the list and the line to
paste, the larger request bound on upload views alone (and its styled 413), the served files'
year of caching, and the database store serving what it keeps."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from blog.extensions import db
from blog.media.library import add_picture
from blog.models import Article, Author, Media, MediaFile
from tests.conftest import app_of_its_own
from tests.factories import make_article, make_author, make_staff
from tests.media import pictures
from tests.pages import form_values, get_html, log_in, served_form

LIBRARY = "/admin/media/"


def upload(client, data: bytes, name: str = "photo.jpg", url: str = LIBRARY):
    """Choose a file in the library's form and press Upload."""
    token = form_values(get_html(client, LIBRARY))["csrf_token"]
    fields = MultiDict([("csrf_token", token), ("picture", (io.BytesIO(data), name))])
    return client.post(url, **pictures.multipart(fields))


def pasted_lines(html: str) -> list[str]:
    """The line to paste shown for each picture in the library."""
    return [unescape(line) for line in re.findall(r'<code class="media-line"[^>]*>([^<]*)<', html)]


def test_only_admins_and_editors_use_the_library(app, client):
    with app.app_context():
        make_staff("mod", role="moderator")
        db.session.commit()
    assert client.get(LIBRARY).status_code == 302  # to the login page
    log_in(client, "mod")
    assert client.get(LIBRARY).status_code == 403
    assert 'href="/admin/media/"' not in get_html(client, "/admin/")


def test_an_upload_is_listed_with_what_an_editor_needs(app, writer):
    html = get_html(writer, LIBRARY)
    assert "No pictures yet" in html
    assert '<a href="/admin/media/" aria-current="page">Media</a>' in html
    response = upload(writer, pictures.jpeg(2000, 1000), "Harbour at dusk.jpg")
    assert response.status_code == 303 and response.headers["Location"] == LIBRARY
    html = get_html(writer, LIBRARY)
    assert "Harbour at dusk.jpg is in the library, at the top." in html
    assert "no-store" in writer.get(LIBRARY).headers["Cache-Control"]
    with app.app_context():
        media = db.session.scalar(sa.select(Media))
        largest, thumbnail = str(media.largest), str(media.smallest)
        assert media.original_name == "Harbour at dusk.jpg"
    assert "1600 × 800 px" in html and "Uploaded by Wren Writer" in html
    assert f"/media/{thumbnail}" in html
    assert pasted_lines(html) == [f"![Describe the picture](/media/{largest})"]
    again = upload(writer, pictures.jpeg(2000, 1000), "harbour-copy.jpg")
    assert again.headers["Location"] == LIBRARY
    html = get_html(writer, LIBRARY)
    assert "That picture was already in the library, as Harbour at dusk.jpg (uploaded" in html
    assert len(pasted_lines(html)) == 1


def test_the_pasted_line_shows_the_picture_in_an_article(app, writer):
    upload(writer, pictures.png(700, 350), "chart.png")
    (line,) = pasted_lines(get_html(writer, LIBRARY))
    with app.app_context():
        article = make_article(body_markdown="Intro.\n\n" + line.replace("Describe the", "A"))
        db.session.commit()
        slug = article.slug
    page = get_html(writer, f"/articles/{slug}")
    assert re.search(r'<picture><source type="image/webp" srcset="/media/[^"]+-480\.webp', page)
    assert 'alt="A picture"' in page and 'loading="lazy"' in page


def test_a_refused_upload_says_why_next_to_the_field(app, writer):
    response = upload(writer, b"%PDF-1.7 a document", "report.png")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This file is not a picture we can use" in html
    assert 'aria-invalid="true"' in html
    token = form_values(html)["csrf_token"]
    response = writer.post(LIBRARY, data={"csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Please choose a picture to upload." in response.get_data(as_text=True)


def test_an_upload_without_the_csrf_token_is_refused(app, writer):
    response = writer.post(
        LIBRARY,
        data={"picture": (io.BytesIO(pictures.png()), "a.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Media.id))) == 0


def test_the_list_is_paged_newest_first(app, writer):
    with app.app_context():
        for n in range(21):
            add_picture(pictures.png(20 + n, 20), f"picture-{n:02}.png")
        db.session.commit()
    first = get_html(writer, LIBRARY)
    names = re.findall(r'<p class="media-name">([^<]+)</p>', first)
    assert names[:2] == ["picture-20.png", "picture-19.png"] and len(names) == 20
    older = re.search(r'<a rel="next" href="([^"]+)">', first)[1].replace("&amp;", "&")
    second = get_html(writer, older)
    assert re.findall(r'<p class="media-name">([^<]+)</p>', second) == ["picture-00.png"]
    assert 'rel="prev"' in second


# --- The request bound ------------------------------------------------------------------------


@pytest.fixture
def staffed(app, writer):
    """An article and an author to edit, and the writer logged in."""
    with app.app_context():
        article = make_article(title="To illustrate")
        author = make_author(name="To portray")
        db.session.commit()
        return article.id, author.id


def form_with_file(client, url: str, containing: str, field: str, data: bytes, **fields):
    html = get_html(client, url)
    sent = MultiDict(served_form(html, containing=containing).submission())
    for name, value in fields.items():
        sent.setlist(name, [value])
    sent.add(field, (io.BytesIO(data), "large.jpg"))
    return client.post(url, **pictures.multipart(sent))


def test_a_5_mb_picture_is_taken_by_every_upload_view(app, writer, staffed):
    article_id, author_id = staffed
    five_mb = 5 * 1024 * 1024
    cases = [
        ("/admin/articles/new", "title", "lead_image", {"title": "New", "body": "Text."}),
        (f"/admin/articles/{article_id}/edit", "title", "lead_image", {}),
        ("/admin/authors/new", "name", "photo", {"name": "New author"}),
        (f"/admin/authors/{author_id}/edit", "name", "photo", {}),
    ]
    for n, (url, containing, field, fields) in enumerate(cases):
        data = pictures.padded_jpeg(five_mb, colour=(n * 40, 100, 100))
        fields.setdefault("lead_image_alt", "A green field")
        response = form_with_file(writer, url, containing, field, data, **fields)
        assert response.status_code == 303, (url, response.status_code)
    assert upload(writer, pictures.padded_jpeg(five_mb, (250, 0, 0))).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Media.id))) == 5
        assert db.session.get(Article, article_id).lead_image is not None
        assert db.session.get(Author, author_id).photo is not None


def test_other_forms_keep_their_small_bound(app, writer, client):
    hundred_kb = "x" * (100 * 1024)
    with app.app_context():
        slug = make_article().slug
        db.session.commit()
    for url in ("/login", f"/articles/{slug}/comments", "/admin/categories"):
        response = client.post(url, data={"body": hundred_kb, "name": hundred_kb})
        assert response.status_code == 413, url
        assert "What you sent is larger than we accept." in response.get_data(as_text=True)


def test_a_request_over_the_upload_bound_is_a_styled_413(app, writer):
    app.config["MEDIA_MAX_UPLOAD_BYTES"] = 1024 * 1024  # the view takes 1 MB + 1 MB of form
    response = upload(writer, pictures.padded_jpeg(2 * 1024 * 1024 + 200_000))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "That picture is too large to upload: at most 1 MB. Nothing was saved." in html
    assert 'class="error-page"' in html and 'class="staff-header"' not in html
    assert "Traceback" not in html
    # Under the request bound but over the picture's: told next to the field.
    response = upload(writer, pictures.padded_jpeg(1536 * 1024))
    assert response.status_code == 422
    assert "The file is larger than 1 MB." in response.get_data(as_text=True)


# --- Serving ------------------------------------------------------------------------------------


def test_served_files_are_cached_for_a_year(app, writer):
    upload(writer, pictures.jpeg(1000, 600), "cached.jpg")
    with app.app_context():
        names = [str(name) for name in db.session.scalar(sa.select(Media)).all_files()]
    for name in names:
        with writer.get(f"/media/{name}") as response:
            assert response.status_code == 200, name
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert response.mimetype == ("image/webp" if name.endswith(".webp") else "image/jpeg")
            etag = response.headers["ETag"]
        with writer.get(f"/media/{name}", headers={"If-None-Match": etag}) as again:
            assert again.status_code == 304


def test_the_database_store_serves_what_it_keeps(tmp_path):
    folder = tmp_path / "shared"
    with app_of_its_own(folder, MEDIA_STORE="database", MEDIA_DIR=str(folder / "media")) as app:
        client = app.test_client()
        with app.app_context():
            make_staff("writer", role="editor")
            db.session.commit()
        log_in(client, "writer")
        assert upload(client, pictures.png(600, 400), "kept.png").status_code == 303
        with app.app_context():
            media = db.session.scalar(sa.select(Media))
            name = str(media.largest)
            kept = db.session.get(MediaFile, name).content
        response = client.get(f"/media/{name}")
        assert response.status_code == 200 and response.data == kept
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert not (folder / "media").exists()


def test_a_picture_with_no_uploader_on_the_staff_says_when_it_was_added(app, writer):
    with app.app_context():
        add_picture(pictures.png(30, 30), "from-the-demo.png")  # as load-demo adds them
        db.session.commit()
    html = get_html(writer, LIBRARY)
    assert re.search(r"<br>\s*Added <time datetime=", html) and "Uploaded by" not in html
