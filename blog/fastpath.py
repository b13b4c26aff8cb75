"""The fast path: a kept page served to a reader who carries none of the site's cookies,
before Flask.

A reader without the site's cookies (what a front-page spike is mostly made of) has no session,
no flashes, no pending comment and no remembered details, so their page is the one every such
reader gets (blog.keptpages), with a fresh anti-spam stamp in the comment form. This layer
serves it from the kept pages without starting a request in Flask: a 304 when the reader has it,
gzip when they accept it. Anything else (one of the site's cookies, another method, a miss, a
stale page) goes through Flask as usual, which builds and keeps the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.http import parse_cookie
from werkzeug.wsgi import get_current_url

from blog import keptpages, pagecache
from blog.comments.display import AUTHOR_COOKIE
from blog.comments.spam import current_form_stamp
from blog.extensions import cache
from blog.security import header_items
from blog.siteurl import is_trusted_host


def site_cookies(app: Flask) -> frozenset[str]:
    """The cookies that may make a page a visitor's own: session, login, remembered details.

    Any other cookie (an analytics script's, say) changes nothing the site shows.
    """
    return frozenset(
        {
            app.config["SESSION_COOKIE_NAME"],
            app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
            AUTHOR_COOKIE,
        }
    )


class KeptPages:
    """WSGI middleware in front of the Flask app (inside the Secure-cookie middleware)."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.cookies = site_cookies(app)
        #: Pages read from the shared cache, kept in this process too.
        self._local = pagecache.LocalPages()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        page = self._page(environ)
        if page is None:
            return self.wsgi_app(environ, start_response)
        stamp = current_form_stamp(self.app.secret_key)
        status, headers, body = keptpages.serve_anonymous(page, environ, stamp)
        headers += header_items(environ.get("wsgi.url_scheme") == "https")
        start_response(status, headers)
        return body

    def _page(self, environ: dict) -> keptpages.KeptPage | None:
        """The kept page for this request, if it qualifies and the page is still current."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        if self.app.config["CACHE_TYPE"] == "NullCache":
            return None
        if environ.get("HTTP_COOKIE") and self.cookies & parse_cookie(environ).keys():
            return None
        host = environ.get("HTTP_HOST", "")
        if not is_trusted_host(host, self.app.config["TRUSTED_HOSTS"]):
            return None  # Flask answers it with a 400
        # As werkzeug reads the path (PEP 3333 gives it as bytes in latin-1), and as
        # keptpages.address writes it.
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        query = environ.get("QUERY_STRING", "")
        address = get_current_url(environ, host_only=True) + path.lstrip("/")
        if query:
            address += f"?{query}"
        pages = self.app.extensions["cache"][cache]
        return self._local.get(pages, pagecache.version_store(self.app), address)


def init_app(app: Flask) -> None:
    """Put the fast path in front of the app."""
    app.wsgi_app = KeptPages(app, app.wsgi_app)
