"""Views for /feed.atom, /sitemap.xml, /robots.txt and /favicon.ico."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    send_from_directory,
)
from sqlalchemy.orm import joinedload

from blog.articles import archive
from blog.extensions import db
from blog.feeds.conditional import dated
from blog.keptpages import kept_page
from blog.media.store import current_store
from blog.models import Article, Author, Category, Tag, article_tags, utcnow
from blog.siteurl import month_url_pattern, site_url_for

bp = Blueprint("feeds", __name__)


@bp.get("/feed.atom")
@kept_page()
def atom() -> Response:
    """The latest published articles as an Atom 1.0 feed."""
    articles = db.session.scalars(
        Article.published()
        .options(joinedload(Article.author))
        .limit(current_app.config["FEED_LENGTH"])
    ).all()
    updated = max((a.updated_at for a in articles), default=utcnow())
    pictures = [str(a.lead_image.largest) for a in articles if a.lead_image is not None]
    lengths = current_store().sizes(pictures)  # an enclosure says how long it is
    xml = render_template("feeds/atom.xml", articles=articles, updated=updated, lengths=lengths)
    return dated(Response(xml, mimetype="application/atom+xml"), updated)


@bp.get("/sitemap.xml")
@kept_page()
def sitemap() -> Response:
    """The sitemap index: the site's other pages, then one sitemap per month of articles.

    A month holds far fewer than the protocol's 50,000 URLs a file (ten articles a day is about
    300), and the index reads the kept months (blog.articles.archive), never every article.
    """
    months = archive.visible_months()
    newest = max((month.last_modified for month in months), default=None)
    sitemaps = [(site_url_for("feeds.sitemap_pages"), newest)]
    month_url = month_url_pattern("feeds.sitemap_month")
    sitemaps += [(month_url(m.year, m.month), m.last_modified) for m in months]
    xml = render_template("feeds/sitemap_index.xml", sitemaps=sitemaps)
    return dated(Response(xml, mimetype="application/xml"), newest)


@bp.get("/sitemaps/pages.xml")
@kept_page()
def sitemap_pages() -> Response:
    """The home page, the archive and its years, and every author, category and tag with a
    visible article (one index seek each, not a read of the articles). A month's archive page
    is reached from its year; its articles are in the month's own sitemap.
    """
    months = archive.visible_months()
    newest = max((month.last_modified for month in months), default=None)
    urls = [(site_url_for("articles.index"), newest)]
    if months:
        urls.append((site_url_for("articles.archive_index"), newest))
    years = sorted({month.year for month in months}, reverse=True)
    urls += [(site_url_for("articles.archive_year", year=year), None) for year in years]
    urls += [(site_url_for("authors.detail", slug=slug), None) for slug in _with_visible(Author)]
    urls += [
        (site_url_for("articles.category", slug=slug), None) for slug in _with_visible(Category)
    ]
    urls += [(site_url_for("articles.tag", slug=slug), None) for slug in _with_visible(Tag)]
    xml = render_template("feeds/sitemap.xml", urls=urls)
    return dated(Response(xml, mimetype="application/xml"), newest)


def _with_visible(model: type[Author | Category | Tag]) -> list[str]:
    """Slugs of the authors, categories or tags that have at least one visible article."""
    if model is Tag:
        has_visible = (
            sa.select(article_tags.c.article_id)
            .where(
                article_tags.c.tag_id == Tag.id, Article.visible_with_id(article_tags.c.article_id)
            )
            .exists()
        )
    else:
        column = Article.author_id if model is Author else Article.category_id
        has_visible = Article.any_visible(column == model.id)
    return list(db.session.scalars(sa.select(model.slug).where(has_visible).order_by(model.slug)))


@bp.get("/sitemaps/<int(fixed_digits=4):year>-<int(fixed_digits=2):month>.xml")
@kept_page()
def sitemap_month(year: int, month: int) -> Response:
    """The articles published in one month, each with the time it last changed."""
    if not 1 <= month <= 12:
        abort(404)
    start, end = archive.month_bounds(year, month)
    rows = db.session.execute(
        Article.published()
        .with_only_columns(Article.slug, Article.published_at, Article.updated_at)
        .where(Article.published_at >= start, Article.published_at < end)
    ).all()
    if not rows:
        abort(404)
    urls = [
        (site_url_for("articles.detail", slug=slug), max(published_at, updated_at))
        for slug, published_at, updated_at in rows
    ]
    newest = max(changed for _, changed in urls)
    xml = render_template("feeds/sitemap.xml", urls=urls)
    return dated(Response(xml, mimetype="application/xml"), newest)


@bp.get("/robots.txt")
def robots() -> Response:
    """Crawlers are welcome everywhere public, and told where the sitemap is."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        f"Sitemap: {site_url_for('feeds.sitemap')}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


#: Browsers ask for /favicon.ico by that name, so its URL carries no content hash: a week.
FAVICON_MAX_AGE = 7 * 24 * 3600


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Our icon (blog/static/favicon.svg, drawn as an ICO too) where browsers look for it."""
    return send_from_directory(
        current_app.static_folder,
        "favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=FAVICON_MAX_AGE,
    )
