"""What staff do to a comment: the table of moderation actions, moderating one or many, a
staff reply, an edit. Each is recorded in the audit log.

The staff area (admin/routes.py) is their only caller, so they live beside it; the rules for a
comment a reader posts are in comments/submission.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from blog.comments.reports import close_reports
from blog.comments.submission import reply_position
from blog.extensions import db
from blog.inputs import same_lines
from blog.models import Comment, CommentRevision, CommentStatus, ModerationAction, Staff, utcnow
from blog.subscriptions.followers import answering, comment_approved


@dataclass(frozen=True)
class Action:
    """A moderation action: the status it leads to, the statuses it applies to, what it says."""

    name: str
    label: str
    done: str
    target: CommentStatus | None
    applies_to: frozenset[str]


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


#: The actions that decide on a comment, and so close the readers' reports on it.
DECISIONS = frozenset({"approve", "spam", "trash"})


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
    comment_approved(comment, before)  # the follow-ups an approval causes, in this transaction
    if action.name in DECISIONS:
        close_reports(comment, staff)  # decided: readers' reports on it are answered
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
    parent_id, depth = reply_position(parent, config["COMMENT_MAX_DEPTH"])
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
    answering(reply, parent.id)
    comment_approved(reply, None)  # the commenter answered hears of it (if they asked to)
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


def edit_comment(comment: Comment, body: str, staff: Staff) -> bool:
    """Replace a comment's text, keeping the old text as a revision; commits once.

    Returns False, changing nothing, when the text is the same but for its line endings: a
    browser sends every textarea back with CRLF, so saving the form untouched must not make an
    edit of a comment that was stored with LF.
    """
    if same_lines(body, comment.body):
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
