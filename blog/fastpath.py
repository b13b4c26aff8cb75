"""The fast path: a kept page served before Flask.

A reader without the site's cookies (what a front-page spike is mostly made of: reading sets
none) has no session, no flashes, no pending comment and no remembered details, so their page is
the one every such reader gets (blog.keptpages), with a fresh anti-spam stamp in the comment
form. A commenter whose session and cookies ask for nothing but their remembered details in the
form gets the same page with those put in. This layer serves both from the kept pages without
starting a request in Flask: a 304 when the reader has it, gzip when they accept it. Anything
else (a flash, a login, their pending comment on the page, another method, a miss, a stale page)
goes through Flask as usual, which builds and keeps the page or renders their parts around it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.http import parse_cookie
from werkzeug.wrappers import Request
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

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        page = self._page(environ)
        served = None
        if page is not None:
            stamp = current_form_stamp(self.app.secret_key)
            served = keptpages.serve_for(page, self._visitor(environ), environ, stamp, None)
        if served is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = served
        headers += header_items(environ.get("wsgi.url_scheme") == "https")
        start_response(status, headers)
        return body

    def _page(self, environ: dict) -> keptpages.KeptPage | None:
        """The kept page for this request, if it qualifies and the page is still current."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        if self.app.config["CACHE_TYPE"] == "NullCache":
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
        local = pagecache.local_pages(self.app)  # shared with Flask's side
        return local.get(pages, pagecache.version_store(self.app), address)

    def _visitor(self, environ: dict) -> keptpages.Visitor:
        """Who asks, from their session and cookies alone (Flask's own session interface reads
        the session, as it would for the request)."""
        if not environ.get("HTTP_COOKIE"):
            return ANYONE
        cookies = parse_cookie(environ)
        if not self.cookies & cookies.keys():
            return ANYONE  # an analytics script's cookie, say
        request = Request(environ)
        session = self.app.session_interface.open_session(self.app, request) or {}
        return keptpages.Visitor.of(session, cookies, {}, self.app.config, self.app.secret_key)


#: A reader without the site's cookies.
ANYONE = keptpages.Visitor()


def init_app(app: Flask) -> None:
    """Put the fast path in front of the app."""
    app.wsgi_app = KeptPages(app, app.wsgi_app)
