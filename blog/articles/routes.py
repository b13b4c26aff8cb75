"""Views for the home page, articles, categories and tags."""

from __future__ import annotations

import sqlalchemy as sa
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
from blog.articles import archive
from blog.articles.front import FRONT_POSITIONS, front_page
from blog.articles.pages import render_article_page
from blog.articles.pagination import paginate_articles, requested_page
from blog.extensions import db
from blog.inputs import page_number
from blog.keptpages import kept_page
from blog.models import Article, ArticleSlug, Category, Tag, article_tags
from blog.porting.redirects import front_page_redirect
from blog.search import MAX_QUERY_LENGTH, query_terms
from blog.security import query_parameters
from blog.siteurl import month_url_pattern

bp = Blueprint("articles", __name__)

#: A month's pages are bounded by the month, not the archive: no listing limit applies.
ARCHIVE_MAX_PAGES = 10_000
#: A search stopped for taking too long asks to be tried again after this many seconds.
SEARCH_RETRY_AFTER_SECONDS = 30


def _search_page() -> int:
    """Search's ?page= number, 1 when absent or nonsense (results are never kept;
    see blog.inputs.page_number)."""
    return page_number(request.args.get("page"))


@bp.get("/")
@query_parameters("page")
@kept_page("page")
def index() -> str | Response:
    """The front page: a lead story, the next stories, a block per section (blog.articles.front);
    its later pages the older stories. WordPress's /?p=123 and /?feed= lead to what replaced
    them."""
    old_address = front_page_redirect()
    if old_address is not None:
        return old_address
    if requested_page("page") == 1:
        front = front_page(sections=True)
        return render_template("articles/index.html", front=front, page=front.page)
    page = paginate_articles(Article.listing(), first_page=FRONT_POSITIONS)
    return render_template("articles/index.html", front=None, page=page)


@bp.get("/articles/<slug>")
@query_parameters("comments", "replytocom")
@kept_page("comments", lookup_with=("replytocom",))
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
@kept_page("page")
def category(slug: str) -> str:
    """Published articles in one category: on its first page, one leads (as on the front page)."""
    found = db.first_or_404(db.select(Category).where(Category.slug == slug))
    in_category = Article.category_id == found.id
    front = front_page(in_category, sections=False) if requested_page("page") == 1 else None
    if front is None:
        listing = Article.listing().where(in_category)
        page = paginate_articles(listing, first_page=FRONT_POSITIONS)
    else:
        page = front.page
    return render_template(
        "articles/listing.html",
        front=front,
        page=page,
        kind="Category",
        topic=found,
        endpoint="articles.category",
    )


@bp.get("/tag/<slug>")
@query_parameters("page")
@kept_page("page")
def tag(slug: str) -> str:
    """Published articles carrying one tag."""
    found = db.first_or_404(db.select(Tag).where(Tag.slug == slug))
    # The tag's rows in publication order from their index, each article checked by id.
    tagged = (
        sa.select(article_tags.c.article_id)
        .where(
            article_tags.c.tag_id == found.id, Article.visible_with_id(article_tags.c.article_id)
        )
        .order_by(article_tags.c.published_at.desc(), article_tags.c.article_id.desc())
    )
    page = paginate_articles(Article.listing(), ids=tagged)
    return render_template(
        "articles/listing.html", page=page, kind="Tag", topic=found, endpoint="articles.tag"
    )


@bp.get("/archive/")
@kept_page()
def archive_index() -> str:
    """Every month with articles, by year: the short path to any old article."""
    by_year: dict[int, list[archive.Month]] = {}
    for month in archive.visible_months():
        by_year.setdefault(month.year, []).append(month)
    return render_template(
        "articles/archive_index.html",
        by_year=by_year,
        month_url=month_url_pattern("articles.archive_month", external=False),
    )


@bp.get("/archive/<int(fixed_digits=4):year>/")
@kept_page()
def archive_year(year: int) -> str:
    """The months of one year, with how many articles each has."""
    months = archive.visible_months(year=year)
    if not months:
        abort(404)
    return render_template(
        "articles/archive_year.html",
        year=year,
        months=months,
        counts=archive.month_counts(year),
    )


@bp.get("/archive/<int(fixed_digits=4):year>/<int(fixed_digits=2):month>/")
@query_parameters("page")
@kept_page("page")
def archive_month(year: int, month: int) -> str:
    """Every article of one month, newest first, by day; with the months either side."""
    if not 1 <= month <= 12:
        abort(404)
    page = paginate_articles(
        archive.month_articles(year, month),
        rows=archive.month_rows,
        per_page=current_app.config["ARCHIVE_PER_PAGE"],
        max_pages=ARCHIVE_MAX_PAGES,
    )
    if not page.items:
        abort(404)
    before, after = archive.neighbours(year, month)
    return render_template(
        "articles/archive_month.html",
        page=page,
        month=archive.Month(year, month, page.items[0].published_at),
        before=before,
        after=after,
    )


@bp.get("/search")
@query_parameters("q", "page")
def search() -> tuple[str, int, dict[str, str]] | str:
    """Published articles matching the words of ?q=, best first, with matches highlighted."""
    text = request.args.get("q", "")
    terms = query_terms(text)
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    page = _search_page()
    shown = {"query": text[:MAX_QUERY_LENGTH], "terms": terms}
    try:
        results = full_text.search(text, page=page, per_page=per_page)
    except full_text.SearchTooSlow:
        page_text = render_template("articles/search.html", too_slow=True, **shown)
        return page_text, 503, {"Retry-After": str(SEARCH_RETRY_AFTER_SECONDS)}
    pages = max((results.total + per_page - 1) // per_page, 1)
    if page > pages:
        abort(404)
    return render_template(
        "articles/search.html",
        results=results,
        page=page,
        pages=pages,
        truncated=len(text) > MAX_QUERY_LENGTH,
        **shown,
    )
