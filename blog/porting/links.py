"""Which article a link names: its address here, an old slug of it, or an address it had on
the platform it was moved from (the redirects table)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import sqlalchemy as sa

from blog.extensions import db
from blog.models import Article, ArticleSlug, Redirect

ARTICLE_PREFIX = "/articles/"


def redirect_path(link: str) -> str:
    """The form an old address is kept and looked up in: the path of link (any scheme and host
    dropped), percent-decoded, without a trailing slash (the root excepted), with its query
    string when it has one ("/?p=123")."""
    parts = urlsplit(link.strip())
    path = unquote(parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return f"{path}?{parts.query}" if parts.query else path


def redirect_target(path: str) -> Article | None:
    """The article an old address (as redirect_path gives it) moved to, or None."""
    return db.session.scalar(
        sa.select(Article)
        .join(Redirect, Redirect.article_id == Article.id)
        .where(Redirect.path == path)
    )


def article_for_link(link: str) -> Article | None:
    """The article link names, visible or not, or None: /articles/<slug> by its slug or a slug it
    had, else an old address kept in the redirects table."""
    path = redirect_path(link)
    if path.startswith(ARTICLE_PREFIX):
        slug = path.removeprefix(ARTICLE_PREFIX).partition("?")[0]
        article = db.session.scalar(sa.select(Article).where(Article.slug == slug))
        if article is None:
            article = db.session.scalar(
                sa.select(Article).join(ArticleSlug).where(ArticleSlug.slug == slug)
            )
        if article is not None:
            return article
    return redirect_target(path)
