"""One page of comment threads: read with work in proportion to the page, and its markup.

Reading: one statement (THREAD_PAGE_SQL) finds the page's thread roots among the shown comments,
walks down their replies, and returns those comments in full with the number of roots,
so what Python does is in proportion to the page, not to the article's comments.

Markup, the one piece not in a template: an article page shows up to COMMENTS_PER_PAGE
threads, and rendering each comment through Jinja (a dozen escapes and attribute lookups per
comment) was most of the cost of an uncached page. Here each comment is one format string,
with every value from a commenter escaped. The structure is the one the stylesheet, the
browser tests and the accessibility checks expect; tests/comments/test_routes.py holds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from markupsafe import Markup, escape

from blog.comments.identicon import avatar_key
from blog.extensions import db
from blog.models import Comment, CommentStatus, UTCDateTime
from blog.templating import human_datetime, iso_datetime


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


class ShownComment(NamedTuple):
    """A comment as an article page shows it (the columns THREAD_PAGE_SQL reads)."""

    id: int
    parent_id: int | None
    depth: int
    status: str
    author_name: str
    author_email: str
    author_website: str | None
    staff_id: int | None
    created_at: datetime
    #: When a moderator last changed the text, shown as "edited"; None if never.
    edited_at: datetime | None
    body_html: str


@dataclass
class ThreadPage:
    """One page of threads, with what the page's links need."""

    threads: list[ThreadNode]
    page: int
    pages: int


#: The shown comments are the approved ones and the visitor's own pending ones (:own). A root
#: is a shown comment whose parent is not shown (or which has none); pages are made of roots,
#: oldest first, and a page number past the end means the last page. Plain SQL that SQLite
#: and PostgreSQL read alike; the ORM's expression of a recursive CTE is longer than this.
THREAD_PAGE_SQL = """
WITH RECURSIVE
shown AS (
    SELECT id, parent_id, created_at, status FROM comments
    WHERE article_id = :article_id AND status = :approved
    UNION ALL
    SELECT id, parent_id, created_at, status FROM comments
    WHERE id IN :own AND article_id = :article_id AND status = :pending
),
roots AS (
    SELECT id, created_at FROM shown
    WHERE parent_id IS NULL OR parent_id NOT IN (SELECT id FROM shown)
),
counts AS (
    SELECT (SELECT count(*) FROM roots) AS root_count
),
page AS (
    SELECT CASE
        WHEN :page > (root_count + :per_page - 1) / :per_page
            THEN CASE WHEN root_count > 0 THEN (root_count + :per_page - 1) / :per_page ELSE 1 END
        WHEN :page < 1 THEN 1
        ELSE :page
    END AS number
    FROM counts
),
page_roots AS (
    SELECT id FROM roots ORDER BY created_at, id
    LIMIT :per_page OFFSET (SELECT (number - 1) * :per_page FROM page)
),
thread (id) AS (
    SELECT id FROM page_roots
    UNION ALL
    SELECT shown.id FROM shown JOIN thread ON shown.parent_id = thread.id
)
SELECT c.id, c.parent_id, c.depth, c.status, c.author_name, c.author_email, c.author_website,
       c.staff_id, c.created_at, c.edited_at, c.body_html,
       counts.root_count, page.number AS page
FROM thread JOIN comments AS c ON c.id = thread.id CROSS JOIN counts CROSS JOIN page
ORDER BY c.created_at, c.id
"""


@cache
def _thread_page_query() -> sa.TextClause:
    return (
        sa.text(THREAD_PAGE_SQL)
        .bindparams(sa.bindparam("own", expanding=True))
        # By name: the others need no conversion.
        .columns(created_at=UTCDateTime, edited_at=UTCDateTime)
    )


def page_of_threads(article_id: int, own_ids: list[int], page: int, per_page: int) -> ThreadPage:
    """The threads on this page (clamped to the pages there are), with their comments in full."""
    values = {
        "article_id": article_id,
        "own": list(own_ids),
        "page": page,
        "per_page": per_page,
        "approved": CommentStatus.APPROVED.value,
        "pending": CommentStatus.PENDING.value,
    }
    rows = db.session.connection().execute(_thread_page_query(), values).all()
    if not rows:
        return ThreadPage([], 1, 1)
    root_count, page = rows[0][-2:]
    comments = [ShownComment._make(row[:-2]) for row in rows]  # a Row's attributes are slow
    pages = max((root_count + per_page - 1) // per_page, 1)
    return ThreadPage(build_threads(comments), page, pages)


@dataclass(frozen=True)
class ThreadLinks:
    """The URL stems every comment on a page shares, built once per page."""

    avatars: str  # "/avatars/"
    permalinks: str  # "/comments/"
    reply: str  # "?replytocom=" or "?comments=3&replytocom="


def render_threads(
    roots: Iterable[Any], *, links: ThreadLinks, closed: bool, secret_key: str
) -> Markup:
    """<li> elements for these thread roots and, nested in <ol class="children">, their replies."""
    out: list[str] = []
    stack: list[Any] = [*reversed(list(roots))]
    while stack:
        node = stack.pop()
        if node is None:  # the end of a node's replies
            out.append("</ol></li>")
            continue
        out.append(_comment(node.comment, links, closed, secret_key))
        if node.replies:
            out.append('\n<ol class="children">')
            stack.append(None)
            stack.extend(reversed(node.replies))
        else:
            out.append("</li>")
    return Markup("".join(out))  # noqa: S704 - every commenter's value is escaped in _comment


#: Between the author, the date and "edited": the stylesheet's gap spaces them on screen, but
#: a text browser or a copy and paste has only the text ("Ada Reader · 1 December 2026").
#: Hidden from screen readers, which pause between the parts anyway.
_SEPARATOR = ' <span class="meta-sep" aria-hidden="true">&middot;</span> '


def _comment(comment: Any, links: ThreadLinks, closed: bool, secret_key: str) -> str:
    name = escape(comment.author_name)
    pending = comment.status != CommentStatus.APPROVED
    author = f'<span class="comment-author"><bdi>{name}</bdi></span>'
    if comment.author_website:
        author = (
            f'<a class="comment-author" href="{escape(comment.author_website)}"'
            f' rel="nofollow ugc noopener"><bdi>{name}</bdi></a>'
        )
    badge = ' <span class="badge badge-staff">Staff</span>' if comment.staff_id else ""
    permalink = f"#comment-{comment.id}" if pending else f"{links.permalinks}{comment.id}"
    waiting = (
        '\n<p class="awaiting-moderation">Your comment is awaiting moderation.</p>'
        if pending
        else ""
    )
    actions = []
    if not pending and not closed:
        actions.append(
            f'<a rel="nofollow" class="reply-link"'
            f' href="{escape(links.reply)}{comment.id}#respond"'
            f' aria-label="Reply to {name}">Reply</a>'
        )
    if not pending:
        actions.append(
            f'<a rel="nofollow" class="report-link" href="{links.permalinks}{comment.id}/report"'
            f' aria-label="Report the comment by {name}">Report</a>'
        )
    reply = f'\n<p class="reply">{_SEPARATOR.join(actions)}</p>' if actions else ""
    avatar = avatar_key(secret_key, comment.author_email)
    edited = ""
    if comment.edited_at is not None:  # readers are told when staff changed someone's words
        edited = (
            f'{_SEPARATOR}<span class="comment-edited">edited'
            f' <time datetime="{iso_datetime(comment.edited_at)}">'
            f"{human_datetime(comment.edited_at)}</time></span>"
        )
    return (
        f'\n<li id="comment-{comment.id}" class="comment depth-{comment.depth}'
        f'{" is-pending" if pending else ""}">'
        f'<article class="comment-body" aria-label="Comment by {name}">\n'
        f'<footer class="comment-meta"><img class="avatar" src="{links.avatars}{avatar}.svg"'
        f' alt="" width="44" height="44" loading="lazy">{author}{badge}{_SEPARATOR}'
        f'<a class="comment-permalink" href="{permalink}">'
        f'<time datetime="{iso_datetime(comment.created_at)}">'
        f"{human_datetime(comment.created_at)}</time></a>{edited}</footer>{waiting}\n"
        f'<div class="comment-content">{comment.body_html}</div>{reply}</article>'
    )
