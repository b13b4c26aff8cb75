"""The larger request size uploads are allowed: only on the views that take a picture.

Every other request keeps MAX_CONTENT_LENGTH (small: a comment, a login). A view marked with
@accepts_upload takes up to MEDIA_MAX_UPLOAD_BYTES of picture plus the form around it; the
bound is raised before anything reads the body (the CSRF check reads the form), and
deploy/nginx.conf allows the same on those paths alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request

View = TypeVar("View", bound=Callable)

#: Room for the form's other fields beside the picture (an article's body, its title).
FORM_ALLOWANCE = 1024 * 1024


def accepts_upload(view: View) -> View:
    """Mark a view as taking a picture upload (multipart/form-data)."""
    view.accepts_upload = True  # type: ignore[attr-defined]
    return view


def upload_request_limit() -> int:
    """The largest request body a view that takes an upload accepts."""
    return current_app.config["MEDIA_MAX_UPLOAD_BYTES"] + FORM_ALLOWANCE


def takes_upload() -> bool:
    """Whether this request is a POST to a view marked with @accepts_upload: the one test of it
    (the request bound, the UTF-8 check of blog.inputs and the 413 page all ask it)."""
    if request.method != "POST":
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "accepts_upload", False)


def raise_limit_for_uploads() -> None:
    """Before the body is read: the upload bound for a marked view, the usual one otherwise."""
    if takes_upload():
        request.max_content_length = upload_request_limit()
        # Werkzeug keeps a file part past this size on disk, not in memory.
        request.max_form_memory_size = current_app.config.get("MAX_FORM_MEMORY_SIZE")


def init_app(app: Flask) -> None:
    """Raise the bound for marked views; registered before the guards that read forms."""
    app.before_request(raise_limit_for_uploads)
