"""Feeds and sitemaps say when they last changed; ETags, 304s and caching are the kept page's
(blog.keptpages)."""

from __future__ import annotations

from datetime import datetime

from flask import Response


def dated(response: Response, last_modified: datetime | None) -> Response:
    """Add Last-Modified (a feed reader's If-Modified-Since is answered from it)."""
    if last_modified is not None:
        response.last_modified = last_modified
    return response
