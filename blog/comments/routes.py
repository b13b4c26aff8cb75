"""Views: posting a comment, editing or deleting one's own, reporting one, and the comment
feeds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from blog.articles.pages import load_visible_article, render_article_page
from blog.articles.routes import redirect_from_old_slug
from blog.comments.display import comment_url, remember_own_comment, update_author_cookie
from blog.comments.editing import (
    delete_own_comment,
    edit_own_comment,
    editable_now,
    forget_editable,
    remember_editable,
)
from blog.comments.forms import CommentForm, OwnCommentForm, ReportForm
from blog.comments.identicon import KEY_PATTERN, identicon_svg
from blog.comments.reports import Outcome as ReportOutcome
from blog.comments.reports import Reporter, report_comment, reporter_id
from blog.comments.spam import FormExpired, form_stamp_signal, honeypot_signal, issue_form_stamp
from blog.comments.submission import CommentInput, comments_closed, submit_comment
from blog.database import reads_before_writing
from blog.extensions import db, limiter
from blog.feeds.conditional import dated
from blog.keptpages import kept_page
from blog.models import Article, Comment, CommentStatus
from blog.refusals import Refused
from blog.security import checked_by_origin
from blog.siteurl import site_url_for

bp = Blueprint("comments", __name__)

AWAITING_MODERATION = "Your comment is awaiting moderation."
#: Avatars are named by their pattern, so a browser may keep one for good.
AVATAR_MAX_AGE = 365 * 24 * 3600
PUBLISHED = "Thank you. Your comment is published."
FOLLOW_UPS_ASKED = (
    "You asked for follow-ups by email. If we have not emailed this address before, look for "
    "our email asking you to confirm it: until you do, we send nothing else."
)


def comment_rate_limit() -> str:
    """The configured limit, read per request so tests and deployments can change it."""
    return current_app.config["COMMENT_RATE_LIMIT"]


def spam_signals(form: CommentForm) -> tuple[str, ...]:
    """What the form's traps say about the sender. Raises FormExpired for a stale form."""
    config = current_app.config
    stamp = form_stamp_signal(
        form.stamp.data,
        current_app.secret_key,
        min_seconds=config["COMMENT_MIN_SECONDS"],
        max_age_seconds=config["COMMENT_FORM_MAX_AGE_SECONDS"],
    )
    return tuple(filter(None, [honeypot_signal(form.url.data), stamp]))


def refuse(
    slug: str, form: CommentForm, message: str, field: str | None, status: int = 422
) -> tuple[str, int]:
    """Send the article back with the typed comment and the message next to its field."""
    if field and field in form:
        form[field].errors = [*form[field].errors, message]
    else:
        form.form_errors.append(message)
    return render_article_page(slug, form, status)


@bp.post("/articles/<slug>/comments")
@checked_by_origin  # no token: reading leaves no session (blog.security.is_cross_origin)
@reads_before_writing  # the checks read first; submit_comment takes the lock to write
@limiter.limit(comment_rate_limit)
def create(slug: str) -> ResponseReturnValue:
    """Post a comment or a reply; it waits for moderation unless the rules approve it."""
    # Only the article's own columns: a post needs no author, tags or comment count.
    article = db.session.scalar(Article.published_by_slug(), {"slug": slug})
    if article is None:
        abort(404)
    config = current_app.config
    if comments_closed(article, close_after_days=config["COMMENTS_CLOSE_AFTER_DAYS"]):
        abort(403, "Comments are closed.")
    form = CommentForm()
    if not form.validate():
        return render_article_page(slug, form, 422)
    try:
        signals = spam_signals(form)
    except FormExpired as exc:
        form.stamp.data = issue_form_stamp(current_app.secret_key)
        return refuse(slug, form, str(exc), None)
    data = CommentInput(
        name=form.name.data,
        email=form.email.data,
        website=form.website.data or None,
        body=form.body.data,
        parent_id=form.reply_to_id,
        spam_signals=signals,
        ip_address=request.remote_addr,
        user_agent=request.user_agent.string[:500] or None,
        notify_replies=form.notify_replies.data,
        notify_article=form.notify_article.data,
    )
    slug, article_id = article.slug, article.id  # kept: the commit below expires the article
    try:
        comment = submit_comment(article, data, config)
    except Refused as exc:
        return refuse(slug, form, str(exc), exc.field)

    if comment.status == CommentStatus.SPAM:
        flash(AWAITING_MODERATION, "comment")  # a bot learns nothing from the answer
        target = url_for("articles.detail", slug=slug, _anchor="comments")
    else:
        if comment.status == CommentStatus.PENDING:
            remember_own_comment(comment.id, article_id)
        remember_editable(comment.id, article_id)
        flash(
            PUBLISHED if comment.status == CommentStatus.APPROVED else AWAITING_MODERATION,
            "comment",
        )
        if data.notify_replies or data.notify_article:
            flash(FOLLOW_UPS_ASKED, "comment")  # the same words whatever the address's state
        target = comment_url(article_id, slug, comment.id)
    response = redirect(target, 303)
    update_author_cookie(response, form)
    return response


@bp.get("/comments/<int:comment_id>")
def permalink(comment_id: int) -> Response:
    """A comment's lasting address: sends the reader to the page of threads that shows it."""
    comment = db.first_or_404(
        Comment.approved_on_visible_articles().where(Comment.id == comment_id)
    )
    return redirect(comment_url(comment.article_id, comment.article.slug, comment.id))


@bp.get("/comments/feed.atom")
@kept_page()
def site_feed() -> Response:
    """The latest approved comments across the site."""
    comments = db.session.scalars(
        Comment.approved_on_visible_articles()
        .options(selectinload(Comment.article))
        .limit(current_app.config["COMMENT_FEED_LENGTH"])
    ).all()
    return _comment_feed(
        comments,
        title="Comments",
        self_url=site_url_for(".site_feed"),
        empty_since=lambda: db.session.scalar(
            sa.select(sa.func.max(Article.published_at)).where(Article.is_visible)
        ),
    )


@bp.get("/articles/<slug>/comments.atom")
@kept_page()
def article_feed(slug: str) -> Response:
    """The latest approved comments on one article (from an old slug, a redirect)."""
    try:
        article = load_visible_article(slug)
    except NotFound:
        return redirect_from_old_slug(slug)
    comments = db.session.scalars(
        Comment.approved_on_visible_articles()
        .where(Comment.article_id == article.id)
        .options(selectinload(Comment.article))
        .limit(current_app.config["COMMENT_FEED_LENGTH"])
    ).all()
    return _comment_feed(
        comments,
        title=f'Comments on "{article.title}"',
        self_url=site_url_for(".article_feed", slug=slug),
        empty_since=lambda: article.published_at,
    )


#: The updated time of an empty feed of a site with nothing published yet.
NOTHING_YET = datetime(2000, 1, 1, tzinfo=UTC)


def _comment_feed(
    comments: list[Comment],
    *,
    title: str,
    self_url: str,
    empty_since: Callable[[], datetime | None],
) -> Response:
    """The feed of comments; an empty one is dated by what it is about (the article, the newest
    article), never by now: a date that moved with each request would answer every feed
    reader's If-Modified-Since with the whole feed."""
    updated = max(c.created_at for c in comments) if comments else empty_since() or NOTHING_YET
    xml = render_template(
        "feeds/comments.xml", comments=comments, title=title, self_url=self_url, updated=updated
    )
    return dated(Response(xml, mimetype="application/atom+xml"), updated)


@bp.get("/avatars/<key>.svg")
def avatar(key: str) -> Response:
    """A commenter's identicon, drawn from its public name (see comments.identicon)."""
    if not KEY_PATTERN.match(key):
        abort(404)
    response = Response(identicon_svg(key), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = f"public, max-age={AVATAR_MAX_AGE}, immutable"
    return response


# --- reporting a comment ------------------------------------------------------------------


def report_rate_limit() -> str:
    return current_app.config["COMMENT_REPORT_RATE_LIMIT"]


def reportable_or_404(comment_id: int) -> Comment:
    """An approved comment on an article readers can see (only those can be reported)."""
    return db.first_or_404(
        Comment.approved_on_visible_articles()
        .where(Comment.id == comment_id)
        .options(selectinload(Comment.article))
    )


@bp.get("/comments/<int:comment_id>/report")
def report_form(comment_id: int) -> str:
    """The report form: the comment, the reasons, a note. Reading it sets nothing."""
    comment = reportable_or_404(comment_id)
    return render_template("comments/report.html", comment=comment, form=ReportForm())


@bp.post("/comments/<int:comment_id>/report")
@checked_by_origin  # a reader may have no session yet: checked by origin, as the reply form
@limiter.limit(report_rate_limit)
def report(comment_id: int) -> ResponseReturnValue:
    """Record a report; enough distinct reporters hide the comment until a moderator decides."""
    comment = reportable_or_404(comment_id)
    form = ReportForm()
    if not form.validate():
        return render_template("comments/report.html", comment=comment, form=form), 422
    reporter = Reporter.of(reporter_id(), request.remote_addr, current_app.secret_key)
    outcome = report_comment(
        comment,
        reporter,
        form.reason.data,
        form.note.data or "",
        hold_at=current_app.config["COMMENT_REPORT_HOLD"],
    )
    slug, article_id = comment.article.slug, comment.article_id
    db.session.commit()
    if outcome == ReportOutcome.ALREADY:
        flash("You have already reported this comment. A moderator will look at it.", "comment")
    else:
        flash("Thank you. A moderator will look at this comment.", "comment")
    if outcome == ReportOutcome.HIDDEN:
        return redirect(url_for("articles.detail", slug=slug, _anchor="comments"), 303)
    return redirect(comment_url(article_id, slug, comment_id), 303)


# --- a commenter's own comment ------------------------------------------------------------


def own_comment_or_403(comment_id: int) -> Comment:
    """A comment this browser posted and may still change (pending or approved)."""
    minutes = current_app.config["COMMENT_EDIT_MINUTES"]
    if comment_id not in editable_now(None, minutes):
        abort(
            403,
            f"A comment can be changed only from the browser that posted it, for "
            f"{minutes} minutes after.",
        )
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status not in (CommentStatus.PENDING, CommentStatus.APPROVED):
        abort(404)
    return comment


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
def edit_own(comment_id: int) -> ResponseReturnValue:
    """Edit one's own comment for a while after posting it."""
    comment = own_comment_or_403(comment_id)
    form = OwnCommentForm(obj=None if request.method == "POST" else comment)
    if request.method == "GET" or not form.validate():
        status = 422 if request.method == "POST" else 200
        return render_template("comments/edit.html", comment=comment, form=form), status
    slug, article_id = comment.article.slug, comment.article_id
    changed = edit_own_comment(comment, form.body.data, current_app.config)
    db.session.commit()
    if not changed:
        flash("Nothing was changed.", "comment")
    elif comment.status == CommentStatus.APPROVED:
        flash("Your comment was updated.", "comment")
    else:
        remember_own_comment(comment.id, article_id)
        flash(f"Your comment was updated. {AWAITING_MODERATION}", "comment")
    if comment.status == CommentStatus.SPAM:
        return redirect(url_for("articles.detail", slug=slug, _anchor="comments"), 303)
    return redirect(comment_url(article_id, slug, comment.id), 303)


@bp.post("/comments/<int:comment_id>/delete")
def delete_own(comment_id: int) -> Response:
    """Delete one's own comment for a while after posting it."""
    comment = own_comment_or_403(comment_id)
    slug = comment.article.slug
    delete_own_comment(comment)
    db.session.commit()
    forget_editable(comment_id)
    flash("Your comment was deleted.", "comment")
    return redirect(url_for("articles.detail", slug=slug, _anchor="comments"), 303)
