"""The staff pages that show pictures are valid HTML, and their stylesheet valid CSS, as the
Nu Html Checker reads them (tests/test_html_validity.py runs it; skipped without it, as there)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from blog.extensions import db
from blog.media.library import add_picture
from tests.factories import make_article, make_author, make_staff
from tests.media import pictures
from tests.pages import get_html, log_in, served_form
from tests.test_html_validity import _checker, _errors

STYLESHEET = Path(__file__).parents[2] / "blog/static/staff-media.css"


def test_the_picture_pages_are_valid_html(app, client, tmp_path):
    _checker()
    with app.app_context():
        make_staff("desk", role="admin")
        photo = add_picture(pictures.jpeg(400, 400), "portrait.jpg")
        lead = add_picture(pictures.jpeg(1200, 800), "lead & <more>.jpg")
        author = make_author(name="Pictured")
        author.photo = photo
        article = make_article(author=author, lead_image=lead, lead_image_alt="A lead")
        db.session.commit()
        article_id, author_id = article.id, author.id
    log_in(client, "desk")
    edit = f"/admin/articles/{article_id}/edit"
    pages = {
        "library": get_html(client, "/admin/media/"),
        "article with a lead image": get_html(client, edit),
        "author with a photo": get_html(client, f"/admin/authors/{author_id}/edit"),
        "new author": get_html(client, "/admin/authors/new"),
    }
    sent = MultiDict(
        served_form(pages["article with a lead image"], containing="title").submission()
    )
    sent.setlist("lead_image_alt", [""])
    sent.add("body_image", (pictures.png(), "body.png"))
    refused = client.post(edit, **pictures.multipart(sent))
    assert refused.status_code == 422
    pages["article refused, a body picture waiting"] = refused.get_data(as_text=True)
    assert "Uploaded, waiting for its alt text:" in pages["article refused, a body picture waiting"]
    app.config["MEDIA_MAX_UPLOAD_BYTES"] = 100
    too_large = client.post(edit, data={"x": "y" * (1024 * 1024 + 200)})
    assert too_large.status_code == 413
    pages["413 of an upload view"] = too_large.get_data(as_text=True)
    files = {}
    for number, (name, html) in enumerate(pages.items()):
        path = tmp_path / f"page-{number:02}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = name
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.text("media"))) == 3
    errors = _errors([str(tmp_path / file) for file in files], files)
    assert not errors, "\n".join(errors)


def test_the_stylesheet_is_valid_css():
    _checker()
    errors = _errors(["--css", str(STYLESHEET)])
    assert not errors, "\n".join(errors)
