"""Submitting a comment: its verdict (spam, held or approved, from the signals in spam.py),
when comments are closed, who is a known commenter, what is a duplicate, where a reply
attaches, and storing it.

Views validate the form, call submit_comment(), flash and redirect; the rules are tested
without HTTP (tests/comments/test_submission.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa

from blog.admin.bans import ban_reason
from blog.comments.notify import notify_staff
from blog.comments.spam import find_listed_word
from blog.database import begin_write, commit_keeping_state
from blog.extensions import db
from blog.models import Article, Comment, CommentStatus, utcnow
from blog.refusals import Refused
from blog.rendering import count_links
from blog.subscriptions.followers import answering, comment_approved, follow

DUPLICATE_MESSAGE = "It looks as though you've already said that."


@dataclass(frozen=True)
class CommentInput:
    """What a commenter sent, already validated by the form."""

    name: str
    email: str
    body: str
    website: str | None = None
    parent_id: int | None = None
    #: Bot signals found by the form traps (honeypot, fill time, forged stamp).
    spam_signals: tuple[str, ...] = field(default_factory=tuple)
    ip_address: str | None = None
    user_agent: str | None = None
    #: The follow-up boxes ticked: replies to this comment, new comments on the article.
    notify_replies: bool = False
    notify_article: bool = False


@dataclass(frozen=True)
class Verdict:
    """Where a new comment goes, and why, for the moderator."""

    status: CommentStatus
    reason: str | None = None


def initial_verdict(
    data: CommentInput, *, known_commenter: bool, config: Mapping[str, Any]
) -> Verdict:
    """Decide a new comment's status: spam, held for moderation, or approved at once."""
    if data.spam_signals:
        return Verdict(CommentStatus.SPAM, "; ".join(data.spam_signals))
    everything = " ".join(filter(None, [data.name, data.email, data.website, data.body]))
    blocked = find_listed_word(everything, config["COMMENT_BLOCK_WORDS"])
    if blocked:
        return Verdict(CommentStatus.SPAM, f"block word: {blocked}")
    links = count_links(data.body)
    if links > config["COMMENT_MAX_LINKS"]:
        return Verdict(CommentStatus.PENDING, f"too many links ({links})")
    held = find_listed_word(everything, config["COMMENT_HOLD_WORDS"])
    if held:
        return Verdict(CommentStatus.PENDING, f"hold word: {held}")
    if known_commenter and config["COMMENT_AUTO_APPROVE_KNOWN"]:
        return Verdict(CommentStatus.APPROVED, None)
    return Verdict(CommentStatus.PENDING, None)


def comments_close_at(article: Article, *, close_after_days: int | None) -> datetime | None:
    """When comments on the article close by age (COMMENTS_CLOSE_AFTER_DAYS), or None."""
    if close_after_days is None or article.published_at is None:
        return None
    return article.published_at + timedelta(days=close_after_days)


def comments_closed(
    article: Article, *, close_after_days: int | None, now: datetime | None = None
) -> bool:
    """Closed by the article's flag, or by age when COMMENTS_CLOSE_AFTER_DAYS is set."""
    if not article.comments_open:
        return True
    closes_at = comments_close_at(article, close_after_days=close_after_days)
    return closes_at is not None and (now or utcnow()) > closes_at


@cache
def _known_commenter_query() -> sa.Select:
    return (
        sa.select(Comment.id)
        .where(Comment.author_email == sa.bindparam("email"))
        .where(Comment.status == CommentStatus.APPROVED)
        .limit(1)
    )


def is_known_commenter(email: str) -> bool:
    """Whether this (normalized) email already has an approved comment."""
    connection = db.session.connection()  # Core: a plain value, no ORM bookkeeping
    return connection.scalar(_known_commenter_query(), {"email": email}) is not None


#: How many of a person's latest comments under an article a new one is compared with.
DUPLICATE_WINDOW = 50


@cache
def _duplicate_query() -> sa.Select:
    latest = (
        sa.select(Comment.body)
        .where(Comment.article_id == sa.bindparam("article_id"))
        .where(Comment.author_email == sa.bindparam("email"))
        .order_by(Comment.id.desc())
        .limit(DUPLICATE_WINDOW)
        .subquery()
    )
    body = sa.bindparam("body")
    return sa.select(sa.literal(1)).select_from(latest).where(latest.c.body == body).limit(1)


def is_duplicate(article_id: int, email: str, body: str) -> bool:
    """Whether the same person already said exactly this among their latest comments here.

    Bounded, so that the check costs the same for someone's 5th comment and their 5,000th.
    """
    values = {"article_id": article_id, "email": email, "body": body}
    return db.session.connection().scalar(_duplicate_query(), values) is not None


def reply_position(parent: Comment | None, max_depth: int) -> tuple[int | None, int]:
    """The parent a reply to parent attaches to, and its depth (1 for a comment on the article).

    A reply to a comment already at max_depth attaches beside it, to that comment's parent, so
    threads never nest deeper than max_depth. Readers' and staff replies alike.
    """
    if parent is None:
        return None, 1
    if parent.depth >= max_depth:
        return parent.parent_id, parent.depth
    return parent.id, parent.depth + 1


def reply_placement(
    article_id: int, parent_id: int | None, max_depth: int
) -> tuple[int | None, int]:
    """The parent a reader's reply attaches to and its depth (see reply_position).

    Only approved comments of the same article can be replied to.
    """
    if parent_id is None:
        return reply_position(None, max_depth)
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.article_id != article_id or parent.status != CommentStatus.APPROVED:
        raise Refused("The comment you are replying to is not available.", "parent_id")
    return reply_position(parent, max_depth)


def submit_comment(article: Article, data: CommentInput, config: Mapping[str, Any]) -> Comment:
    """Store a new comment with the status the rules give it, the staff's notice of it in the
    outbox when it waits for them, the follow-ups the commenter asked for (and the confirmation
    their address may need), and, approved at once, the follow-ups it causes; commits once.

    Raises Refused for a closed article, a duplicate, or a reply to nothing.
    """
    if comments_closed(article, close_after_days=config["COMMENTS_CLOSE_AFTER_DAYS"]):
        raise Refused("Comments are closed.")
    article_id = article.id
    # The checks whose answer may be a moment old run before the write lock is taken, so
    # writers queue briefly.
    ban = ban_reason(data.email, data.ip_address)
    if ban:
        data = replace(data, spam_signals=(*data.spam_signals, ban))
    verdict = initial_verdict(data, known_commenter=is_known_commenter(data.email), config=config)
    begin_write(db.session)
    try:
        # Under the lock: two identical posts sent at once must not both be stored, and the
        # parent must still be there (and approved) when the reply is.
        if is_duplicate(article_id, data.email, data.body):
            raise Refused(DUPLICATE_MESSAGE, "body")
        parent_id, depth = reply_placement(article_id, data.parent_id, config["COMMENT_MAX_DEPTH"])
        comment = Comment(
            article_id=article_id,
            parent_id=parent_id,
            depth=depth,
            status=verdict.status,
            hold_reason=verdict.reason,
            author_name=data.name,
            author_email=data.email,
            author_website=data.website or None,
            body=data.body,
            ip_address=data.ip_address,
            user_agent=data.user_agent,
        )
        db.session.add(comment)
        notify_staff(comment, article)  # in this transaction: a stored comment has its notice
        db.session.flush()  # its id, for the follow-ups' links
        answering(comment, data.parent_id)  # at the deepest level, placed beside its target
        follow(
            comment,
            replies=data.notify_replies,
            article=data.notify_article,
            client=data.ip_address,
            config=config,
        )
        comment_approved(comment, None)  # approved at once: its follow-ups, in this transaction
        commit_keeping_state(db.session)  # what it holds is what was written: no reload after
    except BaseException:
        db.session.rollback()
        raise
    return comment
