"""The comment rules, as plain functions: who waits, who is trusted, what is spam, what is closed.

Views validate the form, call submit_comment(), flash and redirect; everything that decides
what happens to a comment lives here and is tested without HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from blog.admin.bans import ban_reason
from blog.database import begin_write, commit_keeping_state
from blog.extensions import db
from blog.models import (
    Article,
    Comment,
    CommentRevision,
    CommentStatus,
    ModerationAction,
    Staff,
    utcnow,
)
from blog.rendering import count_links

DUPLICATE_MESSAGE = "It looks as though you've already said that."


class CommentRefused(ValueError):
    """A comment that will not be stored; the message is for the commenter."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        #: The form field the message belongs next to, if any.
        self.field = field


class FormExpired(CommentRefused):
    """The form was served too long ago; a fresh one must be sent."""


@dataclass(frozen=True)
class Verdict:
    """Where a new comment goes, and why, for the moderator."""

    status: CommentStatus
    reason: str | None = None


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


# --- Spam traps in the form ---------------------------------------------------------------


def _stamp_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="comment-form-stamp")


def issue_form_stamp(secret_key: str) -> str:
    """A signed note of when the form was served."""
    return _stamp_serializer(secret_key).dumps("comment-form")


def form_stamp_signal(
    stamp: str | None,
    secret_key: str,
    *,
    min_seconds: float,
    max_age_seconds: int,
    now: datetime | None = None,
) -> str | None:
    """A spam signal from the form's stamp, or None when a person plausibly filled it.

    Raises FormExpired when the form is older than max_age_seconds.
    """
    if not stamp:
        return "form stamp missing"
    try:
        _, signed_at = _stamp_serializer(secret_key).loads(
            stamp, max_age=max_age_seconds, return_timestamp=True
        )
    except SignatureExpired:
        raise FormExpired(
            "This form was open for too long, so the comment was not sent. "
            "Please check it and send it again."
        ) from None
    except BadSignature:
        return "form stamp forged"
    elapsed = ((now or utcnow()) - signed_at).total_seconds()
    if min_seconds and elapsed < min_seconds:
        return f"sent {elapsed:.1f}s after the form was served"
    return None


def honeypot_signal(value: str | None) -> str | None:
    """Anything typed into the invisible field came from a bot."""
    return "honeypot field filled" if value else None


# --- The rules ----------------------------------------------------------------------------


def find_listed_word(text: str, words: Iterable[str]) -> str | None:
    """The first listed word that stands as a whole word in text (any case), or None.

    Whole words only: "press" is not found in "WordPress".
    """
    for word in words:
        word = word.strip()
        if word and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
            return word
    return None


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


def comments_closed(
    article: Article, *, close_after_days: int | None, now: datetime | None = None
) -> bool:
    """Closed by the article's flag, or by age when COMMENTS_CLOSE_AFTER_DAYS is set."""
    if not article.comments_open:
        return True
    if close_after_days is None or article.published_at is None:
        return False
    return (now or utcnow()) > article.published_at + timedelta(days=close_after_days)


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


def reply_placement(
    article_id: int, parent_id: int | None, max_depth: int
) -> tuple[int | None, int]:
    """The parent a reply attaches to and its depth.

    A reply to a comment already at max_depth attaches beside it, to that comment's parent, so
    threads never nest deeper than max_depth. Only approved comments of the same article can be
    replied to.
    """
    if parent_id is None:
        return None, 1
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.article_id != article_id or parent.status != CommentStatus.APPROVED:
        raise CommentRefused("The comment you are replying to is not available.", "parent_id")
    if parent.depth >= max_depth:
        return parent.parent_id, parent.depth
    return parent.id, parent.depth + 1


def submit_comment(article: Article, data: CommentInput, config: Mapping[str, Any]) -> Comment:
    """Store a new comment with the status the rules give it; commits once.

    Raises CommentRefused for a closed article, a duplicate, or a reply to nothing.
    """
    if comments_closed(article, close_after_days=config["COMMENTS_CLOSE_AFTER_DAYS"]):
        raise CommentRefused("Comments are closed.")
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
            raise CommentRefused(DUPLICATE_MESSAGE, "body")
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
        commit_keeping_state(db.session)  # what it holds is what was written: no reload after
    except BaseException:
        db.session.rollback()
        raise
    return comment


# --- Showing threads ----------------------------------------------------------------------


@dataclass
class ThreadNode:
    """A comment and the replies shown under it."""

    comment: Comment
    replies: list[ThreadNode] = field(default_factory=list)


def build_threads(comments: Iterable[Comment]) -> list[ThreadNode]:
    """Arrange comments (oldest first) into threads; a reply whose parent is hidden goes on top."""
    nodes = {comment.id: ThreadNode(comment) for comment in comments}
    roots: list[ThreadNode] = []
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id) if node.comment.parent_id else None
        (parent.replies if parent else roots).append(node)
    return roots


# --- Staff moderation ----------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """A moderation action: the status it leads to, the statuses it applies to, what it says."""

    name: str
    label: str
    done: str
    target: CommentStatus | None
    applies_to: frozenset[str]


_ANY = frozenset(CommentStatus)
#: Every action a moderator can take, by the name used in URLs and the bulk menu.
ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "approve",
            "Approve",
            "approved",
            CommentStatus.APPROVED,
            frozenset({CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.TRASH}),
        ),
        Action(
            "unapprove",
            "Unapprove",
            "unapproved",
            CommentStatus.PENDING,
            frozenset({CommentStatus.APPROVED}),
        ),
        Action(
            "spam",
            "Spam",
            "marked as spam",
            CommentStatus.SPAM,
            frozenset({CommentStatus.PENDING, CommentStatus.APPROVED, CommentStatus.TRASH}),
        ),
        Action(
            "not-spam",
            "Not spam",
            "restored from spam",
            CommentStatus.PENDING,
            frozenset({CommentStatus.SPAM}),
        ),
        Action(
            "trash",
            "Trash",
            "moved to the trash",
            CommentStatus.TRASH,
            frozenset({CommentStatus.PENDING, CommentStatus.APPROVED, CommentStatus.SPAM}),
        ),
        Action("restore", "Restore", "restored", None, frozenset({CommentStatus.TRASH})),
        Action(
            "delete",
            "Delete permanently",
            "deleted permanently",
            None,
            frozenset({CommentStatus.SPAM, CommentStatus.TRASH}),
        ),
    )
}


def done_message(action: Action, count: int = 1) -> str:
    """'Comment approved.' or '3 comments approved.'"""
    if count == 1:
        return f"Comment {action.done}."
    return f"{count} comments {action.done}."


def _status_before_trash(comment: Comment) -> str:
    """What a trashed comment was before, from the audit log (pending if unknown)."""
    before = db.session.scalar(
        sa.select(ModerationAction.status_before)
        .where(ModerationAction.comment_id == comment.id, ModerationAction.status_after == "trash")
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(1)
    )
    return before if before in CommentStatus.__members__.values() else CommentStatus.PENDING


def moderate(comment: Comment, action: Action, staff: Staff) -> bool:
    """Apply action to comment and record it in the audit log; the caller commits.

    Returns False (and changes nothing) when the action does not apply to the comment's status.
    """
    before = comment.status
    if before not in action.applies_to:
        return False
    if action.name == "delete":
        db.session.add(
            ModerationAction(
                comment_id=None,
                staff_id=staff.id,
                action=action.name,
                status_before=before,
                status_after=None,
            )
        )
        db.session.delete(comment)
        return True
    after = _status_before_trash(comment) if action.name == "restore" else action.target
    comment.status = after
    db.session.add(
        ModerationAction(
            comment_id=comment.id,
            staff_id=staff.id,
            action=action.name,
            status_before=before,
            status_after=after,
        )
    )
    return True


def moderate_many(comment_ids: Iterable[int], action: Action, staff: Staff) -> int:
    """Apply action to each listed comment it applies to; commits once. Returns how many."""
    ids = sorted({int(i) for i in comment_ids})
    if not ids:
        return 0
    comments = db.session.scalars(sa.select(Comment).where(Comment.id.in_(ids))).all()
    changed = sum(moderate(comment, action, staff) for comment in comments)
    db.session.commit()
    return changed


def staff_reply(parent: Comment, staff: Staff, body: str, config: Mapping[str, Any]) -> Comment:
    """Approve parent (if need be) and publish a staff reply under it at once; commits once."""
    if parent.status != CommentStatus.APPROVED:
        moderate(parent, ACTIONS["approve"], staff)
    max_depth = config["COMMENT_MAX_DEPTH"]
    if parent.depth >= max_depth:
        parent_id, depth = parent.parent_id, parent.depth
    else:
        parent_id, depth = parent.id, parent.depth + 1
    reply = Comment(
        article_id=parent.article_id,
        parent_id=parent_id,
        depth=depth,
        status=CommentStatus.APPROVED,
        author_name=staff.display_name,
        author_email=staff.email or f"{staff.username}@staff.invalid",
        body=body,
        staff_id=staff.id,
    )
    db.session.add(reply)
    db.session.flush()
    db.session.add(
        ModerationAction(
            comment_id=reply.id,
            staff_id=staff.id,
            action="reply",
            status_before=None,
            status_after=CommentStatus.APPROVED,
        )
    )
    db.session.commit()
    return reply


def _same_lines(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n") == b.replace("\r\n", "\n")


def edit_comment(comment: Comment, body: str, staff: Staff) -> bool:
    """Replace a comment's text, keeping the old text as a revision; commits once.

    Returns False, changing nothing, when the text is the same but for its line endings: a
    browser sends every textarea back with CRLF, so saving the form untouched must not make an
    edit of a comment that was stored with LF.
    """
    if _same_lines(body, comment.body):
        return False
    db.session.add(CommentRevision(comment_id=comment.id, body=comment.body, staff_id=staff.id))
    comment.body = body
    comment.edited_at = utcnow()
    db.session.add(
        ModerationAction(
            comment_id=comment.id,
            staff_id=staff.id,
            action="edit",
            status_before=comment.status,
            status_after=comment.status,
        )
    )
    db.session.commit()
    return True
