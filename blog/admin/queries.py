"""What the moderation screens show, each in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.sql import Select

from blog.admin.bans import CaughtBy, caught_by
from blog.extensions import db
from blog.models import Article, Ban, BanKind, Comment, CommentStatus, ModerationAction


def status_counts() -> dict[str, int]:
    """How many comments are in each status."""
    rows = db.session.execute(
        sa.select(Comment.status, sa.func.count(Comment.id)).group_by(Comment.status)
    ).all()
    counts = dict.fromkeys(CommentStatus, 0)
    counts.update({status: count for status, count in rows})
    return counts


def pending_count() -> int:
    """For the badge in the staff navigation."""
    query = sa.select(sa.func.count(Comment.id)).where(Comment.status == CommentStatus.PENDING)
    return db.session.scalar(query) or 0


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def queue(status: str, *, article_id: int | None = None, search: str = "") -> Select:
    """Comments in one status, newest first, optionally for one article or matching a search."""
    query = (
        sa.select(Comment)
        .where(Comment.status == status)
        .options(joinedload(Comment.article), joinedload(Comment.parent))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )
    if article_id:
        query = query.where(Comment.article_id == article_id)
    if search:
        pattern = f"%{_escape_like(search)}%"
        query = query.where(
            sa.or_(
                Comment.author_name.ilike(pattern, escape="\\"),
                Comment.author_email.ilike(pattern, escape="\\"),
                Comment.body.ilike(pattern, escape="\\"),
            )
        )
    return query


def commented_articles() -> list[tuple[int, str]]:
    """Articles that have comments, for the queue's filter."""
    rows = db.session.execute(
        sa.select(Article.id, Article.title)
        .where(Article.id.in_(sa.select(Comment.article_id)))
        .order_by(Article.title)
    ).all()
    return [(row.id, row.title) for row in rows]


def commenter_history(emails: Collection[str]) -> dict[str, dict[str, int]]:
    """For each email, how many of its comments are approved and how many are spam."""
    if not emails:
        return {}
    rows = db.session.execute(
        sa.select(Comment.author_email, Comment.status, sa.func.count(Comment.id))
        .where(Comment.author_email.in_(list(emails)))
        .group_by(Comment.author_email, Comment.status)
    ).all()
    history: dict[str, dict[str, int]] = {email: {"approved": 0, "spam": 0} for email in emails}
    for email, status, count in rows:
        if status in ("approved", "spam"):
            history[email][status] = count
    return history


def latest_actions(comment_ids: Collection[int]) -> dict[int, ModerationAction]:
    """The most recent audit entry of each comment."""
    if not comment_ids:
        return {}
    actions = db.session.scalars(
        sa.select(ModerationAction)
        .where(ModerationAction.comment_id.in_(list(comment_ids)))
        .options(joinedload(ModerationAction.staff))
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
    ).all()
    latest: dict[int, ModerationAction] = {}
    for action in actions:
        latest.setdefault(action.comment_id, action)
    return latest


def catching_bans(comments: Collection[Comment]) -> dict[int, CaughtBy]:
    """For each comment a ban sent to spam, the ban its reason names, with the ban's row if it
    has not been lifted since (one query for the page).
    """
    named = {c.id: found for c in comments if (found := caught_by(c.hold_reason, c.author_email))}
    if not named:
        return {}
    networks = {n.value for n in named.values() if n.kind == BanKind.IP}
    emails = {n.value.lower() for n in named.values() if n.kind == BanKind.EMAIL}
    rows = db.session.scalars(
        sa.select(Ban).where(
            sa.or_(
                sa.and_(Ban.kind == BanKind.IP, Ban.value.in_(networks)),
                sa.and_(Ban.kind == BanKind.EMAIL, sa.func.lower(Ban.value).in_(emails)),
            )
        )
    ).all()
    by_value = {(ban.kind, ban.value.lower()): ban for ban in rows}
    return {
        comment_id: CaughtBy(n.kind, n.value, by_value.get((n.kind, n.value.lower())))
        for comment_id, n in named.items()
    }
