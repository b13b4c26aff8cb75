"""The article page: fragments built (or taken from the page cache) around the comment form.

Shared by the article view and the comment views that show the page again with a refused form.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.attributes import set_committed_value

from blog import pagecache
from blog.articles.pagination import page_address, requested_page
from blog.comments.display import blank_form_for_anyone, comment_form_context, own_pending_ids
from blog.comments.forms import CommentForm
from blog.comments.submission import comments_closed
from blog.comments.threads import ThreadLinks, page_of_threads, render_threads
from blog.extensions import db
from blog.fastpath import page_for_anyone
from blog.inputs import page_number
from blog.models import Article
from blog.pagecache import AnonymousPage, ArticleParts


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
    page: int = 1,
    version: str = "",
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
        version=version,
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
        closed=closed,
    )


def thread_links(page: int) -> ThreadLinks:
    """The URL stems for a page of threads (the reply link stays on this page of threads)."""
    return ThreadLinks(
        avatars=url_for("comments.avatar", key="0").removesuffix("0.svg"),
        permalinks=url_for("comments.permalink", comment_id=0).removesuffix("0"),
        reply=f"?comments={page}&replytocom=" if page > 1 else "?replytocom=",
    )


def _cacheable(form: CommentForm | None) -> bool:
    """Anonymous readers with nothing of their own on the page get the kept fragments."""
    return (
        form is None
        and pagecache.enabled()
        and not current_user.is_authenticated
        and not own_pending_ids()
    )


def render_article_page(
    slug: str, form: CommentForm | None = None, status: int = 200
) -> tuple[str, int]:
    """The article page; a refused form comes back with what was typed.

    Shown, ?comments= is a page number at its one address (articles.pagination); a page past
    the last goes to the last with a 302: pages of threads move as comments are removed, and
    an old link to one should still land on the article's latest comments. Neither is ever
    kept, so no address can add an entry to the cache.
    """
    # A refused post shows the page it came from, as near as the address says.
    page = requested_page("comments") if form is None else page_number(request.args.get("comments"))
    cacheable = _cacheable(form)
    # Read once: everything built below is kept under the generation seen before building it.
    generation = pagecache.generation() if cacheable else ""
    parts = pagecache.get(slug, page, generation) if cacheable else None
    close_after = current_app.config["COMMENTS_CLOSE_AFTER_DAYS"]
    if parts is not None and parts.closed != comments_closed(parts, close_after_days=close_after):
        parts = None  # comments closed by age since the page was kept: its reply links must go
    built = parts is None
    if built:
        article = load_visible_article(slug)
        version = pagecache.current_version(article.id) if cacheable else ""
        parts = build_parts(article, own_ids=own_pending_ids(), page=page, version=version)
        if form is None and page > parts.comment_pages:
            abort(redirect(page_address("comments", parts.comment_pages), 302))
    context = comment_form_context(parts, form)
    html = render_template("articles/detail.html", parts=parts, preview=False, **context)
    plain_request = not request.cookies and set(request.args) <= {"comments"}
    keep_anonymous = cacheable and not parts.has_anonymous_page and plain_request
    if keep_anonymous:
        # Keep the page as every cookieless visitor gets it, for blog.fastpath.
        pieces = page_for_anyone(
            render_template,
            template_name_or_list="articles/detail.html",
            parts=parts,
            preview=False,
            **{**context, "form": blank_form_for_anyone()},
        )
        pagecache.put_anonymous(slug, page, AnonymousPage.of(parts, pieces), generation)
        parts.has_anonymous_page = True
    if cacheable and (built or keep_anonymous):
        pagecache.put(parts, page, generation)
    return html, status
