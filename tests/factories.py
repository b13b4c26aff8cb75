"""Rows for tests, made inside an app context; the caller commits."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from functools import cache

from werkzeug.security import generate_password_hash

from blog.comments.submission import CommentInput
from blog.extensions import db
from blog.models import (
    Article,
    ArticleStatus,
    Author,
    Category,
    Comment,
    CommentStatus,
    Staff,
    Tag,
    utcnow,
)

_sequence = itertools.count(1)

#: The comment settings the rule tests run with (comments/test_submission, admin/test_actions).
COMMENT_RULES = {
    "COMMENT_BLOCK_WORDS": ["casino"],
    "COMMENT_HOLD_WORDS": ["press", "crypto coin"],
    "COMMENT_MAX_LINKS": 2,
    "COMMENT_AUTO_APPROVE_KNOWN": True,
    "COMMENT_MAX_DEPTH": 3,
    "COMMENTS_CLOSE_AFTER_DAYS": None,
}


def comment_input(**fields: object) -> CommentInput:
    """What a commenter sends: Ada's "Nice piece.", with fields replaced."""
    base = {"name": "Ada", "email": "ada@example.com", "body": "Nice piece."}
    return CommentInput(**{**base, **fields})


def make_author(name: str | None = None, bio: str = "Writes things.") -> Author:
    n = next(_sequence)
    author = Author(name=name or f"Author {n}", slug=f"author-{n}", bio=bio)
    db.session.add(author)
    return author


def make_category(name: str | None = None) -> Category:
    n = next(_sequence)
    category = Category(name=name or f"Category {n}", slug=f"category-{n}")
    db.session.add(category)
    return category


def make_tag(name: str | None = None) -> Tag:
    n = next(_sequence)
    tag = Tag(name=name or f"Tag {n}", slug=f"tag-{n}")
    db.session.add(tag)
    return tag


def make_article(
    *,
    title: str | None = None,
    author: Author | None = None,
    published_at: datetime | None = None,
    status: str = ArticleStatus.PUBLISHED,
    **fields: object,
) -> Article:
    n = next(_sequence)
    published = published_at or utcnow() - timedelta(hours=n)
    article = Article(
        title=title or f"Headline {n}",
        slug=fields.pop("slug", f"headline-{n}"),
        summary=fields.pop("summary", f"Summary {n}."),
        body_markdown=fields.pop("body_markdown", f"Body paragraph {n}.\n\nSecond paragraph."),
        author=author or make_author(),
        status=status,
        published_at=published,
        updated_at=published,
        **fields,
    )
    db.session.add(article)
    return article


def make_comment(
    article: Article,
    *,
    status: str = CommentStatus.APPROVED,
    parent: Comment | None = None,
    **fields: object,
) -> Comment:
    n = next(_sequence)
    comment = Comment(
        article=article,
        parent_id=parent.id if parent else None,
        status=status,
        author_name=fields.pop("author_name", f"Reader {n}"),
        author_email=fields.pop("author_email", f"reader{n}@example.com"),
        body=fields.pop("body", f"Comment {n}."),
        **fields,
    )
    db.session.add(comment)
    return comment


def make_reply_chain(article: Article, depth: int, **fields: object) -> list[Comment]:
    """A comment and a reply under each reply, down to depth; the last takes fields."""
    chain: list[Comment] = []
    for level in range(1, depth + 1):
        last = level == depth
        parent = chain[-1] if chain else None
        chain.append(make_comment(article, parent=parent, depth=level, **(fields if last else {})))
        db.session.flush()
    return chain


STAFF_PASSWORD = "correct horse battery"


def make_staff(username: str = "editor", role: str = "moderator", **fields: object) -> Staff:
    """A staff account whose password is STAFF_PASSWORD."""
    from blog.auth.accounts import new_session_token

    staff = Staff(
        username=username,
        display_name=fields.pop("display_name", username.capitalize()),
        role=role,
        password_hash=_staff_hash(),
        session_token=new_session_token(),
        **fields,
    )
    db.session.add(staff)
    return staff


@cache
def _staff_hash() -> str:
    """scrypt is slow on purpose; hash the shared test password once."""
    return generate_password_hash(STAFF_PASSWORD)
