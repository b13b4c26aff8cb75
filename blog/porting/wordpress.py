"""`flask --app blog import-wordpress FILE.xml`: a WordPress site's posts, authors, categories,
tags and comments, and the old addresses of its posts.

The file is read twice (blog.porting.wxr): once to check all of it, so a file that is not an
export, or is cut short, or is unsafe XML, is refused with one line and nothing written; then to
write it in batches of a few hundred rows, each committed in a transaction of its own, so
commenters wait for the database's write lock a moment at most. What is brought in is keyed by
the WordPress ids (blog.porting.keys): importing the file again adds only what is new, and
nothing removed here since (deleted, purged, erased) comes back.

WordPress's statuses become ours: publish is published, future is published at its future time
(scheduled), draft, pending and private are drafts, trash is left out. A post behind a password
becomes a draft too: this site has no passwords for articles, and it was never for every reader.
Pages, attachments, menu items and other types, and pingbacks and trackbacks, are counted and
left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from slugify import slugify

from blog.database import begin_write
from blog.editorial.publishing import article_state, check_slug_free, slug_for
from blog.extensions import db
from blog.inputs import has_visible_text
from blog.models import (
    Article,
    ArticleStatus,
    Author,
    Category,
    Named,
    Redirect,
    Tag,
    utcnow,
)
from blog.porting.comments import add_comments, ip_kept_since
from blog.porting.console import counted, reading_with_progress
from blog.porting.keys import known, remember
from blog.porting.links import redirect_path
from blog.porting.redirects import MAX_PATH_LENGTH
from blog.porting.safexml import ImportRefused
from blog.porting.wxr import Channel, Post, read
from blog.porting.wxr_html import body_html, summary_for
from blog.refusals import Refused
from blog.rendering import HTML

#: The import_keys kinds of what a post brings.
POST = "post"
AUTHOR = "author"
#: Rows (posts and comments) written and committed together.
BATCH_ROWS = 400
#: WordPress's statuses of a post that becomes one of our drafts.
DRAFT_STATUSES = ("draft", "pending", "private", "auto-draft")
#: The post types left out, by the name the summary gives them.
SKIPPED_TYPES = {"page": "pages", "attachment": "attachments", "nav_menu_item": "menu items"}
#: What a post with no title is called (WordPress shows the same).
NO_TITLE = "(no title)"


@dataclass
class Tally:
    """What an import did, for its summary."""

    #: Articles made, by state: published, scheduled, draft.
    articles: Counter = field(default_factory=Counter)
    #: Comments added, by status.
    comments: Counter = field(default_factory=Counter)
    created: Counter = field(default_factory=Counter)
    #: Posts behind a password, made drafts.
    protected: int = 0
    posts_here: int = 0
    comments_here: int = 0
    pings: int = 0
    trashed: int = 0
    #: Items left out by type ("pages", "attachments", "menu items", or WordPress's name).
    left_out: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        """One short paragraph saying what was imported and what was not."""
        states = self.articles
        statuses = self.comments
        parts = [
            f"Imported {counted(sum(states.values()), 'post')} ({states['published']} published, "
            f"{states['scheduled']} scheduled, {counted(states['draft'], 'draft')})"
            f" and {counted(sum(statuses.values()), 'comment')} ({statuses['approved']} approved, "
            f"{statuses['pending']} held for moderation, {statuses['spam']} spam, "
            f"{statuses['trash']} in the trash); created "
            f"{counted(self.created['author'], 'author')}, "
            f"{counted(self.created['category'], 'category', 'categories')} and "
            f"{counted(self.created['tag'], 'tag')}."
        ]
        if self.protected:
            verb = "is a draft" if self.protected == 1 else "are drafts"
            parts.append(f"{counted(self.protected, 'post')} behind a password {verb} here.")
        if self.posts_here or self.comments_here:
            parts.append(
                f"Already imported before, so skipped: {counted(self.posts_here, 'post')} and "
                f"{counted(self.comments_here, 'comment')}."
            )
        left_out = [
            counted(self.pings, "pingback or trackback", "pingbacks and trackbacks"),
            *(counted(self.left_out[kind], kind[:-1], kind) for kind in SKIPPED_TYPES.values()),
            counted(self.trashed, "trashed post"),
        ]
        others = {k: n for k, n in self.left_out.items() if k not in SKIPPED_TYPES.values()}
        if others:
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(others.items()))
            left_out.append(f"{counted(sum(others.values()), 'item')} of other types ({kinds})")
        parts.append(f"Left out: {', '.join(left_out)}.")
        return " ".join(parts)


def _posts(path: Path, label: str) -> Iterator[Channel | Post]:
    """Read the export with a progress bar over its bytes, on stderr."""
    with reading_with_progress(path, label) as source:
        yield from read(source)


def check_export(path: Path) -> Channel:
    """Read the whole file once, writing nothing: its channel, or ImportRefused."""
    channel = None
    for found in _posts(path, "Checking "):
        if isinstance(found, Channel):
            channel = found
    assert channel is not None  # read() yields one or refuses the file
    return channel


class WordPressImport:
    """One import's writing: finds or makes authors, categories and tags, writes articles,
    their old addresses and comments, a batch at a time."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.source = channel.source
        self.tally = Tally()
        config = current_app.config
        self.max_depth = config["COMMENT_MAX_DEPTH"]
        self.ip_kept_after = ip_kept_since(config)
        #: Ids here by WordPress login (authors) and by slug (categories, tags): few, kept.
        self.authors: dict[str, int] = {}
        self.categories: dict[str, int | None] = {}
        self.tags: dict[str, int | None] = {}

    def takes(self, post: Post) -> bool:
        """Whether the item is a post to import; what is left out is counted."""
        if post.post_type != "post":
            self.tally.left_out[SKIPPED_TYPES.get(post.post_type, post.post_type)] += 1
            return False
        if post.status == "trash":
            self.tally.trashed += 1
            return False
        self.tally.pings += post.pings
        return True

    def write(self, batch: list[Post]) -> None:
        """Write a batch of posts with their comments, and commit."""
        begin_write(db.session)
        keys = known(self.source, POST, [post.post_id for post in batch])
        local_ids = [local for local in keys.values() if local is not None]
        alive = set(db.session.scalars(sa.select(Article.id).where(Article.id.in_(local_ids))))
        for post in batch:
            if post.post_id in keys:
                self.tally.posts_here += 1
                article_id = keys[post.post_id]
                if article_id not in alive:  # removed here since: it stays removed
                    self.tally.comments_here += len(post.comments)
                    continue
            else:
                article_id = self._add_article(post)
                keys[post.post_id] = article_id  # a post twice in one file is made once
                alive.add(article_id)
            _, skipped = add_comments(
                self.source,
                article_id,
                post.comments,
                max_depth=self.max_depth,
                ip_kept_after=self.ip_kept_after,
                tally=self.tally.comments,
            )
            self.tally.comments_here += skipped
        db.session.commit()
        db.session.expunge_all()  # memory follows a batch, not the file

    def _add_article(self, post: Post) -> int:
        """Make the article a post becomes, with its old addresses and its key; its id."""
        now = utcnow()
        if post.status in DRAFT_STATUSES or post.protected:
            self.tally.protected += post.protected and post.status not in DRAFT_STATUSES
            status, published_at = ArticleStatus.DRAFT, None
        else:  # publish, future (scheduled), or a status of a plugin's: shown as WordPress would
            status, published_at = ArticleStatus.PUBLISHED, post.date or now
        body = body_html(post.content)
        title = post.title if has_visible_text(post.title) else NO_TITLE
        article = Article(
            title=title[:300],
            slug=self._free_slug(post, title),
            summary=summary_for(post.excerpt, body),
            body_format=HTML,
            body_markdown=body,
            author_id=self._author(post.creator),
            category_id=self._named(Category, self.categories, *post.category)
            if post.category
            else None,
            status=status,
            published_at=published_at,
            created_at=min(post.date or now, now),
            # A first import is not a correction: "updated" counts from publication.
            updated_at=published_at or now,
            comments_open=post.comments_open,
        )
        tag_ids = dict.fromkeys(self._named(Tag, self.tags, name, slug) for name, slug in post.tags)
        article.tags = [db.session.get(Tag, tag_id) for tag_id in tag_ids if tag_id is not None]
        db.session.add(article)
        db.session.flush()
        remember(self.source, POST, post.post_id, article.id)
        self._add_old_addresses(post, article.id)
        self.tally.articles[article_state(status, published_at, now)] += 1
        return article.id

    def _free_slug(self, post: Post, title: str) -> str:
        """The post's slug (its own, else made from its title), with -2, -3… when another
        article has it or had it."""
        try:
            base = slug_for(title, post.post_name or None)
        except Refused:
            base = f"post-{post.post_id}"
        return first_free(base, 200, _article_slug_is_free)

    def _add_old_addresses(self, post: Post, article_id: int) -> None:
        """Its permalink and its /?p=123 address answer with the article (unless another
        article has one of them already)."""
        blog_url = self.channel.blog_url.rstrip("/")
        paths = {redirect_path(post.link)} if post.link else set()
        paths.add(redirect_path(f"{blog_url}/?p={post.post_id}"))
        paths = {path for path in paths if path != "/" and len(path) <= MAX_PATH_LENGTH}
        taken = set(db.session.scalars(sa.select(Redirect.path).where(Redirect.path.in_(paths))))
        for path in sorted(paths - taken):
            db.session.add(Redirect(path=path, article_id=article_id))

    def _author(self, login: str) -> int:
        """The author of a post by this login: the one imported for it before, else one by the
        same name, else a new one (named as the export's wp:author block names them)."""
        if login in self.authors:
            return self.authors[login]
        name = " ".join(self.channel.authors.get(login, login).split())[:120]
        name = name if has_visible_text(name) else "Unknown author"
        key = known(self.source, AUTHOR, [login])
        author_id = key.get(login)
        if author_id is None or db.session.get(Author, author_id) is None:
            author_id = db.session.scalar(sa.select(Author.id).where(Author.name == name).limit(1))
        if author_id is None:
            author_id = self._create(Author, name, slugify(name, max_length=140) or "author")
        if login not in key:
            remember(self.source, AUTHOR, login, author_id)
        self.authors[login] = author_id
        return author_id

    def _named(
        self, model: type[Category | Tag], cache: dict[str, int | None], name: str, slug: str
    ) -> int | None:
        """The category or tag with this slug, made when there is none; None when neither slug
        nor name has a letter or digit."""
        slug = slugify(slug, max_length=140) or slugify(name, max_length=140)
        if slug not in cache:
            found = db.session.scalar(sa.select(model.id).where(model.slug == slug))
            if found is None and slug:
                found = self._create(model, name[:120], slug)
            cache[slug] = found
        return cache[slug]

    def _create(self, model: type[Named], name: str, slug: str) -> int:
        """Add a new author, category or tag, with -2, -3… on a slug that is taken."""

        def is_free(candidate: str) -> bool:
            return db.session.scalar(sa.select(model.id).where(model.slug == candidate)) is None

        thing = model(name=name, slug=first_free(slug, 140, is_free))
        db.session.add(thing)
        db.session.flush()
        self.tally.created[model.__name__.lower()] += 1
        return thing.id


def first_free(base: str, max_length: int, is_free: Callable[[str], bool]) -> str:
    """base, or base-2, base-3… (within max_length), whichever is_free first."""
    candidates = (
        base if number == 1 else f"{base[: max_length - len(str(number)) - 1]}-{number}"
        for number in count(1)
    )
    return next(slug for slug in candidates if is_free(slug))


def _article_slug_is_free(slug: str) -> bool:
    try:
        check_slug_free(slug, None)
    except Refused:
        return False
    return True


def import_export(path: Path, channel: Channel) -> Tally:
    """Write the checked export's posts and comments in committed batches."""
    importer = WordPressImport(channel)
    batch: list[Post] = []
    rows = 0
    for post in _posts(path, "Importing"):
        if isinstance(post, Channel) or not importer.takes(post):
            continue
        batch.append(post)
        rows += 1 + len(post.comments)
        if rows >= BATCH_ROWS:
            importer.write(batch)
            batch, rows = [], 0
    if batch:
        importer.write(batch)
    return importer.tally


@click.command("import-wordpress")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_wordpress_command(file: Path) -> None:
    """Import a WordPress export (WXR): posts, authors, categories, tags, comments, and the
    posts' old addresses."""
    try:
        channel = check_export(file)
    except ImportRefused as refusal:
        raise click.ClickException(f"{file.name} was not imported: {refusal}.") from None
    click.echo(import_export(file, channel).summary())
