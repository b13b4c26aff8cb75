"""Views for /feed.atom, /sitemap.xml, /robots.txt and /favicon.ico."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    send_from_directory,
)
from sqlalchemy.orm import joinedload

from blog.extensions import db
from blog.feeds.conditional import conditional
from blog.models import Article, Author, Category, Tag, article_tags, utcnow
from blog.siteurl import site_url_for

bp = Blueprint("feeds", __name__)


@bp.get("/feed.atom")
def atom() -> Response:
    """The latest published articles as an Atom 1.0 feed."""
    articles = db.session.scalars(
        Article.published()
        .options(joinedload(Article.author))
        .limit(current_app.config["FEED_LENGTH"])
    ).all()
    updated = max((a.updated_at for a in articles), default=utcnow())
    xml = render_template("feeds/atom.xml", articles=articles, updated=updated)
    return conditional(Response(xml, mimetype="application/atom+xml"), updated)


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every public page, with the time its content last changed where we know it."""
    visible = Article.published().order_by(None)
    visible_ids = visible.with_only_columns(Article.id)
    articles = db.session.execute(visible.with_only_columns(Article.slug, Article.updated_at)).all()
    authors = db.session.scalars(
        sa.select(Author.slug).where(Author.id.in_(visible.with_only_columns(Article.author_id)))
    ).all()
    categories = db.session.scalars(
        sa.select(Category.slug).where(
            Category.id.in_(visible.with_only_columns(Article.category_id))
        )
    ).all()
    tags = db.session.scalars(
        sa.select(Tag.slug)
        .join(article_tags, article_tags.c.tag_id == Tag.id)
        .where(article_tags.c.article_id.in_(visible_ids))
        .distinct()
    ).all()
    urls = [(site_url_for("articles.index"), None)]
    urls += [(site_url_for("articles.detail", slug=s), u) for s, u in articles]
    urls += [(site_url_for("authors.detail", slug=s), None) for s in authors]
    urls += [(site_url_for("articles.category", slug=s), None) for s in categories]
    urls += [(site_url_for("articles.tag", slug=s), None) for s in tags]
    newest = max((u for _, u in articles), default=None)
    return conditional(
        Response(render_template("feeds/sitemap.xml", urls=urls), mimetype="application/xml"),
        newest,
    )


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
