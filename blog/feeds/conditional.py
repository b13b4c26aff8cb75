"""Conditional responses: feeds and the sitemap answer 304 when the client has the latest."""

from __future__ import annotations

from datetime import datetime

from flask import Response, request


def conditional(response: Response, last_modified: datetime | None) -> Response:
    """Add ETag and Last-Modified, and answer 304 when the client already has this version."""
    response.add_etag()
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.no_cache = True  # may be kept, but must be checked each time
    return response.make_conditional(request)
