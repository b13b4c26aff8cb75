"""One styled page for each HTTP error; never a traceback to a reader."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

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
}


def render_error(error: HTTPException) -> tuple[str, int]:
    """Render the styled page for an HTTP error, keeping its status code."""
    code = error.code or 500
    # A description given by the view (abort(403, "Comments are closed.")) says it best.
    if error.description and error.description != type(error).description:
        explanation = error.description
    else:
        explanation = EXPLANATIONS.get(code, error.description)
    page = render_template(
        "errors/error.html",
        code=code,
        name=error.name,
        explanation=explanation,
        typed_comment=typed_comment(code),
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


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(InternalServerError, render_server_error)
