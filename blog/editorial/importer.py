"""Articles from Markdown files with YAML front matter.

parse_article_file() checks a whole file before anything is written; save_article() then
creates or updates the article found by slug, so importing the same file twice never
duplicates it. The slug is what identifies the article, so an import never changes one;
a new article cannot take a slug another article had (its old links lead there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
import yaml
from slugify import slugify

from blog.editorial.publishing import (
    check_slug_free,
    tags_named,
    unique_tag_names,
)
from blog.extensions import db
from blog.inputs import has_visible_text
from blog.models import Article, ArticleStatus, Author, Category, Tag, utcnow
from blog.refusals import Refused

KNOWN_KEYS = {
    "title", "author", "author_bio", "summary", "source", "source_url", "published",
    "category", "tags", "slug", "status",
}  # fmt: skip


class ArticleFileError(ValueError):
    """A file that cannot be imported; the message names the problem."""


@dataclass
class ArticleFile:
    """Everything one file says about an article, already checked."""

    title: str
    slug: str
    author: str
    body: str
    author_bio: str | None = None
    summary: str = ""
    source: str | None = None
    source_url: str | None = None
    published: datetime | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    status: str = ArticleStatus.PUBLISHED


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Separate the YAML block between the opening and closing `---` lines from the body."""
    # NUL is never meaningful in an article, and PostgreSQL cannot store it in text.
    text = text.lstrip("\ufeff").replace("\x00", "")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ArticleFileError("no front matter (the file must start with a line '---')")
    ends = (i for i, line in enumerate(lines) if i and line.strip() in ("---", "..."))
    closing = next(ends, None)
    if closing is None:
        raise ArticleFileError("front matter is not closed by a line '---'")
    try:
        meta = yaml.safe_load("".join(lines[1:closing]))
    except yaml.YAMLError as exc:
        raise ArticleFileError(
            f"front matter is not valid YAML ({exc.__class__.__name__})"
        ) from None
    if not isinstance(meta, dict):
        raise ArticleFileError("front matter must be a set of 'key: value' lines")
    return meta, "".join(lines[closing + 1 :])


def parse_datetime(value: Any) -> datetime:
    """A date or datetime from YAML or a string; naive values are taken as UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ArticleFileError(f"'published' is not a date: {value!r}") from None
    else:
        raise ArticleFileError(f"'published' is not a date: {value!r}")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def check_web_url(value: Any, key: str) -> str:
    """An absolute http(s) URL, or a clear refusal."""
    url = str(value).strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ArticleFileError(f"'{key}' must be an http or https URL, not {url!r}")
    return url


def _text(meta: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ArticleFileError(f"missing '{key}'")
        return None
    if isinstance(value, (dict, list)):
        raise ArticleFileError(f"'{key}' must be text")
    if required and not has_visible_text(str(value)):
        # A title or byline of zero-width characters would show as nothing at all.
        raise ArticleFileError(f"'{key}' has no visible characters")
    return str(value).strip()


def parse_article(text: str) -> ArticleFile:
    """Check a file's text and return what it describes, or raise ArticleFileError."""
    meta, body = split_front_matter(text)
    unknown = sorted(set(meta) - KNOWN_KEYS)
    if unknown:
        raise ArticleFileError(f"unknown key(s): {', '.join(map(str, unknown))}")
    title = _text(meta, "title", required=True)
    author = _text(meta, "author", required=True)
    if not body.strip():
        raise ArticleFileError("the article has no body")
    slug = slugify(_text(meta, "slug") or title, max_length=200)
    if not slug:
        raise ArticleFileError("cannot make a URL slug from the title; give a 'slug'")
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = tags.split(",")
    if not isinstance(tags, list):
        raise ArticleFileError("'tags' must be a list")
    if any("," in str(tag) for tag in tags):
        raise ArticleFileError("a tag cannot contain a comma (the editor separates tags with it)")
    status = _text(meta, "status") or ArticleStatus.PUBLISHED
    if status not in tuple(ArticleStatus):
        raise ArticleFileError(f"'status' must be draft or published, not {status!r}")
    source_url = _text(meta, "source_url")
    published = meta.get("published")
    return ArticleFile(
        title=title,
        slug=slug,
        author=author,
        body=body.strip() + "\n",
        author_bio=_text(meta, "author_bio"),
        summary=_text(meta, "summary") or "",
        source=_text(meta, "source"),
        source_url=check_web_url(source_url, "source_url") if source_url else None,
        published=parse_datetime(published) if published is not None else None,
        category=_text(meta, "category"),
        tags=[str(tag).strip() for tag in tags if str(tag).strip()],
        status=status,
    )


def parse_article_file(path: Path) -> ArticleFile:
    """Read and check one file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ArticleFileError("not UTF-8 text") from None
    except OSError as exc:
        raise ArticleFileError(exc.strerror or "cannot be read") from None
    return parse_article(text)


def _by_slug(model: type[Author] | type[Category] | type[Tag], name: str) -> Any:
    """Find a named thing by the slug of its name, or add a new one to the session."""
    slug = slugify(name, max_length=140)
    found = db.session.scalar(sa.select(model).where(model.slug == slug))
    if found is None:
        found = model(name=name, slug=slug)
        db.session.add(found)
    return found


def save_article(data: ArticleFile) -> Article:
    """Create or update the article with data's slug; the caller commits."""
    author = _by_slug(Author, data.author)
    if data.author_bio is not None:
        author.bio = data.author_bio
    category = _by_slug(Category, data.category) if data.category else None
    tags = tags_named(unique_tag_names(data.tags))

    article = db.session.scalar(sa.select(Article).where(Article.slug == data.slug))
    is_new = article is None
    if is_new:
        # A slug another article had keeps leading there; a file cannot take it over.
        try:
            check_slug_free(data.slug, None)
        except Refused as exc:
            raise ArticleFileError(f"{exc} Give the file a 'slug' of its own.") from None
        article = Article(slug=data.slug)
        db.session.add(article)
    article.title = data.title
    article.author = author
    article.summary = data.summary
    article.body_markdown = data.body
    article.source_name = data.source
    article.source_url = data.source_url
    article.category = category
    article.tags = tags
    article.status = data.status
    article.published_at = data.published or article.published_at or utcnow()
    if is_new:
        # A first import is not a correction: "updated" counts from publication.
        article.updated_at = article.published_at
    return article
