"""The tables, typed, and the named queries that the views build on.

Models never commit: the use case (a view or a command) commits once.

Over 400 lines, knowingly: ten tables that refer to one another (Article.comment_count counts
Comments, the comment feeds join Article for its visibility), read side by side. Splitting them
by feature, as STYLE.md suggests past about six models, is a change of its own.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import (
    Mapped,
    column_property,
    defer,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
    undefer,
    validates,
)
from sqlalchemy.sql import Select
from sqlalchemy.types import TypeDecorator

from blog.extensions import db
from blog.media.names import EXTENSIONS, FileName, file_names, srcset
from blog.rendering import MARKDOWN, render_body, render_comment


def now_at_execution() -> sa.BindParameter:
    """The current time as a parameter filled in when a statement runs, not when it is built."""
    return sa.bindparam("now", callable_=utcnow, type_=UTCDateTime, unique=True)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def _just_after_now() -> datetime:
    """The first moment after now that a datetime column can hold: "< this" is "<= now"."""
    return utcnow() + timedelta(microseconds=1)


class UTCDateTime(TypeDecorator):
    """A datetime stored in UTC and always returned timezone-aware.

    SQLite keeps no zone, so values go in as naive UTC and come back marked as UTC;
    PostgreSQL stores a timestamptz. Naive datetimes are refused rather than guessed at.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ArticleStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class CommentStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    SPAM = "spam"
    TRASH = "trash"


class Named:
    """A thing readers know by name, with a unique slug for its URL."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(140), unique=True)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.slug}>"


class Media(db.Model):
    """An uploaded picture: checked, turned upright, stripped of EXIF and stored in several
    widths, in WebP and the format it came in (blog.media). Never changed once made: an edited
    picture is a new upload with a new digest, so its files can be cached for a year."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The first hex digits of the upload's SHA-256: the same file uploaded twice is one picture.
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: "jpeg", "png" or "webp": the format it was uploaded in (blog.media.names.EXTENSIONS).
    format: Mapped[str] = mapped_column(sa.String(10))
    #: The size of its widest stored file (not the upload's, which may be larger).
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    #: The name the file had on the uploader's computer, for the media library only.
    original_name: Mapped[str] = mapped_column(sa.String(255), default="", server_default="")
    #: The bytes of all its stored files together.
    stored_bytes: Mapped[int] = mapped_column(default=0, server_default="0")
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def files(self, fmt: str | None = None) -> list[FileName]:
        """Its stored files in one format (its own by default), narrowest first."""
        ext = "webp" if fmt == "webp" else EXTENSIONS[fmt or self.format]
        return file_names(self.digest, self.width, self.height, ext)

    def all_files(self) -> list[FileName]:
        """Every stored file: its own format's, then WebP's (once, when they are the same)."""
        own = self.files()
        return own if self.format == "webp" else own + self.files("webp")

    def srcset(self, fmt: str | None = None) -> str:
        """The srcset attribute for one format (its own by default)."""
        return srcset(self.files(fmt))

    @property
    def largest(self) -> FileName:
        """Its widest file in its own format: what a social card or a feed points to."""
        return self.files()[-1]

    @property
    def smallest(self) -> FileName:
        """Its narrowest file in its own format: the fallback src of an <img>."""
        return self.files()[0]

    def __repr__(self) -> str:
        return f"<Media {self.digest}>"


class MediaFile(db.Model):
    """A stored file's bytes, when the pictures are kept in the database (MEDIA_STORE =
    "database"): the store every app server shares, written in the transaction that adds the
    picture (blog.media.store)."""

    __tablename__ = "media_files"

    #: The file's name (blog.media.names): digest, size and extension.
    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    media_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("media.id", ondelete="CASCADE"), index=True
    )
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)


class Author(Named, db.Model):
    __tablename__ = "authors"

    #: Plain text, shown in the author box and on the author page.
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    #: Their photo, shown in the author box and on their page (its alt text is their name).
    photo_id: Mapped[int | None] = mapped_column(sa.ForeignKey("media.id", ondelete="SET NULL"))

    photo: Mapped[Media | None] = relationship(lazy="joined")
    articles: Mapped[list[Article]] = relationship(back_populates="author")


class Category(Named, db.Model):
    __tablename__ = "categories"


class Tag(Named, db.Model):
    __tablename__ = "tags"


article_tags = sa.Table(
    "article_tags",
    db.metadata,
    sa.Column("article_id", sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # The article's published_at, copied here on every save (blog.articles.archive), so a tag's
    # page reads its newest articles in order from one index instead of sorting all of them.
    sa.Column("published_at", UTCDateTime, nullable=True),
    sa.Index("ix_article_tags_tag_id_published_at", "tag_id", "published_at", "article_id"),
)


class Article(db.Model):
    __tablename__ = "articles"
    __table_args__ = (
        # Listings read ids from an index that matches their filter and order, then fetch the
        # page's rows (blog.articles.pagination): each ends in published_at, id.
        sa.Index("ix_articles_status_published_at_id", "status", "published_at", "id"),
        sa.Index(
            "ix_articles_author_id_status_published_at_id",
            "author_id",
            "status",
            "published_at",
            "id",
        ),
        sa.Index(
            "ix_articles_category_id_status_published_at_id",
            "category_id",
            "status",
            "published_at",
            "id",
        ),
        # Visibility by id without reading the article rows (search matches, a tag's articles).
        sa.Index("ix_articles_id_status_published_at", "id", "status", "published_at"),
        sa.CheckConstraint("status IN ('draft', 'published')", name="status"),
        sa.CheckConstraint("body_format IN ('markdown', 'html')", name="body_format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: The standfirst: a short summary shown under the headline and in listings.
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    body_markdown: Mapped[str] = mapped_column(sa.Text)
    #: What body_markdown is written in (blog.rendering.BODY_FORMATS): "markdown", or "html" for
    #: a body imported from another platform, kept as sanitised HTML (the editor shows it so).
    body_format: Mapped[str] = mapped_column(
        sa.String(10), default=MARKDOWN, server_default=MARKDOWN
    )
    #: Sanitized HTML, rendered whenever body_markdown is set.
    body_html: Mapped[str] = mapped_column(sa.Text)
    source_name: Mapped[str | None] = mapped_column(sa.String(200))
    source_url: Mapped[str | None] = mapped_column(sa.String(2000))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("authors.id"))
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default=ArticleStatus.PUBLISHED)
    #: active_history: the time it is moved from is known when it changes, so the archive
    #: marks the month it left as well as the one it joined (blog.articles.archive).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, active_history=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    comments_open: Mapped[bool] = mapped_column(default=True)
    #: The picture at the top of the article, on the front page and in social cards.
    lead_image_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("media.id", ondelete="SET NULL")
    )
    #: What the lead image shows, for those who cannot see it (required with a lead image).
    lead_image_alt: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    lead_image_caption: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    #: Who made the picture ("Photo: A. Person"), shown after the caption.
    lead_image_credit: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    #: Marked by an editor to lead the front page (the newest featured one leads).
    featured: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    author: Mapped[Author] = relationship(back_populates="articles")
    lead_image: Mapped[Media | None] = relationship(lazy="joined")
    category: Mapped[Category | None] = relationship()
    #: Slugs this article was published under before; each answers with a redirect.
    old_slugs: Mapped[list[ArticleSlug]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True
    )
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by=Tag.name)

    @validates("body_markdown", "body_format")
    def _render_body(self, key: str, value: str) -> str:
        """Render the stored HTML whenever the source or its format is set."""
        source = value if key == "body_markdown" else self.body_markdown
        body_format = value if key == "body_format" else self.body_format
        if source is not None:
            self.body_html = render_body(source, body_format)
        return value

    @hybrid_property
    def is_visible(self) -> bool:
        """Visible to readers: published, and dated now or earlier (not a draft, not scheduled).

        The one statement of the rule. On an article it is a bool; on the class it is a SQL
        clause, `.where(Article.is_visible)`, whose "now" is bound when the statement runs, so
        statements built once and cached stay right.
        """
        return (
            self.status == ArticleStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at <= utcnow()
        )

    @is_visible.inplace.expression
    @classmethod
    def _is_visible_clause(cls) -> sa.ColumnElement[bool]:
        return sa.and_(
            cls.status == ArticleStatus.PUBLISHED, cls.published_at <= now_at_execution()
        )

    @classmethod
    def next_publication(cls) -> Select:
        """The time the next scheduled article becomes visible (is_visible's complement among
        published articles, soonest first): what a kept page must not outlive."""
        return (
            sa.select(cls.published_at)
            .where(cls.status == ArticleStatus.PUBLISHED, cls.published_at > now_at_execution())
            .order_by(cls.published_at)
            .limit(1)
        )

    @classmethod
    def visible_during(
        cls, start: sa.ColumnElement | datetime, end: sa.ColumnElement | datetime
    ) -> sa.ColumnElement[bool]:
        """is_visible, for articles published from start until before end, written as one
        range of the (status, published_at) index: "until the earlier of end and now".

        Same rule as is_visible; spelled this way because a database given both "before end"
        and "not after now" seeks on one and filters on the other, which for an old month
        means reading every article since.
        """
        now = sa.bindparam("now", callable_=_just_after_now, type_=UTCDateTime, unique=True)
        until = sa.case((end < now, end), else_=now)
        return sa.and_(
            cls.status == ArticleStatus.PUBLISHED,
            cls.published_at >= start,
            cls.published_at < until,
        )

    @classmethod
    def any_visible(cls, condition: sa.ColumnElement[bool]) -> sa.Exists:
        """EXISTS a visible article meeting condition, checked per row of the outer query
        (an author or category with a visible article: one index seek each)."""
        return sa.select(cls.id).where(condition, cls.is_visible).exists()

    @classmethod
    def visible_with_id(cls, id_column: sa.ColumnElement[int]) -> sa.Exists:
        """EXISTS a visible article whose id is id_column (a comment's, a tag row's article_id).

        Checked per row of the other table, so the database walks that table's index in its
        own order and looks each article up by id; a join would let it start from every
        visible article instead.
        """
        return cls.any_visible(cls.id == id_column)

    @property
    def was_updated(self) -> bool:
        """Whether it changed noticeably (more than a minute) after publication."""
        if self.published_at is None:
            return False
        return (self.updated_at - self.published_at).total_seconds() > 60

    @classmethod
    def published(cls) -> Select:
        """Articles readers may see, newest first: published and not dated in the future."""
        return sa.select(cls).where(cls.is_visible).order_by(cls.published_at.desc(), cls.id.desc())

    @classmethod
    def listing_options(cls) -> tuple:
        """What a listing shows of each article, loaded with it in a fixed number of queries."""
        return (
            defer(cls.body_markdown),
            defer(cls.body_html),
            joinedload(cls.author),
            joinedload(cls.category),
            selectinload(cls.tags),
            undefer(cls.comment_count),
        )

    @classmethod
    def listing(cls) -> Select:
        """Published articles with all a listing shows, in a fixed number of queries."""
        return cls.published().options(*cls.listing_options())

    @classmethod
    def listed(cls, ids: list[int]) -> Select:
        """The articles with these ids, with all a listing shows, in no particular order.

        By primary key only: a page of ten found in a listing's index is fetched by their ids,
        never by the listing's own filter and order, which a database may answer by walking
        every visible article to find the ten. The caller puts them in the ids' order.
        """
        return sa.select(cls).where(cls.id.in_(ids)).options(*cls.listing_options())

    @classmethod
    @cache
    def published_by_slug(cls) -> Select:
        """The visible article at :slug, its own columns only (built once)."""
        return cls.published().where(cls.slug == sa.bindparam("slug"))

    @classmethod
    @cache
    def page_by_slug(cls) -> Select:
        """The visible article at :slug with all its page shows but its tags (see tags_of).

        Built once: a statement made per request costs more in SQLAlchemy than running it.
        """
        return cls.published_by_slug().options(
            defer(cls.body_markdown),
            joinedload(cls.author),
            joinedload(cls.category),
            undefer(cls.comment_count),
        )

    @classmethod
    @cache
    def tags_of(cls) -> Select:
        """The tags of the article :article_id, in the order the relationship keeps them."""
        return (
            sa.select(Tag)
            .join(article_tags, article_tags.c.tag_id == Tag.id)
            .where(article_tags.c.article_id == sa.bindparam("article_id"))
            .order_by(Tag.name)
        )

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"


class ArchiveMonth(db.Model):
    """A month that has (or had) articles, and when its articles last changed.

    Kept by blog.articles.archive as articles are saved, so the archive and the sitemap index
    list months and their last change without reading every article.
    """

    __tablename__ = "archive_months"

    #: The month (UTC), as "YYYY-MM".
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    #: Its first moment and the next month's, so queries seek articles by published_at.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ArchiveMonth {self.month}>"


class CacheDebt(db.Model):
    """A change whose pages the shared cache could not be told about (it was unreachable).

    Written by blog.pagecache after a version bump fails; the first process to reach the cache
    again compares the newest debt with the one the cache last settled and, if it is newer,
    invalidates every kept page. Rows are only ever added: a debt is settled by being seen.
    """

    __tablename__ = "cache_debts"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<CacheDebt {self.id}>"


class SpentToken(db.Model):
    """A single-use signed link that has been used (blog.signing.spend): its digest, never the
    token itself, so the table cannot be read back into working links."""

    __tablename__ = "spent_tokens"

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    spent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SpentToken {self.digest[:8]}>"


class ArticleSlug(db.Model):
    """A slug an article had before an editor changed it: old links answer 301 to the new one."""

    __tablename__ = "article_slugs"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="old_slugs")


class Redirect(db.Model):
    """An address an article had on the platform it was moved from (a WordPress permalink such
    as /2014/01/slug/ or /?p=123): it answers 301 to the article."""

    __tablename__ = "redirects"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The path, with its query string when it is part of the address ("/?p=123").
    path: Mapped[str] = mapped_column(sa.String(500), unique=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship()


class ImportKey(db.Model):
    """What an importer brought in, keyed by the source's own id: importing the same file again
    finds the key and changes nothing. The key outlives its row, so data purged or erased
    since is never brought back."""

    __tablename__ = "import_keys"

    #: Which platform and site ("wordpress:https://old.example.org", "disqus:forum-name").
    source: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    #: What the id is of: "post", "comment", "author", "thread"…
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    source_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    #: The row made from it here (an article's or a comment's id), kept after the row is gone.
    local_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):
    """A reader's comment. The email is for moderators only and is never shown publicly."""

    __tablename__ = "comments"
    __table_args__ = (
        # The queue's tabs, newest first, for every comment or one article's (blog.admin.paging).
        sa.Index("ix_comments_status_created_at_id", "status", "created_at", "id"),
        sa.Index(
            "ix_comments_article_id_status_created_at_id",
            "article_id",
            "status",
            "created_at",
            "id",
        ),
        # Is this email known (approved before)? Has it said exactly this here already?
        sa.Index("ix_comments_author_email_status", "author_email", "status"),
        sa.Index("ix_comments_article_id_author_email", "article_id", "author_email"),
        # Which page of threads a comment is on: count the shown top-level comments before it
        # (whatever the number of comments waiting in the queue).
        sa.Index(
            "ix_comments_article_id_status_parent_id_created_at",
            "article_id",
            "status",
            "parent_id",
            "created_at",
        ),
        sa.CheckConstraint("status IN ('pending', 'approved', 'spam', 'trash')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    #: 1 for a comment on the article, 2 for a reply to it, and so on.
    depth: Mapped[int] = mapped_column(default=1, server_default="1")
    status: Mapped[str] = mapped_column(sa.String(20), default=CommentStatus.PENDING)
    #: Why the rules held it or called it spam, for the moderator.
    hold_reason: Mapped[str | None] = mapped_column(sa.String(200))
    author_name: Mapped[str] = mapped_column(sa.Text)
    #: Normalized by email-validator; staff eyes only.
    author_email: Mapped[str] = mapped_column(sa.Text)
    author_website: Mapped[str | None] = mapped_column(sa.Text)
    #: Exactly what was typed.
    body: Mapped[str] = mapped_column(sa.Text)
    #: The body as inert HTML (escaped, paragraphs, links), rendered whenever body is set.
    body_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a moderator last changed its text (readers see "edited"); None if never.
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.Text)
    #: The staff account that wrote it, for staff replies (shown with a Staff badge).
    staff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )

    article: Mapped[Article] = relationship()
    staff: Mapped[Staff | None] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])

    @validates("body")
    def _render_body(self, _key: str, value: str) -> str:
        self.body_html = render_comment(value)
        return value

    @classmethod
    def approved_on_visible_articles(cls) -> Select:
        """Approved comments on articles readers can see, newest first (for feeds).

        The article is checked per comment (Article.visible_with_id), not joined: so the database
        reads the newest approved comments from their index and stops at the feed's length.
        """
        return (
            sa.select(cls)
            .where(cls.status == CommentStatus.APPROVED, Article.visible_with_id(cls.article_id))
            .order_by(cls.created_at.desc(), cls.id.desc())
        )

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.article_id}>"


#: Approved comments, counted in the same statement that loads the article (when undeferred).
Article.comment_count = column_property(
    sa.select(sa.func.count(Comment.id))
    .where(Comment.article_id == Article.id, Comment.status == CommentStatus.APPROVED)
    .correlate_except(Comment)
    .scalar_subquery(),
    deferred=True,
)


class StaffRole(enum.StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    MODERATOR = "moderator"


class Staff(db.Model):
    """Someone who logs in: everyone moderates; editors and admins write; admins manage accounts."""

    __tablename__ = "staff"
    __table_args__ = (sa.CheckConstraint("role IN ('admin', 'editor', 'moderator')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    #: Optional; where moderation notices go.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20), default=StaffRole.MODERATOR)
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Part of the id kept in session and remember cookies; a new one ends every session.
    session_token: Mapped[str] = mapped_column(sa.String(64))

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The id Flask-Login stores: the row id and this account's current session token."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN

    @property
    def can_write(self) -> bool:
        """Admins and editors write articles; moderators do not."""
        return self.role in (StaffRole.ADMIN, StaffRole.EDITOR)

    def __repr__(self) -> str:
        return f"<Staff {self.username}>"


class ModerationAction(db.Model):
    """The audit log: who did what to which comment or article, and the status before and after."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Null once the comment is deleted permanently; the record of the deletion stays.
    comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    #: The article acted on, for editorial actions; null once the article is deleted.
    article_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(40))
    #: What the row alone cannot say later, e.g. a deleted article's title or a ban's value.
    detail: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    status_before: Mapped[str | None] = mapped_column(sa.String(20))
    status_after: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[Staff | None] = relationship()
    article: Mapped[Article | None] = relationship()

    @classmethod
    def on_comment(
        cls, comment: Comment, staff_id: int | None, action: str, status_after: str | None
    ) -> ModerationAction:
        """The entry for an action on a comment, from the status it has now (staff_id None:
        taken by a rule or by the commenter)."""
        return cls(
            comment_id=comment.id,
            staff_id=staff_id,
            action=action,
            status_before=comment.status,
            status_after=status_after,
        )


class CommentRevision(db.Model):
    """A comment's text as it was before a moderator edited it."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[Staff | None] = relationship()


class ReportReason(enum.StrEnum):
    SPAM = "spam"
    ABUSE = "abuse"
    OFF_TOPIC = "off-topic"
    OTHER = "other"


class CommentReport(db.Model):
    """A reader's report that a comment breaks the rules (blog.comments.reports).

    Who reported is kept only as keyed hashes of their browser session and their network, enough
    to tell reporters apart and nothing more: no address, no cookie value.
    """

    __tablename__ = "comment_reports"
    __table_args__ = (
        sa.UniqueConstraint("comment_id", "reporter", name="comment_reporter"),
        sa.CheckConstraint("reason IN ('spam', 'abuse', 'off-topic', 'other')", name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.String(16))
    #: What the reader added (optional).
    note: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    #: Keyed hashes of the reporter's session and of their network (/24 IPv4, /64 IPv6).
    reporter: Mapped[str] = mapped_column(sa.String(32))
    network: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a moderator closed it (dismissed it, or decided on the comment); None while open.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id", ondelete="SET NULL"))


class BanKind(enum.StrEnum):
    EMAIL = "email"
    IP = "ip"


class Ban(db.Model):
    """An email address or an IP network whose comments go straight to spam."""

    __tablename__ = "bans"
    __table_args__ = (
        sa.UniqueConstraint("kind", "value", name="kind_value"),
        sa.CheckConstraint("kind IN ('email', 'ip')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    #: A normalized email, or a network in CIDR form (a single address is a /32 or /128).
    value: Mapped[str] = mapped_column(sa.String(254))
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    #: When the ban lapses; None for a ban with no end.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(db.Model):
    """An email waiting to go out, or gone: written in the same transaction as the change that
    causes it, so a committed change always has its email and a rolled-back one never does.

    blog.outbox sends it: a sender claims a due message by pushing next_attempt_at one lease
    ahead, sends it outside any transaction, then sets sent_at, or next_attempt_at to a later
    retry. Rows are kept once sent.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.Index("ix_outbox_messages_sent_at_next_attempt_at", "sent_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The message as it goes on the wire, headers (Message-ID among them) and body.
    message: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: The envelope's recipients.
    recipients: Mapped[list[str]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Sending attempts begun (a claim counts one); the claim's token when it is marked.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Due from then: the next retry, or the end of the lease of a sender that holds it.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last failure: exception class and SMTP code only (an SMTP error's text can repeat
    #: addresses), e.g. "SMTPDataError 554".
    last_error: Mapped[str | None] = mapped_column(sa.String(100))
    #: What it is for ("moderation", "confirmation", "reply", "digest", "password-reset", ...).
    kind: Mapped[str] = mapped_column(sa.String(40), default="notice", server_default="notice")
    #: Its Subject, for the staff's outbox page.
    subject: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    #: Set when the senders stopped trying (OUTBOX_MAX_ATTEMPTS failures); a retry clears it.
    gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def due(now: datetime) -> Select:
        """Messages not yet sent nor given up whose time has come, the longest waiting first."""
        return (
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.gave_up_at.is_(None),
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id}>"


class Subscriber(db.Model):
    """An address a commenter gave with a follow-up box ticked (blog.subscriptions).

    Nothing but its confirmation is ever sent to it until it is confirmed (double opt-in), and
    that at most once per NOTIFY_CONFIRMATION_HOURS. Links in emails name it by id, never by
    address, so no address appears in a URL or a log line.
    """

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Where its mail goes: the address as first given (normalized by email-validator, as on
    #: the comment); never shown publicly.
    email: Mapped[str] = mapped_column(sa.Text)
    #: The inbox the address reaches (blog.subscriptions.followers.mailbox_of): every spelling
    #: of one inbox (ADA@, ada+x@, a.da@gmail) is one subscriber, with one confirmation a day.
    #: Text, not String(254): case folding can lengthen a valid address ("ΐ" folds to three).
    mailbox: Mapped[str] = mapped_column(sa.Text, unique=True)
    #: When its owner pressed the confirmation button; None until then, and again after
    #: unsubscribing from everything (a new box ticked needs a new confirmation).
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the latest confirmation email was written.
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Subscriber {self.id}>"


class SubscriptionKind(enum.StrEnum):
    #: Tell me when my held comment is approved (with either box ticked; used up by its email).
    APPROVAL = "approval"
    #: Tell me of approved replies to my comment.
    REPLIES = "replies"
    #: Send me digests of approved new comments on this article.
    ARTICLE = "article"


class Subscription(db.Model):
    """What one subscriber asked to hear about: a comment's approval or replies, or an article."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('approval', 'replies', 'article')", name="kind"),
        # One of each per comment; one follow per article (comment_id is NULL for those, and
        # NULLs never collide in a unique constraint, hence the partial index).
        sa.UniqueConstraint("subscriber_id", "kind", "comment_id", name="what"),
        sa.Index(
            "ix_subscriptions_one_follow_per_article",
            "subscriber_id",
            "article_id",
            unique=True,
            sqlite_where=sa.text("kind = 'article'"),
            postgresql_where=sa.text("kind = 'article'"),
        ),
        # Who hears of a comment's approval or replies; who follows an article.
        sa.Index("ix_subscriptions_comment_id_kind", "comment_id", "kind"),
        sa.Index("ix_subscriptions_article_id_kind", "article_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(10))
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    #: The comment it is about (approval, replies); None for an article's. Deleted with it.
    comment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: An article's: when its latest digest was written (the next waits NOTIFY_DIGEST_MINUTES).
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscriber: Mapped[Subscriber] = relationship(back_populates="subscriptions")
    article: Mapped[Article] = relationship()


class ReplyTarget(db.Model):
    """The comment a reply answers, where the thread placed it elsewhere: a reply to a comment
    at COMMENT_MAX_DEPTH sits beside it, under its parent (comments.submission.reply_position),
    and it is the comment answered whose author hears of the reply (blog.subscriptions)."""

    __tablename__ = "reply_targets"

    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    target_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )

    def __repr__(self) -> str:
        return f"<ReplyTarget {self.comment_id} -> {self.target_id}>"


class FollowUpNotice(db.Model):
    """A comment a subscriber was (or, for a digest, will be) told of: each comment reaches
    each address once, whichever way (approved, reply, digest), however often it is approved."""

    __tablename__ = "follow_up_notices"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('approved', 'reply', 'digest')", name="kind"),
        # The digests still to write (mailed_at NULL), found by the composer every round.
        sa.Index("ix_follow_up_notices_mailed_at_subscriber_id", "mailed_at", "subscriber_id"),
    )

    subscriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When its email was written; None for a comment waiting for its article's next digest.
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
