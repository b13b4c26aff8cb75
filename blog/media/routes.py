"""/media/<name>: a picture's stored file, cached for a year (its name changes with its content)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request

from blog.media.names import parse_name
from blog.media.store import current_store
from blog.security import query_parameters

bp = Blueprint("media", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get("/media/<name>")
@query_parameters()
def file(name: str) -> Response:
    """One stored file, from whichever store the site keeps them in."""
    parsed = parse_name(name)
    if parsed is None:
        abort(404)
    response = current_store().response(name, parsed.content_type)
    if response is None:
        abort(404)
    response.set_etag(name)
    response.cache_control.no_cache = None  # send_from_directory's default, for a file that changes
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["MEDIA_CACHE_SECONDS"]
    response.cache_control.immutable = True
    return response.make_conditional(request)
