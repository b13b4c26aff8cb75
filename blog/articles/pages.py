"""The article page, shared by the article view and the comment views that re-show it."""

from __future__ import annotations

from flask import render_template

from blog.comments.display import comment_section
from blog.comments.forms import CommentForm
from blog.extensions import db
from blog.models import Article


def load_visible_article(slug: str) -> Article:
    """The article readers may see at this slug, with what its page shows, or a 404."""
    return db.first_or_404(Article.listing().where(Article.slug == slug))


def render_article_page(
    article: Article, form: CommentForm | None = None, status: int = 200
) -> tuple[str, int]:
    """The article, its comments and the reply form (a refused one keeps what was typed)."""
    html = render_template(
        "articles/detail.html", article=article, **comment_section(article, form)
    )
    return html, status
