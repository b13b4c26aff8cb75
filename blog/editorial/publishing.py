"""The editorial rules, as plain functions: states, slugs, tags, unpublishing, merging."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from slugify import slugify

from blog.extensions import db
from blog.models import (
    Article,
    ArticleStatus,
    Author,
    Category,
    Comment,
    Named,
    Tag,
    article_tags,
    utcnow,
)


class EditorialRefused(ValueError):
    """A change that cannot be made; the message says why, next to `field` if given."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def article_state(status: str, published_at: datetime | None, now: datetime | None = None) -> str:
    """draft, scheduled (published but dated in the future) or published."""
    if status != ArticleStatus.PUBLISHED:
        return "draft"
    if published_at is not None and published_at > (now or utcnow()):
        return "scheduled"
    return "published"


def slug_for(title: str, slug: str | None) -> str:
    """The slug given, tidied, or one made from the title."""
    made = slugify(slug or title, max_length=200)
    if not made:
        raise EditorialRefused("A slug needs letters or digits; please enter one.", "slug")
    return made


def check_slug_free(slug: str, article_id: int | None) -> None:
    """Refuse a slug another article already has."""
    owner = db.session.scalar(
        sa.select(Article.title).where(Article.slug == slug, Article.id != (article_id or 0))
    )
    if owner is not None:
        raise EditorialRefused(f'The slug "{slug}" is already used by "{owner}".', "slug")


def parse_tags(text: str) -> list[str]:
    """Comma-separated tag names, trimmed, without empties or repeats (by slug)."""
    return unique_tag_names((text or "").split(","))


def unique_tag_names(names: Iterable[str]) -> list[str]:
    """Tag names trimmed, without empties or repeats (by slug), first spelling kept."""
    unique: dict[str, str] = {}
    for part in names:
        name = str(part).strip()
        if name and slugify(name):
            unique.setdefault(slugify(name, max_length=140), name[:120])
    return list(unique.values())


def tags_named(names: Iterable[str]) -> list[Tag]:
    """The tags with these names, created when new; the caller commits."""
    tags = []
    for name in names:
        slug = slugify(name, max_length=140)
        tag = db.session.scalar(sa.select(Tag).where(Tag.slug == slug))
        if tag is None:
            tag = Tag(name=name, slug=slug)
            db.session.add(tag)
        tags.append(tag)
    return tags


@dataclass
class ArticleInput:
    """What an editor submitted, already validated by the form."""

    title: str
    body_markdown: str
    author_id: int
    slug: str | None = None
    summary: str = ""
    source_name: str | None = None
    source_url: str | None = None
    category_id: int | None = None
    tags: list[str] = field(default_factory=list)
    status: str = ArticleStatus.DRAFT
    published_at: datetime | None = None
    comments_open: bool = True


def apply_input(article: Article, data: ArticleInput) -> Article:
    """Copy an editor's input onto an article (new or existing); the caller commits.

    Publishing without a time publishes now; a time in the future schedules the article.
    """
    slug = slug_for(data.title, data.slug)
    check_slug_free(slug, article.id)
    article.title = data.title
    article.slug = slug
    article.summary = data.summary
    article.body_markdown = data.body_markdown
    article.source_name = data.source_name or None
    article.source_url = data.source_url or None
    article.author_id = data.author_id
    article.category_id = data.category_id or None
    article.tags = tags_named(data.tags)
    article.status = data.status
    article.comments_open = data.comments_open
    if data.published_at is not None:
        article.published_at = data.published_at
    elif data.status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = utcnow()
    return article


def save_article(article: Article | None, data: ArticleInput) -> Article:
    """Create or update an article from an editor's input; commits once."""
    is_new = article is None
    with db.session.no_autoflush:
        article = article or Article()
        apply_input(article, data)
    if is_new:
        article.created_at = article.updated_at = utcnow()
        db.session.add(article)
    db.session.commit()
    return article


def unpublish(article: Article) -> None:
    """Take an article back to draft; commits."""
    article.status = ArticleStatus.DRAFT
    db.session.commit()


def comment_count(article_id: int) -> int:
    """Every comment of an article, whatever its status (they go with it when it is deleted)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(Comment.id)).where(Comment.article_id == article_id)
        )
        or 0
    )


def delete_article(article: Article) -> None:
    """Delete an article with its comments; commits."""
    db.session.execute(sa.delete(Comment).where(Comment.article_id == article.id))
    db.session.delete(article)
    db.session.commit()


def delete_author(author: Author) -> None:
    """Delete an author who has no articles; commits."""
    count = db.session.scalar(
        sa.select(sa.func.count(Article.id)).where(Article.author_id == author.id)
    )
    if count:
        raise EditorialRefused(
            f"{author.name} still has {count} article{'s' if count != 1 else ''}: "
            "reassign them to another author first."
        )
    db.session.delete(author)
    db.session.commit()


def rename(thing: Named, name: str, slug: str | None = None) -> None:
    """Rename a category, tag or author; a new slug must be free. Commits."""
    name = name.strip()
    if not name:
        raise EditorialRefused("A name cannot be empty.", "name")
    new_slug = slugify(slug or name, max_length=140)
    if not new_slug:
        raise EditorialRefused("A slug needs letters or digits.", "slug")
    model = type(thing)
    taken = db.session.scalar(
        sa.select(model.id).where(model.slug == new_slug, model.id != thing.id)
    )
    if taken:
        raise EditorialRefused(f'The slug "{new_slug}" is already taken.', "slug")
    thing.name, thing.slug = name, new_slug
    db.session.commit()


def merge_categories(source: Category, target: Category) -> int:
    """Move every article of source into target, then delete source. Returns how many moved."""
    if source.id == target.id:
        raise EditorialRefused("Choose another category to merge into.")
    moved = db.session.execute(
        sa.update(Article).where(Article.category_id == source.id).values(category_id=target.id)
    ).rowcount
    db.session.delete(source)
    db.session.commit()
    return moved


def merge_tags(source: Tag, target: Tag) -> int:
    """Give every article tagged source the tag target, then delete source. Returns how many."""
    if source.id == target.id:
        raise EditorialRefused("Choose another tag to merge into.")
    tagged = set(
        db.session.scalars(
            sa.select(article_tags.c.article_id).where(article_tags.c.tag_id == source.id)
        )
    )
    already = set(
        db.session.scalars(
            sa.select(article_tags.c.article_id).where(article_tags.c.tag_id == target.id)
        )
    )
    for article_id in tagged - already:
        db.session.execute(article_tags.insert().values(article_id=article_id, tag_id=target.id))
    db.session.delete(source)
    db.session.commit()
    return len(tagged)
