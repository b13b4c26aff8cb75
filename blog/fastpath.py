"""The fast path: a kept article page served to a visitor who sends no cookies, before Flask.

A first-time reader (what a front-page spike is mostly made of) has no session, no flashes, no
pending comment and no remembered details, so their page is the same as every such reader's
except for three values: the CSRF token, the session cookie that goes with it, and the comment
form's time stamp. The page is rendered once with placeholders for those and kept alongside the
article's fragments (blog.pagecache, same generation and version checks); each request then only
makes the three values and swaps them in. Anything else (a cookie, another query, another
method, a miss) goes through Flask as usual.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from werkzeug.http import dump_cookie

from blog import pagecache
from blog.comments.spam import issue_form_stamp
from blog.comments.submission import comments_closed
from blog.extensions import cache
from blog.security import header_items
from blog.siteurl import is_trusted_host

CSRF_PLACEHOLDER = "__blog_csrf_token__"
STAMP_PLACEHOLDER = "__blog_form_stamp__"
_ARTICLE = re.compile(r"^/articles/([^/]+)$")
#: No query, or a page of threads at its one address (?comments=2 and on; see articles.pagination).
_QUERY = re.compile(r"^(?:comments=([2-9]|[1-9][0-9]{1,5}))?$")


class VisitorTokens:
    """Fresh values for each cookieless visitor: a CSRF token, its session cookie, a stamp.

    The same values Flask-WTF and Flask's session would make (same keys, salts and signers), so
    a post made from a page served here is checked exactly like one made from a page Flask
    rendered. The signers are made once; the stamp, which only says when the form was served
    and has a resolution of one second, is made once a second.
    """

    def __init__(self, app: Flask) -> None:
        csrf = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        session = app.session_interface.get_signing_serializer(app)
        self._csrf_signer = csrf.make_signer()
        self._session_signer = session.make_signer()
        self._secret_key = app.secret_key
        self._stamp: tuple[int, str] = (0, "")

    def make(self) -> tuple[str, str, str]:
        raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - as Flask-WTF makes it
        form_token = self._csrf_signer.sign(base64_encode(f'"{raw}"')).decode()
        session_json = f'{{"csrf_token":"{raw}"}}'
        session_value = self._session_signer.sign(base64_encode(session_json)).decode()
        second = int(time.time())
        if self._stamp[0] != second:
            self._stamp = (second, issue_form_stamp(self._secret_key))
        return form_token, session_value, self._stamp[1]


class CookielessArticlePages:
    """WSGI middleware in front of the Flask app (inside the Secure-cookie middleware)."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._tokens: VisitorTokens | None = None
        #: Pages read from the shared cache, kept in this process too (pagecache.LocalPages).
        self._local = pagecache.LocalPages()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        pieces = self._page(environ)
        if pieces is None:
            return self.wsgi_app(environ, start_response)
        if self._tokens is None:
            self._tokens = VisitorTokens(self.app)
        form_token, session_value, stamp = self._tokens.make()
        # The big first piece goes out as it is kept; the small rest is joined: one more write.
        rest = b"".join((form_token.encode(), pieces[1], stamp.encode(), pieces[2]))
        config = self.app.config
        cookie = dump_cookie(
            config["SESSION_COOKIE_NAME"],
            session_value,
            path="/",
            httponly=True,
            samesite=config["SESSION_COOKIE_SAMESITE"],
            secure=config["SESSION_COOKIE_SECURE"],
        )
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(pieces[0]) + len(rest))),
            ("Vary", "Cookie"),
            ("Set-Cookie", cookie),
            *header_items(environ.get("wsgi.url_scheme") == "https"),
        ]
        start_response("200 OK", headers)
        return [pieces[0], rest]

    def _page(self, environ: dict) -> list[bytes] | None:
        """The kept page for this request, if it qualifies and the page is still current."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("HTTP_COOKIE"):
            return None
        match = _ARTICLE.match(environ.get("PATH_INFO", ""))
        query = _QUERY.match(environ.get("QUERY_STRING", ""))
        if match is None or query is None or self.app.config["CACHE_TYPE"] == "NullCache":
            return None
        host = environ.get("HTTP_HOST", "")
        if not is_trusted_host(host, self.app.config["TRUSTED_HOSTS"]):
            return None  # Flask answers it with a 400
        pages = self.app.extensions["cache"][cache]
        versions = pagecache.version_store(self.app)
        page = int(query.group(1) or 1)
        host_url = f"{environ.get('wsgi.url_scheme', 'http')}://{host}/"
        anonymous = self._local.get(pages, versions, host_url, match.group(1), page)
        if anonymous is None:
            return None
        close_after = self.app.config["COMMENTS_CLOSE_AFTER_DAYS"]
        if anonymous.closed != comments_closed(anonymous, close_after_days=close_after):
            return None
        return anonymous.pieces


def init_app(app: Flask) -> None:
    """Put the fast path in front of the app."""
    app.wsgi_app = CookielessArticlePages(app, app.wsgi_app)


def page_for_anyone(render: Callable[..., str], **context: Any) -> list[bytes]:
    """Render the page a cookieless visitor gets, cut where their token and stamp go."""
    html = render(csrf_value=CSRF_PLACEHOLDER, stamp_value=STAMP_PLACEHOLDER, **context)
    before, _, rest = html.partition(CSRF_PLACEHOLDER)
    middle, _, after = rest.partition(STAMP_PLACEHOLDER)
    return [before.encode(), middle.encode(), after.encode()]
