"""The editorial rules, as plain functions: states, slugs, tags, unpublishing, merging, and
the audit log's record of what editors did to articles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from slugify import slugify

from blog.articles import archive
from blog.editorial.pictures import ALT_PLACEHOLDER, has_placeholder_alt
from blog.extensions import db
from blog.models import (
    Article,
    ArticleSlug,
    ArticleStatus,
    Author,
    Category,
    Comment,
    Media,
    ModerationAction,
    Named,
    Tag,
    article_tags,
    utcnow,
)
from blog.refusals import Refused
from blog.rendering import HTML, MARKDOWN, sanitise_html

#: What the audit log calls each thing an editor does to an article.
EDITORIAL_ACTIONS = ("publish", "update", "schedule", "unpublish", "delete")
#: What the editor says when a picture has no alt text.
ALT_NEEDED = (
    "Please say what the picture shows, for readers who cannot see it (and for search engines)."
)


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
        raise Refused("A slug needs letters or digits; please enter one.", "slug")
    return made


def check_slug_free(slug: str, article_id: int | None) -> None:
    """Refuse a slug another article has now, or had: its old links lead to that article."""
    other = Article.id != (article_id or 0)
    owner = db.session.scalar(sa.select(Article.title).where(Article.slug == slug, other))
    if owner is not None:
        raise Refused(f'The slug "{slug}" is already used by "{owner}".', "slug")
    former = db.session.scalar(
        sa.select(Article.title)
        .join(ArticleSlug, ArticleSlug.article_id == Article.id)
        .where(ArticleSlug.slug == slug, other)
    )
    if former is not None:
        raise Refused(
            f'The slug "{slug}" was used by "{former}" before, and its old links still lead '
            "there. Please choose another.",
            "slug",
        )


def move_to_slug(article: Article, slug: str) -> None:
    """Give an article a slug, keeping the one it had so that old links still find it.

    A slug the article takes back stops being an old one (an address is never both).
    """
    if article.slug == slug:
        return
    if article.slug:
        article.old_slugs.append(ArticleSlug(slug=article.slug))
    for old in [old for old in article.old_slugs if old.slug == slug]:
        article.old_slugs.remove(old)
    article.slug = slug


def publication_time(
    current: datetime | None, submitted: datetime | None, status: str
) -> datetime | None:
    """When an article is (to be) published, after an editor saved it.

    The form shows the time to the minute; sending that minute back keeps the exact time
    stored. Publishing without a time publishes now; a time in the future schedules.
    """
    if submitted is None:
        if status == ArticleStatus.PUBLISHED and current is None:
            return utcnow()
        return current
    if current is not None and current.replace(second=0, microsecond=0) == submitted:
        return current
    return submitted


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
        # By name first: a tag renamed with a slug of its own keeps its name's spelling.
        tag = db.session.scalar(
            sa.select(Tag).where(sa.func.lower(Tag.name) == name.lower()).limit(1)
        ) or db.session.scalar(sa.select(Tag).where(Tag.slug == slug))
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
    #: What body_markdown is written in: the article's own format (an editor never changes it).
    body_format: str = MARKDOWN
    #: The media library picture at the top of the article, its alt text, caption and credit.
    lead_image_id: int | None = None
    lead_image_alt: str = ""
    lead_image_caption: str = ""
    lead_image_credit: str = ""
    #: Marked to lead the front page.
    featured: bool = False


def lead_image_of(data: ArticleInput) -> Media | None:
    """The lead image an editor chose, which must still be in the media library and have alt
    text; None for none."""
    if data.lead_image_id is None:
        return None
    media = db.session.get(Media, data.lead_image_id)
    if media is None:
        raise Refused(
            "That picture is no longer in the media library: please upload it again.",
            "lead_image",
        )
    check_alt_text(data.lead_image_alt)
    return media


def check_alt_text(alt: str | None) -> None:
    """A picture shown to readers needs alt text: what it shows, for those who cannot see it."""
    if not (alt or "").strip():
        raise Refused(ALT_NEEDED, "lead_image_alt")


def body_source(article: Article, source: str) -> str:
    """A body as the article keeps it: Markdown as written; HTML (an imported body) sanitised,
    so that what is stored is what readers get, and saving it unchanged changes nothing."""
    return sanitise_html(source) if article.body_format == HTML else source


def apply_input(article: Article, data: ArticleInput) -> Article:
    """Copy an editor's input onto an article (new or existing), keeping the format its body is
    written in; the caller commits."""
    slug = slug_for(data.title, data.slug)
    check_slug_free(slug, article.id)
    article.title = data.title
    move_to_slug(article, slug)
    article.summary = data.summary
    if has_placeholder_alt(data.body_markdown):
        raise Refused(
            f"A picture in the body still says “{ALT_PLACEHOLDER}”: write what it shows instead.",
            "body",
        )
    article.body_markdown = body_source(article, data.body_markdown)
    article.source_name = data.source_name or None
    article.source_url = data.source_url or None
    article.author_id = data.author_id
    article.category_id = data.category_id or None
    article.tags = tags_named(data.tags)
    article.status = data.status
    article.comments_open = data.comments_open
    article.published_at = publication_time(article.published_at, data.published_at, data.status)
    set_lead_image(article, lead_image_of(data), data)
    article.featured = data.featured
    return article


def set_lead_image(article: Article, media: Media | None, data: ArticleInput) -> None:
    """Give an article its lead image with its words; without one, no alt, caption or credit
    are kept (they would describe nothing)."""
    article.lead_image = media
    has_image = media is not None
    article.lead_image_alt = data.lead_image_alt.strip() if has_image else ""
    article.lead_image_caption = data.lead_image_caption.strip() if has_image else ""
    article.lead_image_credit = data.lead_image_credit.strip() if has_image else ""


@dataclass
class SavedArticle:
    """An article just saved, and what saving it did."""

    article: Article
    #: The state before (None for a new article) and after: draft, scheduled or published.
    state_before: str | None
    state: str
    #: What the audit log recorded (one of EDITORIAL_ACTIONS), or None.
    action: str | None
    #: False when the editor saved without changing anything.
    changed: bool = True


def editorial_action(
    state_before: str | None, state_after: str, *, time_changed: bool = False
) -> str | None:
    """What saving an article did, as the audit log names it; None while it stays a draft."""
    if state_after == "draft":
        return "unpublish" if state_before in ("published", "scheduled") else None
    if state_after == "scheduled":
        return "update" if state_before == "scheduled" and not time_changed else "schedule"
    return "update" if state_before == "published" else "publish"


def record_editorial_action(
    article: Article,
    action: str,
    staff_id: int | None,
    status_before: str | None,
    status_after: str | None,
) -> ModerationAction:
    """Add to the audit log who did what to which article; the caller commits.

    The title goes in the detail, so the row still says which article once it is deleted.
    """
    if action not in EDITORIAL_ACTIONS:
        raise ValueError(f"not an editorial action: {action!r}")
    entry = ModerationAction(
        article_id=article.id,
        staff_id=staff_id,
        action=action,
        status_before=status_before,
        status_after=status_after,
        detail=article.title[:300],
    )
    db.session.add(entry)
    return entry


def save_article(
    article: Article | None, data: ArticleInput, staff_id: int | None = None
) -> SavedArticle:
    """Create or update an article from an editor's input, noting it in the audit log.

    Commits once. Saving without a change writes nothing, not even the updated time.
    """
    is_new = article is None
    before = None if is_new else article_state(article.status, article.published_at)
    status_before = None if is_new else article.status
    published_before = None if is_new else article.published_at
    with db.session.no_autoflush:
        article = article or Article()
        apply_input(article, data)
    if is_new:
        article.created_at = article.updated_at = utcnow()
        db.session.add(article)
    changed = is_new or db.session.is_modified(article)
    state = article_state(article.status, article.published_at)
    action = None
    if changed:
        db.session.flush()  # a new article needs its id for the audit log
        time_changed = article.published_at != published_before
        action = editorial_action(before, state, time_changed=time_changed)
    if action is not None:
        record_editorial_action(article, action, staff_id, status_before, article.status)
    db.session.commit()
    return SavedArticle(article, before, state, action, changed)


def unpublish(article: Article, staff_id: int | None = None) -> None:
    """Take an article back to draft, noting it in the audit log; commits."""
    if article.status == ArticleStatus.DRAFT:
        return
    record_editorial_action(article, "unpublish", staff_id, article.status, ArticleStatus.DRAFT)
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


def delete_article(article: Article, staff_id: int | None = None) -> None:
    """Delete an article with its comments, noting it in the audit log; commits."""
    record_editorial_action(article, "delete", staff_id, article.status, None)
    db.session.flush()  # the log's row first: deleting the article then empties its article_id
    db.session.execute(sa.delete(Comment).where(Comment.article_id == article.id))
    db.session.delete(article)
    db.session.commit()


def delete_author(author: Author) -> None:
    """Delete an author who has no articles; commits."""
    count = db.session.scalar(
        sa.select(sa.func.count(Article.id)).where(Article.author_id == author.id)
    )
    if count:
        raise Refused(
            f"{author.name} still has {count} article{'s' if count != 1 else ''}: "
            "reassign them to another author first."
        )
    db.session.delete(author)
    db.session.commit()


def tidy_name_and_slug(
    model: type[Named], name: str, slug: str | None, thing_id: int | None = None
) -> tuple[str, str]:
    """A name and a free slug (made from the name when empty) for a category, tag or author."""
    name = (name or "").strip()
    if not name:
        raise Refused("A name cannot be empty.", "name")
    if model is Tag and "," in name:
        raise Refused(
            "A tag name cannot contain a comma: the editor separates tags with commas.", "name"
        )
    new_slug = slugify(slug or name, max_length=140)
    if not new_slug:
        raise Refused("A slug needs letters or digits.", "slug")
    taken = db.session.scalar(
        sa.select(model.id).where(model.slug == new_slug, model.id != (thing_id or 0))
    )
    if taken:
        raise Refused(f'The slug "{new_slug}" is already taken.', "slug")
    return name, new_slug


def rename(thing: Named, name: str, slug: str | None = None) -> None:
    """Rename a category, tag or author; a new slug must be free. Commits."""
    thing.name, thing.slug = tidy_name_and_slug(type(thing), name, slug, thing.id)
    db.session.commit()


def create_category(name: str, slug: str | None = None) -> Category:
    """Add a category (its slug made from the name when none is given); commits."""
    name, slug = tidy_name_and_slug(Category, name, slug)
    category = Category(name=name, slug=slug)
    db.session.add(category)
    db.session.commit()
    return category


def merge_categories(source: Category, target: Category) -> int:
    """Move every article of source into target, then delete source. Returns how many moved."""
    if source.id == target.id:
        raise Refused("Choose another category to merge into.")
    moved = db.session.execute(
        sa.update(Article).where(Article.category_id == source.id).values(category_id=target.id)
    ).rowcount
    db.session.delete(source)
    db.session.commit()
    return moved


def merge_tags(source: Tag, target: Tag) -> int:
    """Give every article tagged source the tag target, then delete source. Returns how many."""
    if source.id == target.id:
        raise Refused("Choose another tag to merge into.")
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
    archive.copy_published_at(db.session.connection(), sorted(tagged - already))
    db.session.delete(source)
    db.session.commit()
    return len(tagged)
