"""/media/<name>: a picture's stored file, cached for a year (its name changes with its content)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request

from blog.media.names import parse_name
from blog.media.store import current_store
from blog.security import query_parameters

bp = Blueprint("media", __name__)


@bp.get("/media/<name>")
@query_parameters()
def file(name: str) -> Response:
    """One stored file, from whichever store the site keeps them in."""
    parsed = parse_name(name)
    if parsed is None:
        abort(404)
    # Read whole (a few hundred kB at most) rather than streamed from an open file: nginx serves
    # them in production, and a response a browser abandons then leaves no file open.
    data = current_store().get(name)
    if data is None:
        abort(404)
    response = Response(data, mimetype=parsed.content_type)
    response.set_etag(name)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["MEDIA_CACHE_SECONDS"]
    response.cache_control.immutable = True
    return response.make_conditional(request)
