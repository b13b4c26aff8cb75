"""Writing over HTTP: roles, the article form, preview, schedule, unpublish, delete, authors."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from blog.extensions import db
from blog.models import Article, Author, Category, Tag, utcnow
from blog.templating import human_datetime
from tests.editorial.stored import stored_article
from tests.factories import (
    make_article,
    make_author,
    make_category,
    make_comment,
    make_staff,
    make_tag,
)
from tests.pages import (
    csrf_token,
    form_values,
    get_html,
    log_in,
    served_form,
    served_forms,
    tags,
)


@pytest.fixture
def writer(app, client):
    with app.app_context():
        make_staff("writer", role="editor", display_name="Writer")
        make_author(name="Staff Writer", bio="Writes.")
        make_category(name="City")
        db.session.commit()
    log_in(client, "writer")
    return client


def ids(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(sa.select(Author.id)),
            db.session.scalar(sa.select(sa.text("id")).select_from(sa.text("categories"))),
        )


def article_data(app, **fields) -> dict:
    author_id, category_id = ids(app)
    return {
        "title": "Night buses return",
        "slug": "",
        "summary": "After two years.",
        "body": "The first paragraph.\n\nThe second.",
        "source_name": "",
        "source_url": "",
        "author_id": author_id,
        "category_id": category_id,
        "tags": "transport, night",
        "status": "draft",
        "published_at": "",
        "comments_open": "y",
        **fields,
    }


def post_article(client, app, url="/admin/articles/new", **fields):
    data = {"csrf_token": csrf_token(client), **article_data(app, **fields)}
    return client.post(url, data=data)


def test_moderators_cannot_write(app, client):
    with app.app_context():
        make_staff("mod", role="moderator")
        db.session.commit()
    log_in(client, "mod")
    for url in ("/admin/articles", "/admin/articles/new", "/admin/authors", "/admin/tags"):
        assert client.get(url).status_code == 403, url
    assert "/admin/articles" not in get_html(client, "/admin/")


def test_a_draft_is_saved_and_stays_hidden(app, writer, client):
    response = post_article(writer, app)
    assert response.status_code == 303
    with app.app_context():
        article = db.session.scalar(sa.select(Article))
        assert (article.slug, article.status) == ("night-buses-return", "draft")
        assert sorted(t.name for t in article.tags) == ["night", "transport"]
        assert "<p>The second.</p>" in article.body_html
    anonymous = app.test_client()
    anonymous.get("/articles/night-buses-return")
    assert anonymous.get("/articles/night-buses-return").status_code == 404
    assert "Draft saved." in get_html(writer, response.headers["Location"])


def test_publishing_shows_it_to_readers(app, writer):
    post_article(writer, app, status="published")
    reader = app.test_client()
    assert "Night buses return" in get_html(reader, "/")
    assert "Night buses return" in get_html(reader, "/search?q=night+buses")


def test_a_scheduled_article_waits_for_its_time(app, writer):
    later = utcnow() + timedelta(hours=3)
    response = post_article(
        writer, app, status="published", published_at=later.strftime("%Y-%m-%dT%H:%M")
    )
    message = f"Article scheduled for {human_datetime(later)} UTC."
    assert message in get_html(writer, response.headers["Location"])
    reader = app.test_client()
    assert reader.get("/articles/night-buses-return").status_code == 404
    with app.app_context():
        article = db.session.scalar(sa.select(Article))
        article.published_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert reader.get("/articles/night-buses-return").status_code == 200
    html = get_html(writer, "/admin/articles?state=published")
    assert "Night buses return" in html


def test_preview_renders_like_the_reader_page_and_saves_nothing(app, writer):
    data = {
        "csrf_token": csrf_token(writer),
        **article_data(app, body="# Heading\n\n*Bold* move."),
        "preview": "1",
    }
    response = writer.post("/admin/articles/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h1 class="headline">Night buses return</h1>' in html
    assert "<h2>Heading</h2>" in html and "<em>Bold</em> move." in html
    assert "Preview" in html and "Staff Writer" in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Tag.id))) == 0


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": ""}, "title", "Please give a title."),
        ({"body": ""}, "body", "Please write the body."),
        ({"source_url": "javascript:alert(1)"}, "source_url", "http:// or https://"),
        ({"published_at": "not a time"}, "published_at", "Not a valid datetime value"),
    ],
)
def test_refused_articles_keep_every_typed_value(app, writer, fields, field, message):
    response = post_article(writer, app, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    values = form_values(html)
    assert values["tags"] == "transport, night"
    if field != "title":
        assert values["title"] == "Night buses return"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 0


def test_a_slug_clash_is_a_clear_error(app, writer):
    with app.app_context():
        make_article(title="Older", slug="night-buses-return")
        db.session.commit()
    response = post_article(writer, app)
    assert response.status_code == 422
    assert "already used by &#34;Older&#34;" in response.get_data(as_text=True)


def test_editing_after_publication_shows_updated(app, writer):
    with app.app_context():
        article = make_article(title="Old news", published_at=utcnow() - timedelta(days=2))
        db.session.commit()
        article_id, slug = article.id, article.slug
    page = get_html(writer, f"/admin/articles/{article_id}/edit")
    values = form_values(page)
    assert values["title"] == "Old news"
    post_article(
        writer,
        app,
        url=f"/admin/articles/{article_id}/edit",
        title="Old news",
        slug=slug,
        status="published",
        published_at=values["published_at"],
    )
    html = get_html(app.test_client(), f"/articles/{slug}")
    assert 'class="updated">Updated <time' in html


def test_unpublish_and_delete_ask_first(app, writer):
    with app.app_context():
        article = make_article(title="Short lived")
        make_comment(article)
        make_comment(article, status="pending")
        db.session.commit()
        article_id, slug = article.id, article.slug
    token = csrf_token(writer)
    confirm = writer.post(f"/admin/articles/{article_id}/unpublish", data={"csrf_token": token})
    assert "Unpublish" in confirm.get_data(as_text=True)
    assert app.test_client().get(f"/articles/{slug}").status_code == 200
    writer.post(
        f"/admin/articles/{article_id}/unpublish", data={"csrf_token": token, "confirmed": "yes"}
    )
    assert app.test_client().get(f"/articles/{slug}").status_code == 404
    confirm = writer.post(f"/admin/articles/{article_id}/delete", data={"csrf_token": token})
    assert "its 2 comments will go with it" in confirm.get_data(as_text=True)
    writer.post(
        f"/admin/articles/{article_id}/delete", data={"csrf_token": token, "confirmed": "yes"}
    )
    with app.app_context():
        assert db.session.get(Article, article_id) is None


def test_the_article_list_filters_and_searches(app, writer):
    with app.app_context():
        make_article(title="Published one")
        make_article(title="Draft one", status="draft")
        make_article(title="Scheduled one", published_at=utcnow() + timedelta(days=1))
        db.session.commit()
    assert "Draft one" in get_html(writer, "/admin/articles")
    drafts = get_html(writer, "/admin/articles?state=draft")
    assert "Draft one" in drafts and "Published one" not in drafts
    scheduled = get_html(writer, "/admin/articles?state=scheduled")
    assert "Scheduled one" in scheduled and "Draft one" not in scheduled
    found = get_html(writer, "/admin/articles?q=published")
    assert "Published one" in found and "Draft one" not in found


def test_authors_are_created_edited_and_only_deleted_when_empty(app, writer):
    token = csrf_token(writer)
    writer.post(
        "/admin/authors/new",
        data={"csrf_token": token, "name": "Nell Fisher", "slug": "", "bio": "Covers the coast."},
    )
    with app.app_context():
        nell = db.session.scalar(sa.select(Author).where(Author.slug == "nell-fisher"))
        assert nell.bio == "Covers the coast."
        busy = make_article().author
        db.session.commit()
        nell_id, busy_id = nell.id, busy.id
    writer.post(f"/admin/authors/{busy_id}/delete", data={"csrf_token": token})
    assert "reassign them" in get_html(writer, "/admin/authors")
    writer.post(f"/admin/authors/{nell_id}/delete", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Author, nell_id) is None
        assert db.session.get(Author, busy_id) is not None


def test_tags_are_renamed_and_merged(app, writer):
    post_article(writer, app, status="published", tags="buses, bus")
    with app.app_context():
        bus = db.session.scalar(sa.select(Tag).where(Tag.slug == "bus"))
        buses = db.session.scalar(sa.select(Tag).where(Tag.slug == "buses"))
        bus_id, buses_id = bus.id, buses.id
    token = csrf_token(writer)
    writer.post(
        f"/admin/tags/{buses_id}/rename",
        data={"csrf_token": token, "name": "Night buses", "slug": ""},
    )
    writer.post(f"/admin/tags/{bus_id}/merge", data={"csrf_token": token, "target_id": buses_id})
    with app.app_context():
        assert db.session.scalars(sa.select(Tag.slug)).all() == ["night-buses"]
    assert "/tag/night-buses" in get_html(app.test_client(), "/articles/night-buses-return")


# --- Forms sent back exactly as served change nothing ---------------------------------------


def served_data(
    client, url: str, button: str | None = None, containing: str = "title"
) -> MultiDict:
    """What the form at url that has `containing` sends when `button` is pressed, untouched."""
    form = served_form(get_html(client, url), containing=containing)
    return MultiDict(form.submission(button))


def resubmit(client, url: str, containing: str, button: str | None = None):
    """Open url (a form posting to itself), and send the form back exactly as it was served."""
    return client.post(url, data=served_data(client, url, button, containing))


@pytest.fixture
def full_article(app) -> int:
    """A published article that uses every field the editor has, comments closed."""
    with app.app_context():
        article = make_article(
            title="Council adopts the budget",
            slug="council-adopts-the-budget",
            summary="A standfirst\nover two lines.",
            body_markdown="First paragraph.\n\n## Figures\n\n- one\n- two\n",
            author=make_author(name="Maren Holt", bio="Maren covers the council.\nAnd budgets."),
            source_name="Council minutes",
            source_url="https://example.org/minutes",
            category=make_category(name="Politics"),
            tags=[make_tag(name="budgets"), make_tag(name="council")],
            comments_open=False,
            # Seconds and microseconds that the form's minute field cannot show.
            published_at=utcnow().replace(second=42, microsecond=1234) - timedelta(days=3),
        )
        make_category(name="Sport")
        db.session.commit()
        return article.id


def test_saving_an_untouched_article_changes_nothing(app, writer, full_article):
    before = stored_article(app, full_article)
    with app.app_context():
        tags_before = db.session.scalar(sa.select(sa.func.count(Tag.id)))
    response = resubmit(writer, f"/admin/articles/{full_article}/edit", containing="title")
    assert response.status_code == 303
    assert stored_article(app, full_article) == before
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Tag.id))) == tags_before


def test_the_editor_shows_tags_by_name(app, writer, full_article):
    values = form_values(get_html(writer, f"/admin/articles/{full_article}/edit"))
    assert values["tags"] == "budgets, council"


def test_saving_an_untouched_draft_changes_nothing(app, writer):
    with app.app_context():
        article = make_article(title="Unfinished", status="draft", tags=[make_tag(name="later")])
        db.session.commit()
        article_id = article.id
    before = stored_article(app, article_id)
    resubmit(writer, f"/admin/articles/{article_id}/edit", containing="title")
    assert stored_article(app, article_id) == before


def test_saving_an_untouched_author_changes_nothing(app, writer, full_article):
    with app.app_context():
        author = db.session.get(Article, full_article).author
        author_id, before = author.id, (author.name, author.slug, author.bio)
    response = resubmit(writer, f"/admin/authors/{author_id}/edit", containing="name")
    assert response.status_code == 303
    with app.app_context():
        author = db.session.get(Author, author_id)
        assert (author.name, author.slug, author.bio) == before


@pytest.mark.parametrize("kind", ["categories", "tags"])
def test_renaming_to_the_served_name_changes_nothing(app, writer, full_article, kind):
    model = Category if kind == "categories" else Tag
    with app.app_context():
        before = db.session.execute(sa.select(model.id, model.name, model.slug)).all()
    renames = [
        form
        for form in served_forms(get_html(writer, f"/admin/{kind}"))
        if form.action.endswith("/rename")
    ]
    assert len(renames) == len(before)
    for form in renames:
        writer.post(form.action, data=MultiDict(form.submission()))
    with app.app_context():
        assert db.session.execute(sa.select(model.id, model.name, model.slug)).all() == before


# --- Preview on the editor's page -------------------------------------------------------------


def test_preview_shows_above_the_form_with_every_field_kept(app, writer, full_article):
    url = f"/admin/articles/{full_article}/edit"
    typed = served_data(writer, url, "preview")
    typed["body"] = "Changed, see [the minutes](https://example.org/minutes) and [below](#x)."
    response = writer.post(url, data=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    preview = html[html.index('class="editor-preview"') : html.index('id="article-form"')]
    assert '<h1 class="headline">Council adopts the budget</h1>' in preview
    assert "A standfirst\nover two lines." in preview and "Maren Holt" in preview
    # Nothing in the preview leads away from the unsaved form: links open a new tab.
    links = tags(preview, "a")
    assert links and all(
        a["href"].startswith("#") or (a.get("target") == "_blank" and "noopener" in a["rel"])
        for a in links
    )
    assert {"tag", "noopener", "noreferrer"} <= set(
        next(a for a in links if a["href"] == "/tag/budgets")["rel"].split()
    )
    # The form comes back as typed, ready to save from here.
    # (The CSRF token is signed anew with each page, so it is left out of the comparison.)
    again = served_form(html, containing="title")
    assert [pair for pair in again.submission("save") if pair[0] != "csrf_token"] == [
        *[pair for pair in typed.items(multi=True) if pair[0] not in ("preview", "csrf_token")],
        ("save", "1"),
    ]
    with app.app_context():
        assert db.session.get(Article, full_article).body_markdown.startswith("First paragraph.")
    response = writer.post(url, data=MultiDict(again.submission("save")))
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Article, full_article).body_markdown.startswith("Changed, see")


def test_a_refused_preview_shows_the_errors_not_the_preview(app, writer):
    response = post_article(writer, app, title="", preview="1")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "editor-preview" not in html and 'id="title-error"' in html


# --- What Save says ---------------------------------------------------------------------------


def test_resaving_a_published_article_says_updated(app, writer, full_article):
    url = f"/admin/articles/{full_article}/edit"
    data = served_data(writer, url, "save")
    data["title"] = "Council adopts the budget, at last"
    response = writer.post(url, data=data)
    html = get_html(writer, response.headers["Location"])
    assert "Article updated." in html and "Article published." not in html
    untouched = resubmit(writer, url, containing="title", button="save")
    assert "Nothing changed, so nothing was saved." in get_html(
        writer, untouched.headers["Location"]
    )


def test_an_editor_publishing_is_in_the_audit_log(app, writer):
    from blog.models import ModerationAction, Staff

    response = post_article(writer, app, status="published")
    assert "Article published." in get_html(writer, response.headers["Location"])
    with app.app_context():
        entry = db.session.scalar(sa.select(ModerationAction))
        writer_id = db.session.scalar(sa.select(Staff.id).where(Staff.username == "writer"))
        assert (entry.action, entry.staff_id, entry.detail) == (
            "publish",
            writer_id,
            "Night buses return",
        )


# --- Changing a slug --------------------------------------------------------------------------


def test_a_changed_slug_keeps_old_links_working(app, writer, full_article):
    url = f"/admin/articles/{full_article}/edit"
    data = served_data(writer, url, "save")
    data["slug"] = "budget-adopted"
    writer.post(url, data=data)
    reader = app.test_client()
    old = reader.get("/articles/council-adopts-the-budget")
    assert (old.status_code, old.headers["Location"]) == (301, "/articles/budget-adopted")
    assert "Council adopts the budget" in get_html(reader, "/articles/budget-adopted")


def test_a_new_article_cannot_take_an_old_slug(app, writer, full_article):
    url = f"/admin/articles/{full_article}/edit"
    data = served_data(writer, url, "save")
    data["slug"] = "budget-adopted"
    writer.post(url, data=data)
    response = post_article(writer, app, title="Council adopts the budget")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<span class="field-error" id="slug-error">' in html
    assert "was used by &#34;Council adopts the budget&#34; before" in html
    assert form_values(html)["title"] == "Council adopts the budget"


# --- Categories and tags ----------------------------------------------------------------------


def test_categories_are_added_and_a_refused_one_comes_back(app, writer):
    token = csrf_token(writer)
    response = writer.post(
        "/admin/categories", data={"csrf_token": token, "name": "Harbour", "slug": ""}
    )
    assert "Category Harbour added." in get_html(writer, response.headers["Location"])
    response = writer.post(
        "/admin/categories", data={"csrf_token": token, "name": "Harbour news", "slug": "harbour"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="new-slug-error">The slug &#34;harbour&#34; is already taken.' in html
    form = next(f for f in served_forms(html) if f.action == "/admin/categories")
    assert dict(form.fields)["name"] == "Harbour news" and dict(form.fields)["slug"] == "harbour"
    response = writer.post("/admin/categories", data={"csrf_token": token, "name": ""})
    assert response.status_code == 422
    assert 'id="new-name-error">A name is needed.' in response.get_data(as_text=True)
    with app.app_context():
        names = db.session.scalars(sa.select(Category.name).order_by(Category.name)).all()
        assert names == ["City", "Harbour"]


def test_a_refused_rename_or_merge_comes_back_with_its_message(app, writer):
    with app.app_context():
        first, second = make_category(name="Sport"), make_category(name="Arts")
        db.session.commit()
        first_id, second_slug = first.id, second.slug
    token = csrf_token(writer)
    response = writer.post(
        f"/admin/categories/{first_id}/rename",
        data={"csrf_token": token, "name": "Sports", "slug": second_slug},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="slug-{first_id}-error">The slug' in html
    assert f'id="slug-{first_id}" name="slug" value="{second_slug}"' in html
    assert f'id="name-{first_id}" name="name" value="Sports"' in html
    merge_form = next(
        f
        for f in served_forms(get_html(writer, "/admin/categories"))
        if f.action.endswith(f"/{first_id}/merge")
    )
    response = writer.post(merge_form.action, data=MultiDict(merge_form.submission()))
    assert response.status_code == 422
    assert "Choose the category to merge into." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Category, first_id).name == "Sport"


def test_control_characters_are_refused_next_to_the_field(app, writer):
    response = post_article(writer, app, title="Night\x00buses", summary="A\x07b")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="title-error">This contains characters that are not allowed.' in html
    assert 'id="summary-error">This contains characters that are not allowed.' in html
    token = csrf_token(writer)
    response = writer.post("/admin/categories", data={"csrf_token": token, "name": "Sp\x00rt"})
    assert response.status_code == 422
    response = writer.post(
        "/admin/authors/new", data={"csrf_token": token, "name": "Ada", "bio": "x\x00"}
    )
    assert response.status_code == 422
    assert 'id="bio-error">This contains characters' in response.get_data(as_text=True)


def list_links(html: str) -> dict[str, str]:
    """The article list's Newer (prev) and Older (next) links."""
    found = re.findall(r'<a rel="(prev|next)" href="([^"]+)"', html)
    return {rel: href.replace("&amp;", "&") for rel, href in found}


@pytest.mark.parametrize("state", ["", "draft"])
def test_the_article_list_walks_every_article_once_undated_drafts_first(app, writer, state):
    app.config["ADMIN_COMMENTS_PER_PAGE"] = 2
    with app.app_context():
        undated = [make_article(title=f"Undated {n}", status="draft") for n in range(2)]
        for article in undated:
            article.published_at = None
        dated = [
            make_article(title=f"Dated {n}", status="draft" if n % 2 else "published")
            for n in range(4)
        ]
        db.session.commit()
        expected = [a.title for a in undated[::-1]] + [a.title for a in dated]
    if state == "draft":
        expected = [t for t in expected if t.startswith("Undated") or t in ("Dated 1", "Dated 3")]
    url = "/admin/articles" + (f"?state={state}" if state else "")
    pages, seen = [], []
    while url:
        html = get_html(writer, url)
        pages.append(url)
        seen += re.findall(r'/edit">((?:Undated|Dated) \d)</a>', html)
        url = list_links(html).get("next")
    assert seen == expected
    assert "prev" not in list_links(get_html(writer, pages[0]))
    for earlier, later in zip(pages, pages[1:], strict=False):
        assert list_links(get_html(writer, later))["prev"] == earlier


def test_article_list_cursors_name_pages_or_nothing(app, writer):
    with app.app_context():
        only = make_article(title="The only one")
        db.session.commit()
        only_id = only.id
    get_html(writer, "/admin/articles?before=x1", 404)
    get_html(writer, "/admin/articles?state=nonsense", 404)
    for query in (f"before={only_id}", "before=424242", "page=3"):
        response = writer.get(f"/admin/articles?state=published&{query}")
        assert response.headers["Location"] == "/admin/articles?state=published"


def test_the_title_search_reads_the_newest_articles_and_says_so(app, writer):
    app.config["ADMIN_ARTICLE_SEARCH_WINDOW"] = 2
    with app.app_context():
        for title, hours in (("Old ferry", 3), ("New ferry", 2), ("Newest bus", 1)):
            make_article(title=title, published_at=utcnow() - timedelta(hours=hours))
        db.session.commit()
    html = " ".join(get_html(writer, "/admin/articles?q=ferry").split())
    assert "New ferry" in html and "Old ferry" not in html
    assert "Titles searched among the newest 2 articles in this list" in html


def test_an_article_with_comments_links_to_them_in_the_queue(app, writer):
    with app.app_context():
        article = make_article(title="Talked about")
        make_comment(article)
        db.session.commit()
        article_id = article.id
    html = get_html(writer, "/admin/articles")
    assert f'<a href="/admin/comments?status=approved&amp;article={article_id}">1</a>' in html


def test_the_title_search_window_runs_from_undated_drafts_into_dated_articles(app, writer):
    app.config["ADMIN_ARTICLE_SEARCH_WINDOW"] = 3
    with app.app_context():
        for name in ("Undated ferry A", "Undated ferry B"):
            make_article(title=name, status="draft").published_at = None
        make_article(title="Dated ferry new", published_at=utcnow() - timedelta(hours=1))
        make_article(title="Dated ferry old", published_at=utcnow() - timedelta(hours=2))
        db.session.commit()
    html = " ".join(get_html(writer, "/admin/articles?q=ferry").split())
    assert re.findall(r'/edit">([^<]+)</a>', html) == [
        "Undated ferry B",
        "Undated ferry A",
        "Dated ferry new",
    ]
    assert "Titles searched among the newest 3 articles" in html
    app.config["ADMIN_ARTICLE_SEARCH_WINDOW"] = 4
    html = " ".join(get_html(writer, "/admin/articles?q=ferry").split())
    assert "Dated ferry old" in html and "Titles searched" not in html
