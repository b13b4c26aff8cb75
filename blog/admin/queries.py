"""What the moderation screens show, each in a fixed number of queries that read no more
rows at a million comments than at a thousand (see paging.py)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from blog.admin.bans import CaughtBy, caught_by
from blog.admin.paging import Count, Keyset, Segment, capped_count, escape_like
from blog.comments.reports import reported_comment_ids
from blog.extensions import db
from blog.models import Ban, BanKind, Comment, CommentStatus, ModerationAction


def _count_cap() -> int:
    return current_app.config["ADMIN_COUNT_CAP"]


#: The queue's tab of comments with open reports (whatever their status).
REPORTED = "reported"


def status_counts() -> dict[str, Count]:
    """How many comments are in each status, and how many have open reports, each counted up
    to the cap (one statement)."""
    cap = _count_cap()
    columns = [
        capped_count(sa.select(Comment.id).where(Comment.status == status), cap).label(status)
        for status in CommentStatus
    ]
    reported = reported_comment_ids().distinct()
    columns.append(capped_count(reported, cap).label(REPORTED))
    row = db.session.execute(sa.select(*columns)).one()
    return {tab: Count(row._mapping[tab], cap) for tab in [*CommentStatus, REPORTED]}


def pending_count() -> Count:
    """For the badge in the staff navigation: the moderation backlog, up to the cap."""
    cap = _count_cap()
    rows = sa.select(Comment.id).where(Comment.status == CommentStatus.PENDING)
    return Count(db.session.scalar(sa.select(capped_count(rows, cap))) or 0, cap)


NEWEST_FIRST = Segment(sa.true(), (Comment.created_at, Comment.id))


@dataclass
class Queue:
    """One tab of the queue, maybe for one article, maybe searched: what its pages read."""

    listing: Keyset
    #: When the search read only the newest comments of the tab: how many it read.
    searched_newest: int | None = None


def queue(status: str, *, article_id: int | None = None, search: str = "") -> Queue:
    """Comments in one status, newest first, optionally for one article or matching a search.

    A search reads the newest ADMIN_SEARCH_WINDOW comments of the tab (of the article, when
    filtered) and no more: a pattern inside the text has no index to use, and no search may
    read a million comments while a moderator waits.
    """
    filters: list = [
        Comment.id.in_(reported_comment_ids()) if status == REPORTED else Comment.status == status
    ]
    if article_id:
        filters.append(Comment.article_id == article_id)
    load = sa.select(Comment).options(joinedload(Comment.article), joinedload(Comment.parent))
    listing = Keyset(load, Comment.id, filters, [NEWEST_FIRST])
    searched_newest = None
    if search:
        window = current_app.config["ADMIN_SEARCH_WINDOW"]
        searched_newest = window if listing.newest(window) else None
        pattern = f"%{escape_like(search)}%"
        listing.where(
            sa.or_(
                Comment.author_name.ilike(pattern, escape="\\"),
                Comment.author_email.ilike(pattern, escape="\\"),
                Comment.body.ilike(pattern, escape="\\"),
            )
        )
    return Queue(listing, searched_newest)


def newest_pending(limit: int) -> list[Comment]:
    """The newest comments waiting for moderation, for the dashboard."""
    return db.session.scalars(
        sa.select(Comment)
        .where(Comment.status == CommentStatus.PENDING)
        .options(joinedload(Comment.article))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    ).all()


def commenter_history(emails: Collection[str]) -> dict[str, dict[str, Count]]:
    """For each email, how many of its comments are approved and how many are spam, each
    counted up to the cap (one statement, reading at most the cap of each from the index)."""
    if not emails:
        return {}
    cap = _count_cap()
    wanted = [(email, status) for email in sorted(emails) for status in ("approved", "spam")]
    columns = [
        capped_count(
            sa.select(Comment.id).where(Comment.author_email == email, Comment.status == status),
            cap,
        )
        for email, status in wanted
    ]
    row = db.session.execute(sa.select(*columns)).one()
    history: dict[str, dict[str, Count]] = {email: {} for email in emails}
    for (email, status), count in zip(wanted, row, strict=True):
        history[email][status] = Count(count, cap)
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
