"""Views for writing: /admin/articles, /admin/authors, /admin/categories, /admin/tags.

Admins and editors only; moderators get a 403. The staff guard in blog.security already keeps
everyone else out. Thin views over the rules in publishing.py and pictures.py, one screen each;
the article and author forms take pictures (@accepts_upload, multipart/form-data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import joinedload, undefer
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.fields.choices import SelectChoice

from blog.admin.navigation import staff_navigation
from blog.admin.paging import Keyset, NoSuchPage, Segment, escape_like, parse_cursor
from blog.admin.timebound import bound_statement_time
from blog.articles.front import LEAD_WINDOW
from blog.editorial import pictures, publishing
from blog.editorial.forms import (
    ArticleForm,
    AuthorForm,
    RenameForm,
    article_form_data,
    author_form_data,
)
from blog.editorial.preview import render_article_preview
from blog.editorial.publishing import ArticleInput, article_state, parse_tags
from blog.extensions import db
from blog.inputs import parse_id, query_text
from blog.media.staff import upload_too_large
from blog.media.uploads import accepts_upload
from blog.models import (
    Article,
    ArticleStatus,
    Author,
    Category,
    Tag,
    article_tags,
    now_at_execution,
    utcnow,
)
from blog.refusals import Refused
from blog.rendering import HTML, MARKDOWN
from blog.security import no_store
from blog.templating import human_datetime

bp = Blueprint("editorial", __name__, url_prefix="/admin")
bp.context_processor(staff_navigation)
bound_statement_time(bp)
bp.after_request(no_store)
bp.register_error_handler(RequestEntityTooLarge, upload_too_large)

#: The two kinds of labels that can be renamed and merged, by their URL segment.
TAXONOMIES = {"categories": (Category, "Category", "Categories"), "tags": (Tag, "Tag", "Tags")}


@bp.before_request
def writers_only() -> None:
    """Admins and editors write; moderators do not."""
    if not current_user.can_write:
        abort(403)


# --- Articles --------------------------------------------------------------------------------


#: The article list's parts: undated drafts first, newest written first; then by date.
ARTICLE_ORDER = [
    Segment(Article.published_at.is_(None), (Article.id,)),
    Segment(Article.published_at.is_not(None), (Article.published_at, Article.id)),
]
#: Each state read from the index that starts with it (ix_articles_..._status_published_at_id).
STATES = {
    "draft": [Article.status == ArticleStatus.DRAFT],
    "scheduled": [
        Article.status == ArticleStatus.PUBLISHED,
        Article.published_at > now_at_execution(),
    ],
    "published": [Article.is_visible],
}


@bp.get("/articles")
def articles() -> ResponseReturnValue:
    """Every article with its state, filterable by state, author and category, searchable by
    title among the newest; pages named by the article above them (?before=)."""
    state = request.args.get("state", "")
    if state and state not in STATES:
        abort(404)
    author_id = parse_id(request.args.get("author"))
    category_id = parse_id(request.args.get("category"))
    search = query_text("q")
    before = parse_cursor(request.args.get("before"))

    def address(before: int | None = None) -> str:
        """This list, filtered and searched; the page after `before`."""
        fields = {"author": author_id, "category": category_id, "q": search or None}
        return url_for(".articles", state=state or None, **fields, before=before)

    if "page" in request.args:  # numbered pages are gone: the list begins again
        return redirect(address(), 302)
    filters = list(STATES.get(state, []))
    if author_id:
        filters.append(Article.author_id == author_id)
    if category_id:
        filters.append(Article.category_id == category_id)
    # Every state at once: each status from its own index, merged.
    branches = [sa.true()] if state else [Article.status == s for s in ArticleStatus]
    load = sa.select(Article).options(
        joinedload(Article.author),
        joinedload(Article.category),
        undefer(Article.comment_count),
        sa.orm.defer(Article.body_markdown),
        sa.orm.defer(Article.body_html),
    )
    listing = Keyset(load, Article.id, filters, ARTICLE_ORDER, branches)
    searched_newest = None
    if search:
        window = current_app.config["ADMIN_ARTICLE_SEARCH_WINDOW"]
        searched_newest = window if listing.newest(window) else None
        listing.where(Article.title.ilike(f"%{escape_like(search)}%", escape="\\"))
    try:
        page = listing.page(before, current_app.config["ADMIN_COMMENTS_PER_PAGE"])
    except NoSuchPage:
        return redirect(address(), 302)
    now = utcnow()
    return render_template(
        "editorial/articles.html",
        page=page,
        address=address,
        state=state,
        author_id=author_id,
        category_id=category_id,
        search=search,
        searched_newest=searched_newest,
        authors=_authors(),
        categories=_categories(),
        state_of=lambda a: article_state(a.status, a.published_at, now),
    )


def _authors() -> list[Author]:
    return db.session.scalars(sa.select(Author).order_by(Author.name)).all()


def _categories() -> list[Category]:
    return db.session.scalars(sa.select(Category).order_by(Category.name)).all()


def _article_form(article: Article | None) -> ArticleForm:
    """The form, with this request's choices, prefilled from the article on a first GET."""
    if request.method == "POST":
        form = ArticleForm()
    elif article is not None:
        form = ArticleForm(formdata=None, data=article_form_data(article))
    else:
        form = ArticleForm(formdata=None, status="draft")
    if article is not None and article.body_format == HTML:
        form.body.label.text = "Body (HTML)"
    form.author_id.choices = [SelectChoice(a.id, a.name) for a in _authors()]
    form.category_id.choices = [SelectChoice(0, "(none)")] + [
        SelectChoice(c.id, c.name) for c in _categories()
    ]
    return form


def _input(form: ArticleForm, article: Article | None) -> ArticleInput:
    published = form.published_at.data
    lead_image_id = parse_id(form.lead_image_id.data) if form.has_lead_image() else None
    return ArticleInput(
        title=form.title.data.strip(),
        slug=(form.slug.data or "").strip() or None,
        summary=(form.summary.data or "").strip(),
        body_markdown=form.body.data,
        source_name=(form.source_name.data or "").strip() or None,
        source_url=(form.source_url.data or "").strip() or None,
        author_id=form.author_id.data,
        category_id=form.category_id.data or None,
        tags=parse_tags(form.tags.data),
        status=form.status.data,
        published_at=published.replace(tzinfo=UTC) if published else None,
        comments_open=form.comments_open.data,
        body_format=article.body_format if article is not None else MARKDOWN,
        lead_image_id=lead_image_id,
        lead_image_alt=form.lead_image_alt.data or "",
        lead_image_caption=form.lead_image_caption.data or "",
        lead_image_credit=form.lead_image_credit.data or "",
        featured=form.featured.data,
    )


def _edit_page(
    form: ArticleForm,
    article: Article | None,
    status: int = 200,
    preview: str | None = None,
    placed: str | None = None,
) -> tuple[str, int]:
    """The editor's page: the form as it stands, with the preview above it when asked for, and
    the line of a body picture just added (placed)."""
    return render_template(
        "editorial/article_form.html",
        form=form,
        article=article,
        preview=preview,
        placed=placed,
        lead_picture=pictures.chosen_picture(form.lead_image_id.data),
        pending_body_picture=pictures.chosen_picture(form.body_image_id.data),
        lead_window=LEAD_WINDOW,
    ), status


def saved_message(saved: publishing.SavedArticle) -> str:
    """What the editor is told after pressing Save."""
    if not saved.changed:
        return "Nothing changed, so nothing was saved."
    when = f"{human_datetime(saved.article.published_at)} UTC" if saved.article.published_at else ""
    return {
        ("draft", "unpublish"): "Article unpublished: it is a draft again.",
        ("draft", None): "Draft saved.",
        ("scheduled", "schedule"): f"Article scheduled for {when}.",
        ("scheduled", "update"): f"Article updated; it is still scheduled for {when}.",
        ("published", "publish"): "Article published.",
        ("published", "update"): "Article updated.",
    }[saved.state, saved.action]


def placed_message(line: str) -> str:
    """Where a picture added to the body went."""
    return (
        f"The picture was added at the end of the body, as the line {line} — "
        "move that line to where the picture belongs."
    )


@bp.route("/articles/new", methods=["GET", "POST"])
@accepts_upload
def new_article() -> ResponseReturnValue:
    """Write a new article; Preview shows it above the form without saving."""
    return _article_editor(None)


@bp.route("/articles/<int:article_id>/edit", methods=["GET", "POST"])
@accepts_upload
def edit_article(article_id: int) -> ResponseReturnValue:
    """Edit an article; the reader's page says Updated when it changed after publication."""
    return _article_editor(db.get_or_404(Article, article_id))


def _keep_uploads(form: ArticleForm | AuthorForm, fields: dict[str, str]) -> dict[str, str]:
    """Each file chosen in the form kept in the media library at once, its id put in the hidden
    field named beside it; what was refused, by field."""
    refused = {}
    for file_field, id_field in fields.items():
        upload = form.uploaded(file_field)
        if upload is None:
            continue
        try:
            media = pictures.keep_upload(upload, current_user.id)
        except Refused as exc:
            db.session.rollback()
            refused[file_field] = str(exc)
        else:
            form[id_field].data = str(media.id)
            if file_field == "lead_image":
                form.remove_lead_image.data = False  # a new picture replaces the old one
            elif file_field == "photo":
                form.remove_photo.data = False
    return refused


def _place_body_picture(
    form: ArticleForm, article: Article | None
) -> tuple[str | None, str | None]:
    """Put the body picture waiting in the form at the end of the body once it has alt text:
    the line added, or what is missing."""
    media = pictures.chosen_picture(form.body_image_id.data)
    if media is None:
        form.body_image_id.data = ""
        return None, None
    alt = (form.body_image_alt.data or "").strip()
    if not alt:
        return None, publishing.ALT_NEEDED
    line = pictures.picture_line(media, alt, article.body_format if article else MARKDOWN)
    form.body.data = pictures.with_picture_at_end(form.body.data, line)
    form.body_image_id.data = form.body_image_alt.data = ""
    return line, None


def _article_editor(article: Article | None) -> ResponseReturnValue:
    form = _article_form(article)
    if request.method == "GET":
        return _edit_page(form, article)
    refused = _keep_uploads(form, {"lead_image": "lead_image_id", "body_image": "body_image_id"})
    placed, alt_missing = _place_body_picture(form, article)
    if alt_missing:
        refused["body_image_alt"] = alt_missing
    valid = form.validate()
    for name, message in refused.items():
        form[name].errors = [*form[name].errors, message]
    if refused or not valid:
        return _edit_page(form, article, 422, placed=placed)
    if "preview" in request.form:
        preview = render_article_preview(_input(form, article))
        return _edit_page(form, article, preview=preview, placed=placed)
    try:
        saved = publishing.save_article(article, _input(form, article), current_user.id)
    except Refused as exc:
        db.session.rollback()
        target = form._fields.get(exc.field or "")
        if target is not None:
            target.errors = [*target.errors, str(exc)]
        else:
            form.form_errors.append(str(exc))
        return _edit_page(form, article, 422, placed=placed)
    flash(saved_message(saved))
    if placed:
        flash(placed_message(placed))
    return redirect(url_for(".edit_article", article_id=saved.article.id), 303)


@bp.post("/articles/<int:article_id>/unpublish")
def unpublish_article(article_id: int) -> ResponseReturnValue:
    """Take an article off the site (back to draft), after confirmation."""
    article = db.get_or_404(Article, article_id)
    if request.form.get("confirmed") != "yes":
        return render_template(
            "editorial/confirm.html", article=article, action="unpublish", comments=0
        )
    publishing.unpublish(article, current_user.id)
    flash(f'"{article.title}" is now a draft.')
    return redirect(url_for(".articles"), 303)


@bp.post("/articles/<int:article_id>/delete")
def delete_article(article_id: int) -> ResponseReturnValue:
    """Delete an article and its comments, after a confirmation that says how many."""
    article = db.get_or_404(Article, article_id)
    if request.form.get("confirmed") != "yes":
        return render_template(
            "editorial/confirm.html",
            article=article,
            action="delete",
            comments=publishing.comment_count(article.id),
        )
    title = article.title
    publishing.delete_article(article, current_user.id)
    flash(f'"{title}" deleted.')
    return redirect(url_for(".articles"), 303)


# --- Authors ---------------------------------------------------------------------------------


@bp.get("/authors")
def authors() -> str:
    """Authors with how many articles each has."""
    rows = db.session.execute(
        sa.select(Author, sa.func.count(Article.id))
        .outerjoin(Article, Article.author_id == Author.id)
        .group_by(Author.id)
        .order_by(Author.name)
    ).all()
    return render_template("editorial/authors.html", rows=rows)


@bp.route("/authors/new", methods=["GET", "POST"])
@accepts_upload
def new_author() -> ResponseReturnValue:
    """Add an author."""
    return _author_editor(None)


@bp.route("/authors/<int:author_id>/edit", methods=["GET", "POST"])
@accepts_upload
def edit_author(author_id: int) -> ResponseReturnValue:
    """Edit an author's name, slug, biography and photo."""
    return _author_editor(db.get_or_404(Author, author_id))


def _author_editor(author: Author | None) -> ResponseReturnValue:
    if request.method == "GET":
        form = AuthorForm(formdata=None, data=author_form_data(author) if author else None)
        return _author_page(form, author)
    form = AuthorForm()
    refused = _keep_uploads(form, {"photo": "photo_id"})
    valid = form.validate()
    for name, message in refused.items():
        form[name].errors = [*form[name].errors, message]
    if valid and not refused:
        target = author or Author(name="", slug="", bio="")
        try:
            target.bio = (form.bio.data or "").strip()
            photo = None if form.remove_photo.data else pictures.chosen_picture(form.photo_id.data)
            target.photo = photo
            if author is None:
                db.session.add(target)
                with db.session.no_autoflush:
                    publishing.rename(target, form.name.data, form.slug.data)
            else:
                publishing.rename(target, form.name.data, form.slug.data)
        except Refused as exc:
            db.session.rollback()
            form[exc.field or "name"].errors = [str(exc)]
        else:
            flash(f"{target.name} saved.")
            return redirect(url_for(".authors"), 303)
    return _author_page(form, author, 422)


def _author_page(form: AuthorForm, author: Author | None, status: int = 200) -> tuple[str, int]:
    """The author form as it stands, with the photo chosen."""
    photo = pictures.chosen_picture(form.photo_id.data)
    return render_template(
        "editorial/author_form.html", form=form, author=author, photo=photo
    ), status


@bp.post("/authors/<int:author_id>/delete")
def delete_author(author_id: int) -> Response:
    """Delete an author who has no articles left."""
    author = db.get_or_404(Author, author_id)
    try:
        publishing.delete_author(author)
    except Refused as exc:
        flash(str(exc))
    else:
        flash(f"{author.name} deleted.")
    return redirect(url_for(".authors"), 303)


# --- Categories and tags ---------------------------------------------------------------------


def _taxonomy(kind: str) -> tuple[type, str, str]:
    if kind not in TAXONOMIES:
        abort(404)
    return TAXONOMIES[kind]


@dataclass
class Refusal:
    """A form on the categories or tags page that was refused: what was typed, and why."""

    #: "new", "rename" or "merge"; item_id says which row's form, None for "new".
    form: str
    item_id: int | None
    values: dict[str, str]
    errors: dict[str, str]


def _refusal(
    form_name: str, item_id: int | None, form: RenameForm, exc: Refused | None = None
) -> Refusal:
    errors = {name: " ".join(messages) for name, messages in form.errors.items()}
    if exc is not None:
        errors[exc.field or "name"] = str(exc)
    values = {"name": form.name.data or "", "slug": form.slug.data or ""}
    return Refusal(form_name, item_id, values, errors)


def _taxonomy_page(kind: str, refusal: Refusal | None = None) -> ResponseReturnValue:
    """The list of categories or tags; a refused form comes back filled in, with its message."""
    model, singular, plural = _taxonomy(kind)
    if model is Category:
        counted = sa.select(Category, sa.func.count(Article.id)).outerjoin(
            Article, Article.category_id == Category.id
        )
    else:
        counted = sa.select(Tag, sa.func.count(article_tags.c.article_id)).outerjoin(
            article_tags, article_tags.c.tag_id == Tag.id
        )
    rows = db.session.execute(counted.group_by(model.id).order_by(model.name)).all()
    html = render_template(
        "editorial/taxonomy.html",
        rows=rows,
        kind=kind,
        singular=singular,
        plural=plural,
        refusal=refusal,
    )
    return html, 422 if refusal else 200


@bp.get("/<any(categories, tags):kind>")
def taxonomy(kind: str) -> ResponseReturnValue:
    """Categories or tags with their article counts, to rename and merge (and add categories)."""
    return _taxonomy_page(kind)


@bp.post("/categories")
def new_category() -> ResponseReturnValue:
    """Add a category."""
    form = RenameForm()
    if not form.validate():
        return _taxonomy_page("categories", _refusal("new", None, form))
    try:
        category = publishing.create_category(form.name.data, form.slug.data)
    except Refused as exc:
        db.session.rollback()
        return _taxonomy_page("categories", _refusal("new", None, form, exc))
    flash(f"Category {category.name} added.")
    return redirect(url_for(".taxonomy", kind="categories"), 303)


@bp.post("/<any(categories, tags):kind>/<int:item_id>/rename")
def rename(kind: str, item_id: int) -> ResponseReturnValue:
    """Rename a category or tag (and its slug)."""
    model, singular, _ = _taxonomy(kind)
    item = db.get_or_404(model, item_id)
    form = RenameForm()
    if not form.validate():
        return _taxonomy_page(kind, _refusal("rename", item_id, form))
    try:
        publishing.rename(item, form.name.data, form.slug.data)
    except Refused as exc:
        db.session.rollback()
        return _taxonomy_page(kind, _refusal("rename", item_id, form, exc))
    flash(f"{singular} renamed to {item.name}.")
    return redirect(url_for(".taxonomy", kind=kind), 303)


@bp.post("/<any(categories, tags):kind>/<int:item_id>/merge")
def merge(kind: str, item_id: int) -> ResponseReturnValue:
    """Merge a category or tag into another; the first one goes."""
    model, singular, _ = _taxonomy(kind)
    source = db.get_or_404(model, item_id)
    target = db.session.get(model, parse_id(request.form.get("target_id")) or 0)
    merge_into = publishing.merge_categories if model is Category else publishing.merge_tags
    try:
        if target is None:
            raise Refused(f"Choose the {singular.lower()} to merge into.", "target_id")
        count = merge_into(source, target)
    except Refused as exc:
        db.session.rollback()
        typed = {"target_id": request.form.get("target_id", "")}
        return _taxonomy_page(kind, Refusal("merge", item_id, typed, {"target_id": str(exc)}))
    flash(f"{singular} merged into {target.name} ({count} article{'s' if count != 1 else ''}).")
    return redirect(url_for(".taxonomy", kind=kind), 303)
