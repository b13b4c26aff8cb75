"""The preview on the editor's page: the article as readers will see it, saving nothing.

It is rendered with the reader's own article template, then every link in it is made to open
in a new tab: the preview sits next to unsaved work, so nothing in it may take the editor away
from the form, yet an editor checking a source link or a link in the body wants it to work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import render_template
from markupsafe import Markup
from slugify import slugify

from blog.editorial.publishing import ArticleInput
from blog.extensions import db
from blog.models import Author, Category, Media, utcnow
from blog.rendering import render_body

_LINK = re.compile(r"<a\b([^>]*)>")
_ATTRIBUTE = re.compile(r'([^\s="]+)="([^"]*)"')


@dataclass
class PreviewTag:
    """A tag as the article template shows it (it may not exist yet)."""

    name: str
    slug: str


@dataclass
class PreviewArticle:
    """An unsaved article, shaped like one for the reader's template (never in the session)."""

    title: str
    slug: str
    summary: str
    body_html: str
    author: Author
    category: Category | None
    tags: list[PreviewTag] = field(default_factory=list)
    source_name: str | None = None
    source_url: str | None = None
    published_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    comments_open: bool = True
    comment_count: int = 0
    was_updated: bool = False
    lead_image: Media | None = None
    lead_image_alt: str = ""
    lead_image_caption: str = ""
    lead_image_credit: str = ""
    featured: bool = False


def open_links_in_new_tab(html: str) -> str:
    """Every link in html opens in a new tab, without a handle on this one; #anchors stay."""

    def rewrite(match: re.Match) -> str:
        attributes = dict(_ATTRIBUTE.findall(match.group(1)))
        if attributes.get("href", "#").startswith("#"):
            return match.group(0)
        rel = [*attributes.pop("rel", "").split(), "noopener", "noreferrer"]
        attributes.pop("target", None)
        attributes.update(target="_blank", rel=" ".join(dict.fromkeys(rel)))
        return "<a " + " ".join(f'{name}="{value}"' for name, value in attributes.items()) + ">"

    return _LINK.sub(rewrite, html)


def render_article_preview(data: ArticleInput) -> Markup:
    """The article body and author box readers would see for this input."""
    with db.session.no_autoflush:
        author = db.session.get(Author, data.author_id)
        category = db.session.get(Category, data.category_id) if data.category_id else None
        lead_image = db.session.get(Media, data.lead_image_id) if data.lead_image_id else None
    article = PreviewArticle(
        title=data.title,
        slug=data.slug or slugify(data.title) or "preview",
        summary=data.summary,
        body_html=render_body(data.body_markdown, data.body_format),
        author=author,
        category=category,
        tags=[PreviewTag(name, slugify(name, max_length=140)) for name in data.tags],
        source_name=data.source_name,
        source_url=data.source_url,
        published_at=data.published_at or utcnow(),
        lead_image=lead_image,
        lead_image_alt=data.lead_image_alt.strip() if lead_image else "",
        lead_image_caption=data.lead_image_caption.strip() if lead_image else "",
        lead_image_credit=data.lead_image_credit.strip() if lead_image else "",
        featured=data.featured,
    )
    html = render_template("articles/_body.html", article=article, preview=True)
    return Markup(open_links_in_new_tab(html))  # noqa: S704 - rendered by our own template
