"""What an upload holds while it is processed, and what its form refuses that the whole-body
UTF-8 check (left out for upload views) would have."""

from __future__ import annotations

import io
import sqlite3

import pytest
from sqlalchemy.engine import make_url
from werkzeug.datastructures import MultiDict

from blog.extensions import db
from blog.media import library
from blog.models import Media
from tests.conftest import SERVER_DATABASE_URL
from tests.media import pictures
from tests.pages import form_values, get_html

LIBRARY = "/admin/media/"


@pytest.mark.skipif(bool(SERVER_DATABASE_URL), reason="SQLite's write lock (a server locks rows)")
def test_no_write_lock_is_held_while_a_picture_is_processed(app, writer, monkeypatch):
    """Another writer (a comment, a login) can commit while an editor's photo is decoded and
    encoded: the request's transaction holding SQLite's write lock has ended by then."""
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    written_meanwhile = []
    process = library.process_upload

    def process_while_another_writes(data, limits):
        other = sqlite3.connect(database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" if the request held it
            other.execute("UPDATE staff SET display_name = 'Wren W.' WHERE username = 'writer'")
            other.execute("COMMIT")
            written_meanwhile.append(True)
        finally:
            other.close()
        return process(data, limits)

    monkeypatch.setattr(library, "process_upload", process_while_another_writes)
    token = form_values(get_html(writer, LIBRARY))["csrf_token"]
    fields = MultiDict([("csrf_token", token), ("picture", (io.BytesIO(pictures.jpeg()), "a.jpg"))])
    response = writer.post(LIBRARY, **pictures.multipart(fields))
    assert response.status_code == 303
    assert written_meanwhile == [True]
    with app.app_context():
        assert db.session.query(Media).count() == 1


def test_text_that_is_not_utf8_in_an_upload_form_is_refused_next_to_its_field(app, writer):
    html = get_html(writer, "/admin/authors/new")
    token = form_values(html)["csrf_token"]
    body = pictures.multipart(
        MultiDict([("csrf_token", token), ("name", "Ines"), ("bio", "Caf\xe9")])
    )
    raw = body["data"].replace("Caf\xe9".encode(), b"Caf\xe9")  # Latin-1, not UTF-8
    assert b"Caf\xe9\r\n" in raw
    response = writer.post("/admin/authors/new", data=raw, content_type=body["content_type"])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This text did not arrive as valid UTF-8: please type it again." in page
