"""A commenter edits or deletes their own comment, from the same browser, for a while.

Which comments a browser may change is in its signed session (EDITABLE_KEY: the comment, its
article and when it was posted), noted when the comment is posted and for COMMENT_EDIT_MINUTES
after. The Edit link is rendered for that visitor only: a page that shows it is built for them
and never kept for anyone else (blog.keptpages: a visitor with a comment they may edit on the
article gets the page built for them).

An edit keeps the old text as a revision, marks the comment edited, and runs the hold rules
again: a comment that gains links or hold words goes back to the queue (a block word, to spam).
Deleting moves it to the trash, where staff can still see it. Both are in the audit log.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from flask import session

from blog.comments.submission import CommentInput, Verdict, initial_verdict
from blog.extensions import db
from blog.inputs import same_lines
from blog.models import Comment, CommentRevision, CommentStatus, ModerationAction, utcnow

#: Session key: [comment id, article id, posted at (epoch seconds)] for each recent comment.
EDITABLE_KEY = "editable"
#: How many the session remembers.
EDITABLE_KEPT = 20


def edit_window_open(posted_at: float, now: float, minutes: float) -> bool:
    """Whether a comment posted at posted_at may still be changed by its writer."""
    return 0 <= now - posted_at < minutes * 60


def editable_entries(data: Mapping[str, Any] | None = None) -> list[tuple[int, int, float]]:
    """(comment, article, posted at) for the comments this session posted, as remembered."""
    raw = (session if data is None else data).get(EDITABLE_KEY, [])
    if not isinstance(raw, list):
        return []
    entries = []
    for entry in raw:
        if (
            isinstance(entry, list)
            and len(entry) == 3
            and all(isinstance(part, int | float) for part in entry)
        ):
            entries.append((int(entry[0]), int(entry[1]), float(entry[2])))
    return entries


def editable_now(
    data: Mapping[str, Any] | None, minutes: float, now: float | None = None
) -> dict[int, int]:
    """The comments this session may still change: {comment id: article id}."""
    moment = time.time() if now is None else now
    return {
        comment_id: article_id
        for comment_id, article_id, posted_at in editable_entries(data)
        if edit_window_open(posted_at, moment, minutes)
    }


def remember_editable(comment_id: int, article_id: int, now: float | None = None) -> None:
    """This browser (and no other) may change the comment it just posted, for a while."""
    moment = time.time() if now is None else now
    entries = [list(e) for e in editable_entries() if e[0] != comment_id]
    session[EDITABLE_KEY] = [*entries, [comment_id, article_id, int(moment)]][-EDITABLE_KEPT:]


def forget_editable(comment_id: int) -> None:
    session[EDITABLE_KEY] = [list(e) for e in editable_entries() if e[0] != comment_id]


def verdict_after_edit(comment: Comment, body: str, config: Mapping[str, Any]) -> Verdict:
    """Where the comment goes with its new text: where it was, unless the hold rules now hold it
    (or a block word makes it spam)."""
    data = CommentInput(
        name=comment.author_name,
        email=comment.author_email,
        website=comment.author_website,
        body=body,
    )
    verdict = initial_verdict(data, known_commenter=True, config=config)
    if verdict.reason is None:
        return Verdict(CommentStatus(comment.status), comment.hold_reason)
    return verdict


def edit_own_comment(comment: Comment, body: str, config: Mapping[str, Any]) -> bool:
    """Replace the text, keeping the old as a revision, and run the hold rules again; the caller
    commits. False, changing nothing, when the text is the same."""
    if same_lines(body, comment.body):
        return False
    verdict = verdict_after_edit(comment, body, config)
    db.session.add(CommentRevision(comment_id=comment.id, body=comment.body, staff_id=None))
    db.session.add(ModerationAction.on_comment(comment, None, "edited-by-author", verdict.status))
    comment.body = body
    comment.edited_at = utcnow()
    comment.status = verdict.status
    comment.hold_reason = verdict.reason
    return True


def delete_own_comment(comment: Comment) -> None:
    """To the trash (staff can still see it); the caller commits."""
    db.session.add(
        ModerationAction.on_comment(comment, None, "deleted-by-author", CommentStatus.TRASH)
    )
    comment.status = CommentStatus.TRASH
