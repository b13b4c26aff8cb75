"""One styled page for each HTTP error; never a traceback to a reader."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
from flask import Flask, current_app, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from blog.extensions import db

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


def render_error(error: HTTPException) -> tuple[str, int]:
    """Render the styled page for an HTTP error, keeping its status code."""
    code = error.code or 500
    # A description given by the view (abort(403, "Comments are closed.")) says it best.
    if error.description and error.description != type(error).description:
        explanation = error.description
    else:
        explanation = EXPLANATIONS.get(code, error.description)
    if request_ctx.url_adapter is None:
        # The request was refused before routing (an untrusted Host): no URLs can be built.
        return render_template(
            "errors/bare.html", code=code, name=error.name, explanation=explanation
        ), code
    page = render_template(
        "errors/error.html",
        code=code,
        name=error.name,
        explanation=explanation,
        typed_comment=typed_comment(code),
        # Without a database, even asking who is logged in would fail again.
        database_down=code == 503,
    )
    return page, code


def typed_comment(code: int) -> str | None:
    """On a refused comment post, what the person wrote, so the error page can hand it back.

    Not for 413: reading an oversized body is exactly what must not happen.
    """
    if request.method != "POST" or request.endpoint != "comments.create" or code == 413:
        return None
    return request.form.get("body") or None


def render_server_error(error: InternalServerError) -> tuple[str, int]:
    """Roll back whatever the failed request left half-done, then show the 500 page."""
    db.session.rollback()
    return render_error(error)


def render_database_unavailable(error: sa.exc.OperationalError | sa.exc.InterfaceError):  # noqa: ANN201
    """The database is down or unreachable: a styled 503 that asks the client to come back."""
    current_app.logger.error("database unavailable: %s", error.__class__.__name__)
    with contextlib.suppress(sa.exc.SQLAlchemyError):
        db.session.rollback()
    page, code = render_error(ServiceUnavailable())
    return page, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(InternalServerError, render_server_error)
    app.register_error_handler(sa.exc.OperationalError, render_database_unavailable)
    app.register_error_handler(sa.exc.InterfaceError, render_database_unavailable)
