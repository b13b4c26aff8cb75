"""Demo content for `make run`: the articles (Markdown import files) and a conversation under two
of them (comments.yaml), so a newcomer sees every state of a comment at once.

The demo staff account signs the staff replies and the one correction. It cannot log in: it is
inactive, and its password hash is one no password can match.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from blog.auth.accounts import new_session_token
from blog.extensions import db
from blog.models import (
    Article,
    Comment,
    CommentRevision,
    CommentStatus,
    ModerationAction,
    Staff,
    StaffRole,
)

DEMO_DIR = Path(__file__).parent
COMMENTS_FILE = DEMO_DIR / "comments.yaml"
#: Not a hash of anything: werkzeug's check_password_hash needs "method$salt$hash", so every
#: password is refused (as "!" locks an account in /etc/shadow).
UNUSABLE_PASSWORD_HASH = "!demo account: no password opens it"  # noqa: S105 - not a secret


def demo_staff(username: str, display_name: str) -> Staff:
    """The demo staff account, made once: a name for its replies, and no way to log in."""
    staff = db.session.scalar(sa.select(Staff).where(Staff.username == username))
    if staff is None:
        staff = Staff(
            username=username,
            display_name=display_name,
            role=StaffRole.MODERATOR,
            password_hash=UNUSABLE_PASSWORD_HASH,
            session_token=new_session_token(),
            active=False,
        )
        db.session.add(staff)
        db.session.flush()
    return staff


def load_demo_comments(path: Path = COMMENTS_FILE) -> int:
    """Add the demo conversation under the demo articles; returns how many comments it added.

    Articles that already have comments are left alone, so loading twice adds nothing. The
    caller commits.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    staff = demo_staff(data["staff"]["username"], data["staff"]["display_name"])
    added = 0
    for slug, threads in data["articles"].items():
        article = db.session.scalar(sa.select(Article).where(Article.slug == slug))
        if article is None or article.published_at is None:
            continue
        has_comments = db.session.scalar(
            sa.select(sa.func.count(Comment.id)).where(Comment.article_id == article.id)
        )
        if has_comments:
            continue
        for entry in threads:
            added += _add_comment(article, entry, staff, parent=None)
    return added


def _add_comment(
    article: Article, entry: Mapping[str, Any], staff: Staff, parent: Comment | None
) -> int:
    """One comment of the file and its replies; returns how many were added."""
    created_at = article.published_at + timedelta(minutes=entry["after"])
    by_staff = entry.get("staff", False)
    comment = Comment(
        article_id=article.id,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 1,
        status=entry.get("status", CommentStatus.APPROVED),
        author_name=staff.display_name if by_staff else entry["name"],
        # Staff replies get the same placeholder address blog.admin.actions gives them.
        author_email=f"{staff.username}@staff.invalid" if by_staff else entry["email"],
        author_website=entry.get("website"),
        body=entry.get("edited", {}).get("was", entry["body"]),
        staff_id=staff.id if by_staff else None,
        created_at=created_at,
    )
    db.session.add(comment)
    db.session.flush()
    if by_staff:
        _record(comment, staff, "reply", created_at)
    if "edited" in entry:  # as edit_comment does it: the old text kept, the new one shown
        edited_at = article.published_at + timedelta(minutes=entry["edited"]["after"])
        db.session.add(
            CommentRevision(
                comment_id=comment.id, body=comment.body, staff_id=staff.id, created_at=edited_at
            )
        )
        comment.body = entry["body"]
        comment.edited_at = edited_at
        _record(comment, staff, "edit", edited_at)
    return 1 + sum(
        _add_comment(article, reply, staff, comment) for reply in entry.get("replies", [])
    )


def _record(comment: Comment, staff: Staff, action: str, when: Any) -> None:
    db.session.add(
        ModerationAction(
            comment_id=comment.id,
            staff_id=staff.id,
            action=action,
            status_before=None if action == "reply" else comment.status,
            status_after=comment.status,
            created_at=when,
        )
    )
