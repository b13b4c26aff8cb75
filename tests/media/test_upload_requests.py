"""The issue's upload rules through the real upload view, as an editor meets them: each file is
chosen in /admin/media/'s form and posted (multipart, with the page's CSRF token), in either
store, on whichever database the suite runs (SQLite, or PostgreSQL with
BLOG_TEST_DATABASE_URL). What the editor sees (the refusal beside the field, or the picture in
the list) and what is kept (the Media row, its format, clean files in the store)."""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image, ImageFile
from werkzeug.datastructures import MultiDict

from blog.extensions import db
from blog.media.processing import NOT_A_PICTURE
from blog.media.store import current_store
from blog.models import Media, MediaFile
from tests.media import pictures
from tests.pages import form_values, get_html

LIBRARY = "/admin/media/"


@pytest.fixture(params=["files", "database"])
def editor(request, app: Flask, writer):
    """The media conftest's logged-in editor, with the site's pictures in either store: the
    folder (tmp_path/media, tests.conftest.fresh_database) or the media_files table."""
    app.config["MEDIA_STORE"] = request.param
    return writer


def upload(client, data: bytes, name: str):
    """Choose a file in the library's form and press Upload."""
    token = form_values(get_html(client, LIBRARY))["csrf_token"]
    fields = MultiDict([("csrf_token", token), ("picture", (io.BytesIO(data), name))])
    return client.post(LIBRARY, **pictures.multipart(fields))


def error_beside_the_field(html: str) -> str:
    """The message shown beside the file field, which the field says describes it."""
    [field] = re.findall(r'<input type="file" id="picture"[^>]*>', html)
    assert 'aria-invalid="true"' in field and "picture-error" in field
    [message] = re.findall(r'<span class="field-error" id="picture-error">([^<]*)</span>', html)
    return unescape(message)


def kept(app: Flask) -> tuple[list[Media], dict[str, bytes]]:
    """The pictures in the library, and every file the store keeps, by name."""
    with app.app_context():
        media = list(db.session.scalars(sa.select(Media)))
        db.session.expunge_all()
        store = current_store()
        return media, {name: store.get(name) for name in store.names()}


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_nothing_kept(app: Flask, tmp_path: Path) -> None:
    """No picture, no file row, no file in the folder."""
    media, files = kept(app)
    assert media == [] and files == {}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MediaFile)) == 0
    assert not list((tmp_path / "media").glob("*"))


def taken(app: Flask, client, data: bytes, name: str) -> tuple[Media, dict[str, bytes]]:
    """Upload a file that must be taken: the editor is sent back to the list, which says so and
    shows it; returns its Media row and its files, each served by /media/ as stored."""
    response = upload(client, data, name)
    assert response.status_code == 303 and response.headers["Location"] == LIBRARY
    html = get_html(client, LIBRARY)
    assert f"{name} is in the library, at the top." in unescape(html)
    [media], files = kept(app)
    assert f'<a class="media-thumb" href="/media/{media.largest}">' in html  # listed
    assert sorted(files) == sorted(str(n) for n in media.all_files())
    for file_name, content in files.items():
        with client.get(f"/media/{file_name}") as served:
            assert served.status_code == 200 and served.data == content
    return media, files


def refused(app: Flask, client, data: bytes, name: str) -> str:
    """Upload a file that must be refused: 422 and the form again; returns the message beside
    the field."""
    response = upload(client, data, name)
    assert response.status_code == 422
    return error_beside_the_field(response.get_data(as_text=True))


def test_a_png_named_jpg_is_taken_as_a_png(app, editor):
    media, files = taken(app, editor, pictures.png(640, 480), "holiday.jpg")
    assert media.format == "png" and media.original_name == "holiday.jpg"
    for file_name, content in files.items():
        assert opened(content).format == ("WEBP" if file_name.endswith(".webp") else "PNG")
    assert {name.rsplit(".", 1)[1] for name in files} == {"png", "webp"}


def test_a_text_file_named_png_is_refused_beside_the_field(app, editor, tmp_path):
    message = refused(app, editor, b"Dear editor, this is not a picture.\n", "cat.png")
    assert message == NOT_A_PICTURE
    assert_nothing_kept(app, tmp_path)


def test_a_20000_by_20000_bomb_is_refused_without_being_decoded(app, editor, tmp_path, monkeypatch):
    bomb = pictures.bomb()
    token = form_values(get_html(editor, LIBRARY))["csrf_token"]

    def never(*_args, **_kwargs):
        raise AssertionError("the bomb was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    fields = MultiDict([("csrf_token", token), ("picture", (io.BytesIO(bomb), "map.png"))])
    response = editor.post(LIBRARY, **pictures.multipart(fields))
    monkeypatch.undo()
    assert response.status_code == 422
    assert "too large" in error_beside_the_field(response.get_data(as_text=True))
    assert_nothing_kept(app, tmp_path)


def test_a_photo_with_gps_exif_is_taken_and_kept_without_it(app, editor):
    upload_bytes = pictures.with_gps(1200, 800)
    assert pictures.CAMERA.encode() in upload_bytes  # the test's own premise
    assert Image.open(io.BytesIO(upload_bytes)).getexif().get_ifd(0x8825)
    media, files = taken(app, editor, upload_bytes, "where-i-live.jpg")
    assert media.format == "jpeg" and len(files) == 6  # 480, 960, 1200 px; JPEG and WebP
    for file_name, content in files.items():
        assert b"Exif" not in content and b"GPS" not in content, file_name
        assert pictures.CAMERA.encode() not in content, file_name
        image = opened(content)
        assert not image.getexif() and "xmp" not in image.info, file_name


def test_a_cmyk_jpeg_is_taken_and_kept_in_rgb_with_its_colours(app, editor):
    media, files = taken(app, editor, pictures.cmyk_red(64), "poster.jpg")
    assert media.format == "jpeg"
    for file_name, content in files.items():
        image = opened(content)
        assert image.mode == "RGB", file_name
        red, green, blue = image.getpixel((32, 32))
        assert red > 220 and green < 40 and blue < 40, (file_name, (red, green, blue))


def test_an_animated_webp_is_refused_beside_the_field(app, editor, tmp_path):
    message = refused(app, editor, pictures.animated_webp(), "spinner.webp")
    assert message == "Animated pictures are not taken: please upload a still image."
    assert_nothing_kept(app, tmp_path)
