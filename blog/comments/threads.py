"""One page of comment threads: read with work in proportion to the page, and its markup.

Reading: the layout of all shown comments (id, parent, status: three small columns) decides
which threads are on the page; only the comments on it are then read in full (page_of_threads).

Markup, the one piece not in a template: an article page shows up to COMMENTS_PER_PAGE
threads, and rendering each comment through Jinja (a dozen escapes and attribute lookups per
comment) was most of the cost of an uncached page. Here each comment is one format string,
with every value from a commenter escaped. The structure is the one the stylesheet, the
browser tests and the accessibility checks expect; tests/comments/test_routes.py holds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from markupsafe import Markup, escape

from blog.comments.identicon import avatar_key
from blog.comments.moderation import ThreadNode, build_threads, thread_page_count
from blog.extensions import db
from blog.models import Comment, CommentStatus
from blog.templating import human_datetime, iso_datetime


class Placement(NamedTuple):
    """Where a comment goes: Comment.STRUCTURE_COLUMNS."""

    id: int
    parent_id: int | None
    status: str


class ShownComment(NamedTuple):
    """A comment as an article page shows it: Comment.SHOWN_COLUMNS, read once from a row."""

    id: int
    parent_id: int | None
    depth: int
    status: str
    author_name: str
    author_email: str
    author_website: str | None
    staff_id: int | None
    created_at: datetime
    body_html: str


@dataclass
class ThreadPage:
    """One page of threads, with what the page's heading and links need."""

    threads: list[ThreadNode]
    page: int
    pages: int
    approved_count: int


def page_of_threads(article_id: int, own_ids: list[int], page: int, per_page: int) -> ThreadPage:
    """The threads on this page (clamped to the pages there are), with their comments in full."""
    connection = db.session.connection()  # Core: plain rows, no ORM bookkeeping
    if own_ids:
        rows = connection.execute(Comment.structure_shown_on(article_id, own_ids)).all()
    else:
        values = {"article_id": article_id}
        rows = connection.execute(Comment.approved_structure_on(), values).all()
    structure = [Placement._make(row) for row in rows]
    approved_count = sum(row.status == CommentStatus.APPROVED for row in structure)
    roots = build_threads(structure)
    pages = thread_page_count(roots, per_page)
    page = min(max(page, 1), pages)
    threads = roots[(page - 1) * per_page : page * per_page]
    nodes, stack = {}, list(threads)
    while stack:
        node = stack.pop()
        nodes[node.comment.id] = node
        stack.extend(node.replies)
    if nodes:
        for row in connection.execute(Comment.rows_by_ids(), {"ids": list(nodes)}).all():
            nodes[row.id].comment = ShownComment._make(row)  # a Row's attributes are slow
    return ThreadPage(threads, page, pages, approved_count)


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


def _comment(comment: Any, links: ThreadLinks, closed: bool, secret_key: str) -> str:
    name = escape(comment.author_name)
    pending = comment.status != CommentStatus.APPROVED
    author = f'<span class="comment-author"><bdi>{name}</bdi></span>'
    if comment.author_website:
        author = (
            f'<a class="comment-author" href="{escape(comment.author_website)}"'
            f' rel="nofollow ugc noopener"><bdi>{name}</bdi></a>'
        )
    badge = '<span class="badge badge-staff">Staff</span>' if comment.staff_id else ""
    permalink = f"#comment-{comment.id}" if pending else f"{links.permalinks}{comment.id}"
    waiting = (
        '\n<p class="awaiting-moderation">Your comment is awaiting moderation.</p>'
        if pending
        else ""
    )
    reply = ""
    if not pending and not closed:
        reply = (
            f'\n<p class="reply"><a rel="nofollow" class="reply-link"'
            f' href="{escape(links.reply)}{comment.id}#respond"'
            f' aria-label="Reply to {name}">Reply</a></p>'
        )
    avatar = avatar_key(secret_key, comment.author_email)
    return (
        f'\n<li id="comment-{comment.id}" class="comment depth-{comment.depth}'
        f'{" is-pending" if pending else ""}">'
        f'<article class="comment-body" aria-label="Comment by {name}">\n'
        f'<footer class="comment-meta"><img class="avatar" src="{links.avatars}{avatar}.svg"'
        f' alt="" width="44" height="44" loading="lazy">{author}{badge}'
        f'<a class="comment-permalink" href="{permalink}">'
        f'<time datetime="{iso_datetime(comment.created_at)}">'
        f"{human_datetime(comment.created_at)}</time></a></footer>{waiting}\n"
        f'<div class="comment-content">{comment.body_html}</div>{reply}</article>'
    )
