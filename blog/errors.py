"""One styled page for each HTTP error; never a traceback to a reader."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
from flask import Flask, current_app, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from limits import RateLimitItem
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    SecurityError,
    ServiceUnavailable,
)

from blog.database import is_interruption
from blog.extensions import db
from blog.requestid import current_request_id

#: What each error page says beyond its status line.
EXPLANATIONS = {
    400: "The request could not be understood. Please go back and try again.",
    403: "You are not allowed to do that.",
    404: "We could not find that page. It may have moved, or never existed.",
    405: "That address does not accept this kind of request.",
    413: "What you sent is larger than we accept.",
    429: "Too many requests. Please wait a moment and try again.",
    500: "Something went wrong on our side. It has been logged; please try again shortly.",
    503: "The site cannot reach its database just now. Please try again in a minute.",
}
#: Seconds a client is asked to wait when the database is unreachable.
RETRY_AFTER_SECONDS = 30
#: What the 503 says when the database answered too slowly (its statement was cancelled).
TOO_SLOW = "The site is too busy to answer that just now. Please try again in a minute."


def wait_in_words(limit: RateLimitItem) -> str:
    """How long a limit asks one to wait, as a person says it: 'a minute', 'an hour', '2 days'."""
    unit = limit.GRANULARITY.name
    if limit.multiples != 1:
        return f"{limit.multiples} {unit}s"
    return f"{'an' if unit == 'hour' else 'a'} {unit}"


def rate_limit_explanation(limit: RateLimitItem, *, posting_comment: bool) -> str:
    """What a 429 page says: the wait in words, never the limit's notation ('5 per 1 minute')."""
    if posting_comment:
        return (
            "You are posting faster than we allow. "
            f"Please wait {wait_in_words(limit)} and send it again."
        )
    return f"Too many requests. Please wait {wait_in_words(limit)} and try again."


def _posting_comment() -> bool:
    return request.method == "POST" and request.endpoint == "comments.create"


def render_error(error: HTTPException) -> tuple[str, int]:
    """Render the styled page for an HTTP error, keeping its status code."""
    code = error.code or 500
    if isinstance(error, RateLimitExceeded):
        explanation = rate_limit_explanation(error.limit.limit, posting_comment=_posting_comment())
    # A description given by the view (abort(403, "Comments are closed.")) says it best; but
    # Werkzeug's for an untrusted Host repeats the client's header, which is never echoed.
    elif (
        error.description
        and error.description != type(error).description
        and not isinstance(error, SecurityError)
    ):
        explanation = error.description
    else:
        explanation = EXPLANATIONS.get(code, error.description)
    # On our failures, the id a reader can quote and staff can find in the log.
    request_id = current_request_id() if code >= 500 else None
    if isinstance(request.routing_exception, SecurityError):
        # The request was refused before routing (an untrusted Host): no URLs can be built.
        return render_template(
            "errors/bare.html",
            code=code,
            name=error.name,
            explanation=explanation,
            request_id=request_id,
        ), code
    page = render_template(
        "errors/error.html",
        code=code,
        name=error.name,
        explanation=explanation,
        request_id=request_id,
        typed_comment=typed_comment(code),
        article_url=commented_article_url() if code != 404 else None,
        # Without a database, even asking who is logged in would fail again.
        database_down=code == 503,
    )
    return page, code


def typed_comment(code: int) -> str | None:
    """On a refused comment post, what the person wrote, so the error page can hand it back.

    Not for 413: reading an oversized body is exactly what must not happen.
    """
    if not _posting_comment() or code == 413:
        return None
    return request.form.get("body") or None


def commented_article_url() -> str | None:
    """On a refused comment post, the way back to the article's reply form (no database read:
    the slug is in the URL)."""
    if not _posting_comment() or not request.view_args:
        return None
    return url_for("articles.detail", slug=request.view_args["slug"], _anchor="respond")


def render_server_error(error: InternalServerError) -> tuple[str, int]:
    """Roll back whatever the failed request left half-done, then show the 500 page."""
    db.session.rollback()
    return render_error(error)


def render_database_unavailable(
    error: sa.exc.OperationalError | sa.exc.InterfaceError,
) -> ResponseReturnValue:
    """The database is down, unreachable or too slow (a statement it cancelled after its time
    bound, blog.database): a styled 503 that asks the client to come back."""
    slow = isinstance(error, sa.exc.DBAPIError) and is_interruption(error)
    current_app.logger.error(
        "database %s: %s", "too slow" if slow else "unavailable", error.__class__.__name__
    )
    with contextlib.suppress(sa.exc.SQLAlchemyError):
        db.session.rollback()
    g.database_unreachable = True  # so the page asks it nothing more (auth.accounts.load_staff)
    page, code = render_error(ServiceUnavailable(TOO_SLOW if slow else None))
    return page, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def init_app(app: Flask) -> None:
    """Register the handlers: a styled page for every HTTP error (a refused CSRF token's 400
    among them), a rolled-back session after a crash, a 503 when the database is away."""
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(CSRFError, render_error)
    app.register_error_handler(InternalServerError, render_server_error)
    app.register_error_handler(sa.exc.OperationalError, render_database_unavailable)
    app.register_error_handler(sa.exc.InterfaceError, render_database_unavailable)
