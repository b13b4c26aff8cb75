"""The export format's definitions: its name and version, each table's members in order, and
what it leaves out. Described for readers, section by section, in blog.porting.backup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from blog.extensions import db
from blog.rendering import render_body, render_comment

FORMAT = "blog-export"
#: The version export writes; restore reads it and every earlier one (VERSIONS).
VERSION = 2
#: Rows fetched from a cursor, or inserted in one statement, at a time.
BATCH = 1000


class RestoreRefused(Exception):
    """The document or the database cannot be restored; the message says why, in one line."""


@dataclass(frozen=True)
class Section:
    """One table's array: its members in order, and how restore fills what is left out."""

    name: str
    fields: tuple[str, ...]
    #: Members written only with --with-staff-secrets (null otherwise).
    secret: tuple[str, ...] = ()
    #: Columns restore derives from the row (rendered HTML), by name.
    derived: dict[str, Callable[[dict[str, Any]], Any]] = field(default_factory=dict)
    #: Its rows are the pictures' files, read from and written to the site's store
    #: (MEDIA_STORE), whichever it is, rather than the rows of its table.
    stored_files: bool = False

    @property
    def table(self) -> sa.Table:
        """The table its rows are of (named as the section)."""
        return db.metadata.tables[self.name]


SECTIONS: tuple[Section, ...] = (
    Section("categories", ("id", "name", "slug")),
    Section("tags", ("id", "name", "slug")),
    Section(
        "staff",
        (
            "id",
            "username",
            "display_name",
            "email",
            "role",
            "active",
            "last_login_at",
            "created_at",
            "password_hash",
            "session_token",
        ),
        secret=("password_hash", "session_token"),
    ),
    Section(
        "media",
        (
            "id",
            "digest",
            "format",
            "width",
            "height",
            "original_name",
            "stored_bytes",
            "uploaded_by_id",
            "created_at",
        ),
    ),
    Section("authors", ("id", "name", "slug", "bio", "photo_id")),
    Section(
        "articles",
        (
            "id",
            "title",
            "slug",
            "summary",
            "body_format",
            "body_markdown",
            "source_name",
            "source_url",
            "author_id",
            "category_id",
            "status",
            "published_at",
            "created_at",
            "updated_at",
            "comments_open",
            "lead_image_id",
            "lead_image_alt",
            "lead_image_caption",
            "lead_image_credit",
            "featured",
        ),
        derived={"body_html": lambda row: render_body(row["body_markdown"], row["body_format"])},
    ),
    Section("article_tags", ("article_id", "tag_id")),
    Section("article_slugs", ("id", "article_id", "slug", "created_at")),
    Section("redirects", ("id", "path", "article_id", "created_at")),
    Section(
        "comments",
        (
            "id",
            "article_id",
            "parent_id",
            "depth",
            "status",
            "hold_reason",
            "author_name",
            "author_email",
            "author_website",
            "body",
            "created_at",
            "edited_at",
            "ip_address",
            "user_agent",
            "staff_id",
        ),
        derived={"body_html": lambda row: render_comment(row["body"])},
    ),
    Section("reply_targets", ("comment_id", "target_id")),
    Section("comment_revisions", ("id", "comment_id", "body", "staff_id", "created_at")),
    Section(
        "comment_reports",
        (
            "id",
            "comment_id",
            "reason",
            "note",
            "reporter",
            "network",
            "created_at",
            "closed_at",
            "closed_by_id",
        ),
    ),
    Section("bans", ("id", "kind", "value", "reason", "expires_at", "staff_id", "created_at")),
    Section(
        "subscribers",
        ("id", "email", "mailbox", "confirmed_at", "confirmation_sent_at", "created_at"),
    ),
    Section(
        "subscriptions",
        ("id", "subscriber_id", "kind", "article_id", "comment_id", "created_at", "last_digest_at"),
    ),
    Section(
        "follow_up_notices",
        ("subscriber_id", "comment_id", "article_id", "kind", "created_at", "mailed_at"),
    ),
    Section("import_keys", ("source", "kind", "source_id", "local_id", "created_at")),
    Section(
        "moderation_actions",
        (
            "id",
            "comment_id",
            "article_id",
            "staff_id",
            "action",
            "detail",
            "status_before",
            "status_after",
            "created_at",
        ),
    ),
    # Last: the bulk of the document, after every row a reader may want to look at first.
    Section("media_files", ("name", "content"), stored_files=True),
)

#: The members before the tables.
HEADER = ("format", "version", "exported_at", "staff_secrets")
#: What the format leaves out, and why (blog.porting.backup's docstring says it for readers).
LEFT_OUT_TABLES = {
    "outbox_messages": "mail queued or sent: transient",
    "spent_tokens": "used single-use links: transient",
    "cache_debts": "the page cache's pending invalidations: transient",
    "archive_months": "rebuilt from the articles on restore",
}
LEFT_OUT_COLUMNS = {
    ("articles", "body_html"): "rendered from body_markdown on restore",
    ("comments", "body_html"): "rendered from body on restore",
    ("article_tags", "published_at"): "copied from the article on restore",
    ("media_files", "media_id"): "the picture whose digest begins the file's name, on restore",
}

#: Version 1 (before pictures): these arrays in this order, without the members added since;
#: restore gives those their defaults (no picture, not featured).
V1_ORDER = (
    *("authors", "categories", "tags", "staff", "articles", "article_tags", "article_slugs"),
    *("redirects", "comments", "reply_targets", "comment_revisions", "comment_reports", "bans"),
    *("subscribers", "subscriptions", "follow_up_notices", "import_keys", "moderation_actions"),
)
ADDED_IN_2 = {
    "authors": ("photo_id",),
    "articles": (
        "lead_image_id",
        "lead_image_alt",
        "lead_image_caption",
        "lead_image_credit",
        "featured",
    ),
}


def _version_1() -> tuple[Section, ...]:
    by_name = {section.name: section for section in SECTIONS}
    return tuple(
        replace(
            by_name[name],
            fields=tuple(f for f in by_name[name].fields if f not in ADDED_IN_2.get(name, ())),
        )
        for name in V1_ORDER
    )


#: Each version restore reads, with its arrays in order.
VERSIONS: dict[int, tuple[Section, ...]] = {1: _version_1(), VERSION: SECTIONS}


def timestamp(moment: datetime) -> str:
    """A time as the format writes it: UTC, ISO 8601, microseconds, "Z"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
