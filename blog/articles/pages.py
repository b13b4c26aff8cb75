"""The article page: its fragments (head, body, a page of comment threads) around the form.

Shared by the article view, which keeps the page (blog.keptpages), and the comment views that
show the page again with a refused form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from sqlalchemy.orm.attributes import set_committed_value

from blog import keptpages, pagecache
from blog.articles.pagination import page_address, requested_page
from blog.comments.display import comment_form_context, own_pending_ids
from blog.comments.editing import editable_now
from blog.comments.forms import CommentForm
from blog.comments.submission import comments_close_at, comments_closed
from blog.comments.threads import ThreadLinks, page_of_threads, render_threads
from blog.extensions import db
from blog.inputs import page_number
from blog.models import Article


@dataclass
class ArticleParts:
    """An article page's fragments and the facts its comment form needs."""

    article_id: int
    slug: str
    title: str
    description: str
    head: str
    body: str
    comments: str
    comment_pages: int
    comments_open: bool
    published_at: Any


def load_visible_article(slug: str) -> Article:
    """The article readers may see at this slug, with what its page shows, or a 404.

    Two statements built once (article with author, category and comment count; its tags),
    which costs a third of what Article.listing() with a selectinload does per request.
    """
    article = db.session.execute(Article.page_by_slug(), {"slug": slug}).scalar()
    if article is None:
        abort(404)
    tags = db.session.scalars(Article.tags_of(), {"article_id": article.id}).all()
    set_committed_value(article, "tags", list(tags))
    return article


def build_parts(
    article: Any,
    *,
    own_ids: list[int] | None = None,
    editable: frozenset[int] = frozenset(),
    page: int = 1,
    preview: bool = False,
) -> ArticleParts:
    """Render an article's fragments: head, body and one page of comment threads."""
    config = current_app.config
    closed = comments_closed(article, close_after_days=config["COMMENTS_CLOSE_AFTER_DAYS"])
    threads, approved_count, pages = [], 0, 1
    if not preview:
        shown = page_of_threads(article.id, own_ids or [], page, config["COMMENTS_PER_PAGE"])
        threads, page, pages = shown.threads, shown.page, shown.pages
        approved_count = article.comment_count  # counted by the statement that loaded it
    shared = {"article": article, "preview": preview}
    return ArticleParts(
        article_id=getattr(article, "id", 0) or 0,
        slug=article.slug,
        title=article.title,
        description=article.summary or article.title,
        head=render_template("articles/_head.html", **shared),
        body=render_template("articles/_body.html", **shared),
        comments=render_template(
            "comments/_list.html",
            threads_html=render_threads(
                threads,
                links=thread_links(page),
                closed=closed,
                secret_key=current_app.secret_key,
                editable=editable,
            ),
            approved_count=approved_count,
            comment_page=page,
            comment_pages=pages,
            comments_closed=closed,
            **shared,
        ),
        comment_pages=pages,
        comments_open=article.comments_open,
        published_at=article.published_at,
    )


def thread_links(page: int) -> ThreadLinks:
    """The URL stems for a page of threads (the reply link stays on this page of threads)."""
    return ThreadLinks(
        avatars=url_for("comments.avatar", key="0").removesuffix("0.svg"),
        permalinks=url_for("comments.permalink", comment_id=0).removesuffix("0"),
        reply=f"?comments={page}&replytocom=" if page > 1 else "?replytocom=",
    )


def _keep_as_article(article: Article) -> None:
    """Tell a page being kept that it is this article's (its version, when comments close).

    The version is read here, before the threads are: a comment changed from now on makes the
    page stale, whatever the threads below show.
    """
    if keptpages.building() is None:
        return
    closes_at = comments_close_at(
        article, close_after_days=current_app.config["COMMENTS_CLOSE_AFTER_DAYS"]
    )
    facts = keptpages.ArticleFacts(
        article.id, article.slug, article.comments_open, article.published_at
    )
    keptpages.keep_article(
        facts,
        pagecache.current_version(article.id),
        closes_at.timestamp() if closes_at and article.comments_open else None,
    )


def render_article_page(
    slug: str, form: CommentForm | None = None, status: int = 200
) -> tuple[str, int]:
    """The article page; a refused form comes back with what was typed.

    Shown, ?comments= is a page number at its one address (articles.pagination); a page past
    the last goes to the last with a 302: pages of threads move as comments are removed, and
    an old link to one should still land on the article's latest comments.
    """
    # A refused post shows the page it came from, as near as the address says.
    page = requested_page("comments") if form is None else page_number(request.args.get("comments"))
    article = load_visible_article(slug)
    _keep_as_article(article)
    editable = editable_now(None, current_app.config["COMMENT_EDIT_MINUTES"])
    parts = build_parts(article, own_ids=own_pending_ids(), editable=frozenset(editable), page=page)
    if form is None and page > parts.comment_pages:
        abort(redirect(page_address("comments", parts.comment_pages), 302))
    context = comment_form_context(parts, form)
    html = render_template("articles/detail.html", parts=parts, preview=False, **context)
    return html, status
