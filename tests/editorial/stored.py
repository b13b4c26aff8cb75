"""What the editorial tests compare before and after an editor saves."""

from __future__ import annotations

from flask import Flask

from blog.extensions import db
from blog.models import Article


def stored_article(app: Flask, article_id: int) -> dict:
    """Everything an editor can change about an article, as stored (and what saving touches)."""
    with app.app_context():
        article = db.session.get(Article, article_id)
        return {
            "title": article.title,
            "slug": article.slug,
            "summary": article.summary,
            "body_markdown": article.body_markdown,
            "source": (article.source_name, article.source_url),
            "author_id": article.author_id,
            "category_id": article.category_id,
            "tags": sorted(t.name for t in article.tags),
            "status": article.status,
            "published_at": article.published_at,
            "updated_at": article.updated_at,
            "comments_open": article.comments_open,
            "old_slugs": sorted(s.slug for s in article.old_slugs),
        }
