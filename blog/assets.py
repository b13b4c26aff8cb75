"""Static files with a content hash in their URL, so they can be cached for a year."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

ONE_YEAR = 365 * 24 * 3600


@cache
def _content_hash(path: Path, mtime: float) -> str:
    """The first 12 hex digits of the file's SHA-256 (recomputed when it changes)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def init_app(app: Flask) -> None:
    """Add ?v=<hash> to every url_for('static', ...) and a long Cache-Control to such URLs."""
    static_folder = Path(app.static_folder or "")

    @app.url_defaults
    def hashed_static_urls(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            path = static_folder / values["filename"]
            if path.is_file():
                values["v"] = _content_hash(path, path.stat().st_mtime)

    @app.after_request
    def cache_hashed_static_files(response: Response) -> Response:
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
        return response
