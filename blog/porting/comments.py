"""Comments brought in from another platform (WordPress, Disqus), under the same rules
whichever it was: threads folded at COMMENT_MAX_DEPTH, an address that is not one stored as
none, IP addresses and user agents kept only while they are younger than
COMMENT_IP_RETENTION_DAYS, each comment keyed by its source id."""

from __future__ import annotations

import html
import ipaddress
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import nh3
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from blog.comments.submission import reply_position
from blog.extensions import db
from blog.models import Comment, CommentStatus, utcnow
from blog.porting.keys import known, remember

#: The import_keys kind of a comment.
COMMENT = "comment"


@dataclass
class ImportedComment:
    """A comment as the source had it, before any rule of ours is applied."""

    source_id: str
    #: The source id of the comment it answers, None for one on the article itself.
    parent_source_id: str | None
    author_name: str
    author_email: str
    author_website: str
    #: As the source stored it: WordPress and Disqus keep a little HTML (links, paragraphs).
    body_html: str
    created_at: datetime
    status: str
    ip_address: str | None = None
    user_agent: str | None = None


_breaks = re.compile(r"<br\s*/?>|</p\s*>|</li\s*>|</blockquote\s*>", re.IGNORECASE)


def comment_text(source_html: str) -> str:
    """A comment's HTML as the plain text our comments are written in: paragraphs and line
    breaks kept as blank lines and newlines, a link's address kept beside its words."""

    def link_text(match: re.Match[str]) -> str:
        href, words = match[1], match[2]
        return words if not href or href in words else f"{words} ({href})"

    text = re.sub(
        r'<a\s[^>]*?href="([^"]*)"[^>]*>(.*?)</a>', link_text, source_html, flags=re.I | re.S
    )
    text = _breaks.sub(lambda m: "\n\n" if m[0].lower().startswith("</p") else "\n", text)
    text = html.unescape(nh3.clean(text, tags=set()))
    text = re.sub(r"\n{3,}", "\n\n", text.replace("\r\n", "\n"))
    return text.strip()


def stored_email(address: str) -> str:
    """The address in its normalised spelling, or "" (none) for one that is not an address."""
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return ""


def stored_website(address: str) -> str | None:
    """A plain http or https address, or None."""
    address = address.strip()
    parts = urlsplit(address)
    if parts.scheme in ("http", "https") and parts.netloc and not any(c.isspace() for c in address):
        return address[:2000]
    return None


def stored_ip(address: str | None) -> str | None:
    """An IPv4 or IPv6 address in its compact spelling, or None for anything else."""
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        return None


def ip_kept_since(config: dict) -> datetime:
    """The oldest comment whose IP address and user agent are kept."""
    return utcnow() - timedelta(days=config["COMMENT_IP_RETENTION_DAYS"])


def add_comments(
    source: str,
    article_id: int,
    comments: Iterable[ImportedComment],
    *,
    max_depth: int,
    ip_kept_after: datetime,
    tally: Counter[str] | None = None,
) -> tuple[int, int]:
    """Add one article's imported comments (see add_comment_groups); the caller commits."""
    return add_comment_groups(
        source,
        {article_id: comments},
        max_depth=max_depth,
        ip_kept_after=ip_kept_after,
        tally=tally,
    )


def add_comment_groups(
    source: str,
    groups: Mapping[int, Iterable[ImportedComment]],
    *,
    max_depth: int,
    ip_kept_after: datetime,
    tally: Counter[str] | None = None,
) -> tuple[int, int]:
    """Add imported comments, grouped by the id of their article, that are not already here;
    the caller commits. tally, when given, counts the comments added by the status each got.

    Parents come before their replies (in_thread_order), so every thread is rebuilt whatever
    order the file had; a reply deeper than max_depth goes beside its parent, as a reader's
    would. A reply whose parent is unknown (never exported, skipped, or on another article)
    becomes a comment on the article. Returns (added, skipped as already imported).
    """
    ordered = [
        (article_id, item)
        for article_id, items in groups.items()
        for item in in_thread_order(list(items))
    ]
    ids = [key for _, item in ordered for key in (item.source_id, item.parent_source_id or "")]
    seen = known(source, COMMENT, ids)
    rows = _rows_by_id([i for i in seen.values() if i is not None])
    placed = {key: rows[local] for key, local in seen.items() if local in rows}
    waiting = [(article_id, item) for article_id, item in ordered if item.source_id not in seen]
    skipped = len(ordered) - len(waiting)
    added = 0
    # A wave at a time: every comment whose parent is written (or is not in this batch) goes
    # in one flush, whose inserts the database takes in one statement; its replies go in the
    # next. A flush per comment would cost a round trip each.
    while waiting:
        unwritten = {item.source_id for _, item in waiting}
        wave = [(a, i) for a, i in waiting if i.parent_source_id not in unwritten]
        if not wave:  # a cycle of replies: each one's parent never comes
            wave, waiting = waiting, []
        else:
            waiting = [(a, i) for a, i in waiting if i.parent_source_id in unwritten]
        made: list[tuple[ImportedComment, Comment]] = []
        for article_id, item in wave:
            if item.source_id in placed:  # the same id twice in one batch: written once
                skipped += 1
                continue
            parent = placed.get(item.parent_source_id or "")
            if parent is not None and (parent.id is None or parent.article_id != article_id):
                parent = None  # in another article, or in this very wave (a cycle's)
            comment = _new_comment(article_id, item, parent, max_depth, ip_kept_after)
            db.session.add(comment)
            placed[item.source_id] = comment
            made.append((item, comment))
        db.session.flush()  # their ids, for their replies and their keys
        for item, comment in made:
            remember(source, COMMENT, item.source_id, comment.id)
            if tally is not None:
                tally[comment.status] += 1
        added += len(made)
    return added, skipped


def in_thread_order(items: list[ImportedComment]) -> list[ImportedComment]:
    """items oldest first, except that a reply never comes before its parent (a reply can be
    dated before it when the source's clocks disagreed)."""
    by_date = sorted(items, key=lambda c: (c.created_at, c.source_id))
    present = {item.source_id for item in by_date}
    replies: dict[str, list[ImportedComment]] = {}
    ordered: list[ImportedComment] = []
    for item in by_date:
        if item.parent_source_id in present and item.parent_source_id != item.source_id:
            replies.setdefault(item.parent_source_id, []).append(item)
        else:
            ordered.append(item)
    roots = ordered
    ordered = []
    waiting = list(reversed(roots))
    while waiting:  # depth-first from each root; replies keep their date order
        item = waiting.pop()
        ordered.append(item)
        waiting.extend(reversed(replies.pop(item.source_id, [])))
    for stranded in replies.values():  # a cycle of replies: each one's parent never comes
        ordered.extend(stranded)
    return ordered


def _new_comment(
    article_id: int,
    item: ImportedComment,
    parent: Comment | None,
    max_depth: int,
    ip_kept_after: datetime,
) -> Comment:
    """The comment item becomes under the site's rules, answering parent (None: the article)."""
    parent_id, depth = reply_position(parent, max_depth)
    kept = item.created_at >= ip_kept_after
    return Comment(
        article_id=article_id,
        parent_id=parent_id,
        depth=depth,
        status=item.status if item.status in set(CommentStatus) else CommentStatus.PENDING,
        author_name=(item.author_name.strip() or "Anonymous")[:200],
        author_email=stored_email(item.author_email),
        author_website=stored_website(item.author_website),
        body=comment_text(item.body_html),
        created_at=item.created_at,
        ip_address=stored_ip(item.ip_address) if kept else None,
        user_agent=(item.user_agent or None) if kept else None,
    )


def _rows_by_id(ids: list[int]) -> dict[int, Comment]:
    """The comments with these ids that still exist."""
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(Comment).where(Comment.id.in_(ids)))
    return {row.id: row for row in rows}
