"""Views for the home page, articles, categories and tags."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import NotFound

from blog import search as full_text
from blog.articles.pages import render_article_page
from blog.articles.pagination import paginate_articles
from blog.extensions import db
from blog.inputs import page_number
from blog.models import Article, ArticleSlug, Category, Tag, article_tags
from blog.search import MAX_QUERY_LENGTH, query_terms
from blog.security import query_parameters

bp = Blueprint("articles", __name__)


def _search_page() -> int:
    """Search's ?page= number, 1 when absent or nonsense (results are never kept;
    see blog.inputs.page_number)."""
    return page_number(request.args.get("page"))


@bp.get("/")
@query_parameters("page")
def index() -> str:
    """The latest published articles."""
    page = paginate_articles(Article.listing())
    return render_template("articles/index.html", page=page)


@bp.get("/articles/<slug>")
@query_parameters("comments", "replytocom")
def detail(slug: str) -> tuple[str, int] | Response:
    """One article with its comments; drafts and articles dated in the future are not found.

    An address the article had before its slug changed answers with a redirect to this one.
    """
    try:
        return render_article_page(slug)
    except NotFound:
        return redirect_from_old_slug(slug)


def redirect_from_old_slug(slug: str) -> Response:
    """A 301 from an article's old slug to the same page at its current one, or a 404.

    Only for an article readers may see now. The redirect may be cached but must be checked
    again: should the article take this slug back, a browser that kept the redirect for good
    would loop.
    """
    current = db.session.scalar(
        Article.published()
        .with_only_columns(Article.slug)
        .join(ArticleSlug, ArticleSlug.article_id == Article.id)
        .where(ArticleSlug.slug == slug)
    )
    if current is None:
        abort(404)
    target = url_for(request.endpoint, **{**request.view_args, "slug": current})
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, 301)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/category/<slug>")
@query_parameters("page")
def category(slug: str) -> str:
    """Published articles in one category."""
    found = db.first_or_404(db.select(Category).where(Category.slug == slug))
    page = paginate_articles(Article.listing().where(Article.category_id == found.id))
    return render_template(
        "articles/listing.html",
        page=page,
        kind="Category",
        topic=found,
        endpoint="articles.category",
    )


@bp.get("/tag/<slug>")
@query_parameters("page")
def tag(slug: str) -> str:
    """Published articles carrying one tag."""
    found = db.first_or_404(db.select(Tag).where(Tag.slug == slug))
    tagged = db.select(article_tags.c.article_id).where(article_tags.c.tag_id == found.id)
    page = paginate_articles(Article.listing().where(Article.id.in_(tagged)))
    return render_template(
        "articles/listing.html", page=page, kind="Tag", topic=found, endpoint="articles.tag"
    )


@bp.get("/search")
@query_parameters("q", "page")
def search() -> str:
    """Published articles matching the words of ?q=, best first, with matches highlighted."""
    text = request.args.get("q", "")
    terms = query_terms(text)
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    page = _search_page()
    hits, total = full_text.search(text, page=page, per_page=per_page) if terms else ([], 0)
    pages = max((total + per_page - 1) // per_page, 1)
    if page > pages:
        abort(404)
    return render_template(
        "articles/search.html",
        query=text[:MAX_QUERY_LENGTH],
        terms=terms,
        hits=hits,
        total=total,
        page=page,
        pages=pages,
        truncated=len(text) > MAX_QUERY_LENGTH,
    )
