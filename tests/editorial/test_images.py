"""Pictures in the editor, over HTTP as a browser sends them (multipart/form-data): a lead image
with its alt text, caption and credit; an upload kept when the rest of the form is refused; a
picture added to the body; an author's photo; and saving untouched still changes nothing."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from blog.editorial.pictures import ALT_PLACEHOLDER, markdown_for, picture_line
from blog.editorial.publishing import ALT_NEEDED, ArticleInput, save_article
from blog.extensions import db
from blog.media.library import add_picture
from blog.media.processing import NOT_A_PICTURE
from blog.models import Article, Author, Media, ModerationAction
from blog.refusals import Refused
from blog.rendering import render_body
from tests.editorial.stored import stored_article
from tests.factories import make_article, make_author, make_staff
from tests.media import pictures
from tests.pages import get_html, log_in, served_form

#: The file inputs of the article form, sent empty by a browser when no file is chosen.
ARTICLE_FILES = ("lead_image", "body_image")


@pytest.fixture
def app(app, tmp_path):
    """The suite's app, its picture files kept in the test's folder."""
    app.config["MEDIA_DIR"] = str(tmp_path / "media")
    return app


@pytest.fixture
def writer(app, client):
    with app.app_context():
        make_staff("writer", role="editor", display_name="Writer")
        make_author(name="Staff Writer", bio="Writes.")
        db.session.commit()
    log_in(client, "writer")
    return client


def served(client, url: str, containing: str = "title", button: str | None = "save") -> MultiDict:
    """What the form sends untouched, with an empty file part per file input (as a browser)."""
    html = get_html(client, url)
    data = MultiDict(served_form(html, containing=containing).submission(button))
    for name in re.findall(r'<input type="file" id="[^"]+" name="([^"]+)"', html):
        data.add(name, (io.BytesIO(b""), ""))
    return data


def send(client, url: str, data: MultiDict, **changes):
    """Post the form with fields changed; a (bytes, name) value is a chosen file."""
    for name, value in changes.items():
        if isinstance(value, tuple):
            value = (io.BytesIO(value[0]), value[1])
        data.setlist(name, [value])
    return client.post(url, **pictures.multipart(data))


def new_article_data(client) -> MultiDict:
    data = served(client, "/admin/articles/new")
    data.setlist("title", ["Harbour lights"])
    data.setlist("body", ["The lights came on at six."])
    data.setlist("status", ["published"])
    return data


def new_article_preview(client) -> MultiDict:
    """The same new article, sent with Preview pressed instead of Save."""
    data = new_article_data(client)
    del data["save"]
    data["preview"] = "1"
    return data


def lead_of(app, article_id: int) -> tuple:
    with app.app_context():
        article = db.session.get(Article, article_id)
        return (
            article.lead_image_id,
            article.lead_image_alt,
            article.lead_image_caption,
            article.lead_image_credit,
            article.featured,
        )


def stored_with_pictures(app, article_id: int) -> dict:
    return {**stored_article(app, article_id), "lead": lead_of(app, article_id)}


def media_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Media.id)))


def only_article_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Article.id))


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<span class="field-error" id="{field}-error">([^<]*)</span>', html)
    assert match, f"no error next to {field}"
    return match[1]


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'<input id="{name}" name="{name}" type="hidden" value="([^"]*)">', html)
    assert match, f"no hidden {name}"
    return match[1]


# --- The lead image ----------------------------------------------------------------------------


def test_a_lead_image_is_saved_with_its_words_and_shown_in_the_editor(app, writer):
    data = new_article_data(writer)
    response = send(
        writer,
        "/admin/articles/new",
        data,
        lead_image=(pictures.jpeg(1200, 800), "harbour.jpg"),
        lead_image_alt="The harbour at dusk, its lamps lit",
        lead_image_caption="The new lamps",
        lead_image_credit="Photo: A. Person",
        featured="y",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    article_id = only_article_id(app)
    media_id, alt, caption, credit, featured = lead_of(app, article_id)
    assert (alt, caption, credit, featured) == (
        "The harbour at dusk, its lamps lit",
        "The new lamps",
        "Photo: A. Person",
        True,
    )
    with app.app_context():
        media = db.session.get(Media, media_id)
        assert media.original_name == "harbour.jpg" and media.width == 1200
        thumbnail = str(media.smallest)
    html = get_html(writer, response.headers["Location"])
    assert 'enctype="multipart/form-data"' in html
    assert thumbnail in html and "The lead image:" in html
    assert hidden_value(html, "lead_image_id") == str(media_id)
    assert 'name="remove_lead_image"' in html


def test_an_upload_without_alt_text_is_kept_while_the_form_is_refused(app, writer):
    data = new_article_data(writer)
    data.setlist("summary", ["Typed before the refusal."])
    response = send(writer, "/admin/articles/new", data, lead_image=(pictures.png(), "lamps.png"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "lead_image_alt") == ALT_NEEDED
    assert "Typed before the refusal." in html and 'value="Harbour lights"' in html
    assert media_count(app) == 1  # committed at once
    with app.app_context():
        media = db.session.scalar(sa.select(Media))
        media_id, thumbnail = media.id, str(media.smallest)
    assert hidden_value(html, "lead_image_id") == str(media_id) and thumbnail in html
    assert only_article_id(app) is None
    # The editor types the alt text and saves, without choosing the file again.
    again = MultiDict(served_form(html, containing="title").submission("save"))
    response = send(writer, "/admin/articles/new", again, lead_image_alt="Lamps on the quay")
    assert response.status_code == 303
    assert lead_of(app, only_article_id(app))[:2] == (media_id, "Lamps on the quay")


def test_a_refused_upload_is_told_next_to_its_field_and_keeps_what_was_typed(app, writer):
    data = new_article_data(writer)
    response = send(
        writer,
        "/admin/articles/new",
        data,
        lead_image=(b"not a picture at all", "lamps.png"),
        lead_image_alt="Lamps",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "lead_image") == NOT_A_PICTURE
    assert 'value="Harbour lights"' in html and 'value="Lamps"' in html
    assert "The article was not saved." in html
    assert media_count(app) == 0 and only_article_id(app) is None


def test_a_png_named_jpg_goes_through_the_editor_as_a_png(app, writer):
    response = send(
        writer,
        "/admin/articles/new",
        new_article_data(writer),
        lead_image=(pictures.png(80, 60), "really-a-png.jpg"),
        lead_image_alt="A red square",
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(Media.format)) == "png"


@pytest.fixture
def illustrated(app) -> int:
    """A published article with a lead image, caption and credit."""
    with app.app_context():
        media = add_picture(pictures.jpeg(640, 480), "quay.jpg")
        article = make_article(
            title="Quay reopens",
            lead_image=media,
            lead_image_alt="The quay with its new benches",
            lead_image_caption="Benches at last",
            lead_image_credit="Photo: Staff",
            featured=True,
        )
        db.session.commit()
        return article.id


def audit_entries(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(ModerationAction.id)))


def test_saving_an_untouched_illustrated_article_changes_nothing(app, writer, illustrated):
    before = stored_with_pictures(app, illustrated)
    entries = audit_entries(app)
    url = f"/admin/articles/{illustrated}/edit"
    response = send(writer, url, served(writer, url))
    assert response.status_code == 303
    assert "Nothing changed, so nothing was saved." in get_html(
        writer, response.headers["Location"]
    )
    assert stored_with_pictures(app, illustrated) == before  # updated_at included
    assert audit_entries(app) == entries


def test_removing_the_lead_image_drops_its_words(app, writer, illustrated):
    url = f"/admin/articles/{illustrated}/edit"
    response = send(writer, url, served(writer, url), remove_lead_image="y")
    assert response.status_code == 303
    assert lead_of(app, illustrated) == (None, "", "", "", True)
    assert media_count(app) == 1  # still in the library
    assert "The lead image:" not in get_html(writer, url)


def test_a_new_upload_replaces_the_lead_image(app, writer, illustrated):
    url = f"/admin/articles/{illustrated}/edit"
    before = lead_of(app, illustrated)[0]
    response = send(
        writer, url, served(writer, url), lead_image=(pictures.png(300, 200), "new.png")
    )
    assert response.status_code == 303
    after = lead_of(app, illustrated)
    assert after[0] not in (None, before) and after[1] == "The quay with its new benches"


def test_a_lead_image_needs_alt_text_when_saved(app, writer, illustrated):
    url = f"/admin/articles/{illustrated}/edit"
    response = send(writer, url, served(writer, url), lead_image_alt="  ")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "lead_image_alt") == ALT_NEEDED


def test_a_picture_no_longer_in_the_library_is_refused(app, writer, illustrated):
    url = f"/admin/articles/{illustrated}/edit"
    response = send(writer, url, served(writer, url), lead_image_id="999999")
    assert response.status_code == 422
    assert "no longer in the media library" in response.get_data(as_text=True)


def test_preview_shows_an_upload_as_the_lead_image_and_saves_nothing(app, writer):
    data = new_article_preview(writer)
    response = send(
        writer,
        "/admin/articles/new",
        data,
        lead_image=(pictures.jpeg(900, 600), "preview.jpg"),
        lead_image_alt="Lamps in the preview",
        lead_image_caption="Shown before saving",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    preview = html.split('class="editor-preview-page"')[1].split("</section>")[0]
    with app.app_context():
        media = db.session.scalar(sa.select(Media))
        assert str(media.largest) in preview
    assert 'alt="Lamps in the preview"' in preview and "Shown before saving" in preview
    assert only_article_id(app) is None


# --- Pictures in the body ----------------------------------------------------------------------


def test_a_body_picture_is_added_at_the_end_and_the_editor_is_told(app, writer):
    data = new_article_data(writer)
    response = send(
        writer,
        "/admin/articles/new",
        data,
        body_image=(pictures.jpeg(2000, 1000), "crowd.jpg"),
        body_image_alt="A crowd [cheering] on the quay",
    )
    assert response.status_code == 303
    with app.app_context():
        article = db.session.scalar(sa.select(Article))
        media = db.session.scalar(sa.select(Media))
        line = rf"![A crowd \[cheering\] on the quay](/media/{media.largest})"
        assert article.body_markdown == f"The lights came on at six.\n\n{line}\n"
        assert f'<source type="image/webp" srcset="/media/{media.files("webp")[0]}' in (
            article.body_html
        )
        assert 'alt="A crowd [cheering] on the quay"' in article.body_html
        assert article.lead_image_id is None
    page = get_html(writer, response.headers["Location"])
    assert "The picture was added at the end of the body" in page
    assert f"as the line {line} — move that line to where the picture belongs." in unescape(page)


def test_preview_shows_where_a_body_picture_went(app, writer):
    data = new_article_preview(writer)
    response = send(
        writer,
        "/admin/articles/new",
        data,
        body_image=(pictures.png(500, 300), "chart.png"),
        body_image_alt="Chart of ferry crossings",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "The picture was added at the end of the body" in html
    with app.app_context():
        name = str(db.session.scalar(sa.select(Media)).largest)
    body = served_form(html, containing="title").submission("save")
    assert dict(body)["body"].endswith(f"![Chart of ferry crossings](/media/{name})\r\n")
    preview = html.split('class="editor-preview-page"')[1].split("</section>")[0]
    assert f"/media/{name} 500w" in preview and 'alt="Chart of ferry crossings"' in preview


def test_a_body_picture_without_alt_text_waits_for_it(app, writer):
    data = new_article_data(writer)
    response = send(writer, "/admin/articles/new", data, body_image=(pictures.png(), "untold.png"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "body_image_alt") == ALT_NEEDED
    assert "Uploaded, waiting for its alt text:" in html
    again = MultiDict(served_form(html, containing="title").submission("save"))
    response = send(writer, "/admin/articles/new", again, body_image_alt="A red square")
    assert response.status_code == 303
    with app.app_context():
        assert "![A red square](/media/" in db.session.scalar(sa.select(Article.body_markdown))


# --- Authors' photos -----------------------------------------------------------------------------


def test_an_authors_photo_is_uploaded_shown_and_removed(app, writer):
    with app.app_context():
        author_id = db.session.scalar(sa.select(Author.id))
    url = f"/admin/authors/{author_id}/edit"
    data = served(writer, url, containing="name", button=None)
    response = send(writer, url, data, photo=(pictures.jpeg(400, 400), "me.jpg"))
    assert response.status_code == 303
    with app.app_context():
        author = db.session.get(Author, author_id)
        assert author.photo is not None and author.photo.original_name == "me.jpg"
        thumbnail = str(author.photo.smallest)
    html = get_html(writer, url)
    assert 'enctype="multipart/form-data"' in html and thumbnail in html
    assert "Their photo:" in html and 'name="remove_photo"' in html
    # Untouched, it stays; removed, it goes (from the author, not from the library).
    assert send(writer, url, served(writer, url, containing="name", button=None)).status_code == 303
    with app.app_context():
        assert db.session.get(Author, author_id).photo is not None
    untouched = served(writer, url, containing="name", button=None)
    removed = send(writer, url, untouched, remove_photo="y")
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.get(Author, author_id).photo is None
    assert media_count(app) == 1


def test_a_refused_photo_keeps_the_typed_author(app, writer):
    response = send(
        writer,
        "/admin/authors/new",
        served(writer, "/admin/authors/new", containing="name", button=None),
        name="Ines Arroyo",
        photo=(b"GIF89a not really", "ines.png"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "photo") == NOT_A_PICTURE and 'value="Ines Arroyo"' in html
    with app.app_context():
        assert db.session.scalar(sa.select(Author).where(Author.name == "Ines Arroyo")) is None


def test_a_photo_uploaded_with_a_refused_author_is_kept(app, writer):
    with app.app_context():
        make_author(name="Taken Name").slug = "taken"
        db.session.commit()
    response = send(
        writer,
        "/admin/authors/new",
        served(writer, "/admin/authors/new", containing="name", button=None),
        name="Someone",
        slug="taken",
        photo=(pictures.png(200, 200), "someone.png"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "already taken" in html
    again = MultiDict(served_form(html, containing="name").submission())
    response = send(writer, "/admin/authors/new", again, slug="someone")
    assert response.status_code == 303
    with app.app_context():
        author = db.session.scalar(sa.select(Author).where(Author.slug == "someone"))
        assert author.photo is not None and author.photo.original_name == "someone.png"


# --- The rules, without HTTP -------------------------------------------------------------------


def test_the_line_for_a_picture_escapes_its_alt_text(app):
    with app.app_context():
        media = add_picture(pictures.png(700, 400), "x.png")
        name = str(media.largest)
        assert markdown_for(media, "A *bold* [claim]\\ with <b>tags</b>") == (
            rf"![A \*bold\* \[claim\]\\ with \<b\>tags\</b\>](/media/{name})"
        )
        assert picture_line(media, 'Say "cheese" & <smile>', "html") == (
            f'<p><img src="/media/{name}" alt="Say &#34;cheese&#34; &amp; &lt;smile&gt;"></p>'
        )
        html = render_body(markdown_for(media, "A *bold* [claim]\\ with <b>tags</b>"), None)
        assert 'alt="A *bold* [claim]\\ with &lt;b&gt;tags&lt;/b&gt;"' in html


def test_a_body_with_the_librarys_placeholder_alt_text_is_refused(app):
    with app.app_context():
        author = make_author()
        db.session.commit()
        data = ArticleInput(
            title="Pasted",
            body_markdown=f"Text.\n\n![{ALT_PLACEHOLDER}](/media/x.png)\n",
            author_id=author.id,
        )
        with pytest.raises(Refused) as refused:
            save_article(None, data)
        assert refused.value.field == "body"
        assert "still says “Describe the picture”" in str(refused.value)


def test_the_editor_says_how_long_a_featured_story_leads(writer):
    html = get_html(writer, "/admin/articles/new")
    assert (
        "The newest featured story leads the front page while it is among the latest 50 "
        "stories; without one, the newest with a lead image leads."
    ) in html
