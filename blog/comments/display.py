"""The comment section of an article page: threads, the form, and what a visitor's browser keeps.

What a visitor keeps: their own pending comments (ids in the signed session, so only they see
them) and, when they ask, their name, email and website in a signed, HttpOnly cookie.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Response, current_app, request, session, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import escape

from blog.comments.forms import CommentForm
from blog.comments.spam import current_form_stamp
from blog.comments.submission import comments_closed
from blog.extensions import db
from blog.inputs import parse_id
from blog.models import Comment, CommentStatus, UTCDateTime

#: Session key listing the visitor's own comments that await moderation.
OWN_COMMENTS_KEY = "own_comments"
#: Session key listing the articles those comments are on (so a kept page needs no query).
OWN_ARTICLES_KEY = "own_articles"
#: How many of them the session remembers.
OWN_COMMENTS_KEPT = 20
#: The cookie that remembers a commenter's details when they ask.
AUTHOR_COOKIE = "comment_author"


def own_pending_ids(data: Mapping[str, Any] | None = None) -> list[int]:
    """The visitor's own comments, as remembered by their session (this request's, or data)."""
    ids = (session if data is None else data).get(OWN_COMMENTS_KEY, [])
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def remember_own_comment(comment_id: int, article_id: int) -> None:
    """Let this visitor (and nobody else) see their comment while it waits."""
    session[OWN_COMMENTS_KEY] = [*own_pending_ids(), comment_id][-OWN_COMMENTS_KEPT:]
    articles = [i for i in own_articles() or [] if i != article_id]
    session[OWN_ARTICLES_KEY] = [*articles, article_id][-OWN_COMMENTS_KEPT:]


def own_articles(data: Mapping[str, Any] | None = None) -> list[int] | None:
    """The articles of the visitor's own comments; None for a session from before they were
    noted (then any article may hold one)."""
    ids = (session if data is None else data).get(OWN_ARTICLES_KEY)
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else None


def _author_serializer(secret_key: str | bytes | None = None) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key or current_app.secret_key, salt="comment-author")


def read_author_cookie() -> dict[str, str]:
    """The name, email and website the visitor asked us to remember, if any."""
    return author_details(request.cookies.get(AUTHOR_COOKIE), current_app.secret_key)


def author_details(raw: str | None, secret_key: str | bytes) -> dict[str, str]:
    """The details in a remember cookie's value, if it is one we signed."""
    if not raw:
        return {}
    try:
        data = _author_serializer(secret_key).loads(raw)
    except BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    fields = ("name", "email", "website")
    return {k: v for k, v in data.items() if k in fields and isinstance(v, str)}


def update_author_cookie(response: Response, form: CommentForm) -> None:
    """Remember the commenter's details only when the box is ticked; otherwise forget them."""
    if not form.remember.data:
        if AUTHOR_COOKIE in request.cookies:
            response.delete_cookie(AUTHOR_COOKIE, httponly=True, samesite="Lax")
        return
    value = _author_serializer().dumps(
        {"name": form.name.data, "email": form.email.data, "website": form.website.data or ""}
    )
    response.set_cookie(
        AUTHOR_COOKIE,
        value,
        max_age=current_app.config["COMMENT_AUTHOR_COOKIE_DAYS"] * 24 * 3600,
        httponly=True,
        secure=request.is_secure,
        samesite="Lax",
    )


def blank_comment_form() -> CommentForm:
    """A fresh form, prefilled from the remember cookie and aimed at ?replytocom= if given."""
    form = CommentForm(formdata=None)
    remembered = read_author_cookie()
    if remembered:
        form.name.data = remembered.get("name")
        form.email.data = remembered.get("email")
        form.website.data = remembered.get("website")
        form.remember.data = True
    reply_to = parse_id(request.args.get("replytocom"))
    if reply_to:
        form.parent_id.data = str(reply_to)
    return form


def remembered_values(details: Mapping[str, str]) -> dict[str, str]:
    """The comment form's values for remembered details, as the form shows them (escaped), for a
    kept page's value marks (blog.keptpages.form_value)."""
    if not details:
        return {}
    values = {name: str(escape(details.get(name, ""))) for name in ("name", "email", "website")}
    return {**values, "remember": " checked"}


class ArticleLike(Protocol):
    """What the comment form needs of its article: an article, its page's parts, or the facts
    kept with its page (blog.keptpages.ArticleFacts)."""

    article_id: int
    slug: str
    comments_open: bool
    published_at: Any


def comment_form_context(article: ArticleLike, form: CommentForm | None) -> dict[str, Any]:
    """The per-visitor part of the comment section: the form and whom it replies to."""
    form = form or blank_comment_form()
    if not form.stamp.data:
        form.stamp.data = current_form_stamp(current_app.secret_key)
    replying_to = None
    if form.reply_to_id is not None:
        candidate = db.session.get(Comment, form.reply_to_id)
        if (
            candidate is not None
            and candidate.article_id == article.article_id
            and candidate.status == CommentStatus.APPROVED
        ):
            replying_to = candidate
        else:
            form.parent_id.data = ""
    return {
        "form": form,
        "comments_closed": comments_closed(
            article, close_after_days=current_app.config["COMMENTS_CLOSE_AFTER_DAYS"]
        ),
        "replying_to": replying_to,
        "slug": article.slug,
    }


@cache
def _earlier_roots_query() -> sa.Select:
    """How many shown threads start before the thread :root_id (built once).

    Two counts, each on an index: approved roots, and the visitor's own pending ones (:own).
    """
    created_at = sa.bindparam("created_at", type_=UTCDateTime)
    before = sa.or_(
        Comment.created_at < created_at,
        sa.and_(Comment.created_at == created_at, Comment.id < sa.bindparam("root_id")),
    )
    roots = sa.and_(
        Comment.article_id == sa.bindparam("article_id"), Comment.parent_id.is_(None), before
    )
    approved = sa.select(sa.func.count(Comment.id)).where(
        roots, Comment.status == CommentStatus.APPROVED
    )
    own = sa.select(sa.func.count(Comment.id)).where(
        roots,
        Comment.status == CommentStatus.PENDING,
        Comment.id.in_(sa.bindparam("own", expanding=True)),
    )
    return sa.select(approved.scalar_subquery() + own.scalar_subquery())


def comment_url(article_id: int, slug: str, comment_id: int) -> str:
    """Where a comment can be seen: its article, on the right page of threads, at its anchor.

    Costs a few small queries whatever the number of comments: the thread's root is found by
    walking up (at most COMMENT_MAX_DEPTH steps), then the roots shown before it are counted.
    """
    root = db.session.get(Comment, comment_id)
    while root is not None and root.parent_id is not None:
        parent = db.session.get(Comment, root.parent_id)
        if parent is None or parent.status != CommentStatus.APPROVED:
            break  # shown at the top level, as build_threads does with orphans
        root = parent
    page = 1
    if root is not None:
        values = {
            "article_id": article_id,
            "created_at": root.created_at,
            "root_id": root.id,
            "own": own_pending_ids(),
        }
        earlier_roots = db.session.connection().scalar(_earlier_roots_query(), values)
        page = (earlier_roots or 0) // current_app.config["COMMENTS_PER_PAGE"] + 1
    return url_for(
        "articles.detail",
        slug=slug,
        comments=page if page > 1 else None,
        _anchor=f"comment-{comment_id}",
    )
