"""An article imported from WordPress in the editor: its body shown as the HTML it is, saved
unchanged without a trace, re-sanitised when edited, previewed as HTML; Markdown as before."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from blog.extensions import db
from blog.models import Article, ModerationAction
from tests.editorial.stored import stored_article
from tests.factories import make_article, make_staff
from tests.pages import get_html, log_in, served_form
from tests.porting.wxr import Item, write_wxr

BODY = """The quay reopens.
Everyone came.

<h2>What changed</h2>
<ul>
<li>A <a href="https://example.org/terrace">terrace</a></li>
</ul>
<blockquote>At last.</blockquote>
<img src="https://old.example.org/cafe.jpg" alt="The café" />"""


@pytest.fixture
def imported(app, tmp_path) -> int:
    """An article imported from a WordPress export, and an editor logged in."""
    path = write_wxr(
        tmp_path / "export.xml", [Item(1, title="Quay reopens", post_name="quay", content=BODY)]
    )
    assert app.test_cli_runner().invoke(args=["import-wordpress", str(path)]).exit_code == 0
    with app.app_context():
        make_staff("writer", role="editor")
        db.session.commit()
        return db.session.scalar(sa.select(Article.id))


@pytest.fixture
def writer(client, imported):
    log_in(client, "writer")
    return client


def edit_form(client, article_id: int) -> tuple[str, MultiDict]:
    html = get_html(client, f"/admin/articles/{article_id}/edit")
    return html, MultiDict(served_form(html, containing="title").submission("save"))


def audit_entries(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(ModerationAction.id)))


def test_the_form_shows_the_html_source_and_says_it_is_html(app, writer, imported):
    html, data = edit_form(writer, imported)
    with app.app_context():
        stored = db.session.get(Article, imported).body_markdown
    assert data["body"] == stored.replace("\n", "\r\n")  # as a browser sends it back
    assert "<p>The quay reopens.<br>" in data["body"]
    assert '<label for="body">Body (HTML)' in html
    assert 'aria-describedby="body-format"' in html
    assert "This body is HTML, imported from WordPress" in html


def test_saving_it_unchanged_changes_nothing(app, writer, imported):
    before = stored_article(app, imported)
    entries = audit_entries(app)
    _, data = edit_form(writer, imported)
    response = writer.post(f"/admin/articles/{imported}/edit", data=data)
    assert response.status_code == 303
    assert "Nothing changed, so nothing was saved." in get_html(
        writer, response.headers["Location"]
    )
    assert stored_article(app, imported) == before  # updated_at included
    assert audit_entries(app) == entries


def test_an_edit_is_sanitised_again_and_keeps_the_format(app, writer, imported):
    _, data = edit_form(writer, imported)
    data["body"] = (
        data["body"] + "\r\n<h1>Late news</h1><script>alert(1)</script>"
        '<p onclick="x()">Fares <em>stay</em> the same.</p>'
    )
    response = writer.post(f"/admin/articles/{imported}/edit", data=data)
    assert response.status_code == 303
    with app.app_context():
        article = db.session.get(Article, imported)
        assert article.body_format == "html"
        assert article.body_markdown.endswith(
            "<h2>Late news</h2><p>Fares <em>stay</em> the same.</p>"
        )
        assert "script" not in article.body_markdown and "onclick" not in article.body_markdown
        assert article.body_html == article.body_markdown
    assert audit_entries(app) == 1  # "update"
    page = get_html(writer, "/articles/quay")
    assert "<h2>Late news</h2>" in page and "<li>A <a href" in page


def test_the_preview_renders_the_html(app, writer, imported):
    _, data = edit_form(writer, imported)
    del data["save"]
    data["preview"] = "1"
    data["body"] = "<p>Previewed <strong>bold</strong></p><script>x()</script>"
    html = writer.post(f"/admin/articles/{imported}/edit", data=data).get_data(as_text=True)
    preview = html.split('class="editor-preview-page"')[1].split("</section>")[0]
    assert "<p>Previewed <strong>bold</strong></p>" in preview and "x()" not in preview
    assert "&lt;p&gt;" not in preview


def test_a_markdown_article_is_edited_as_before(app, writer):
    with app.app_context():
        article = make_article(body_markdown="Some *Markdown*.")
        db.session.commit()
        article_id = article.id
    html, data = edit_form(writer, article_id)
    assert '<label for="body">Body (Markdown)' in html and "imported from WordPress" not in html
    data["body"] = "Now <b>with</b> **more**."
    assert writer.post(f"/admin/articles/{article_id}/edit", data=data).status_code == 303
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article.body_format == "markdown"
        assert article.body_markdown == "Now <b>with</b> **more**."
        assert "<strong>more</strong>" in article.body_html and "<b>" not in article.body_html
