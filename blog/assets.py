"""Static files with a content hash in their URL, so they can be cached for a year; text ones
sent gzipped to a browser that accepts it (compressed once per version of the file)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

from blog.compression import accepts_gzip, gzip_bytes

ONE_YEAR = 365 * 24 * 3600
#: What is worth compressing (images such as PNG are compressed already).
COMPRESSIBLE = frozenset({"text/css", "text/javascript", "image/svg+xml", "text/plain"})


@cache
def _gzipped(path: Path, mtime: float) -> bytes:
    """The file compressed once (again when it changes)."""
    return gzip_bytes(path.read_bytes())


def compress_static(response: Response, static_folder: Path) -> Response:
    """A text static file as gzip, for a browser that accepts it."""
    response.vary.add("Accept-Encoding")
    if response.status_code != 200 or response.mimetype not in COMPRESSIBLE:
        return response
    if not accepts_gzip(request.headers.get("Accept-Encoding")):
        return response
    path = (static_folder / (request.view_args or {}).get("filename", "")).resolve()
    if not path.is_file() or static_folder.resolve() not in path.parents:
        return response
    response.direct_passthrough = False
    response.set_data(_gzipped(path, path.stat().st_mtime))
    response.headers["Content-Encoding"] = "gzip"
    return response


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
            response.cache_control.no_cache = None  # send_file's default: not for these
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
        if request.endpoint == "static":
            response = compress_static(response, static_folder)
        return response
