"""Guards for the whole app: security headers, cookies over HTTPS, what shared caches may keep,
safe redirects, the trusted proxies, and the move from plain HTTP to HTTPS."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from flask import Flask, Response, abort, current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from blog.extensions import csrf, login_manager

#: No inline script or style anywhere; the JSON-LD block is data, which CSP does not run.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data: https:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


#: One year, the usual HSTS lifetime.
HSTS = "max-age=31536000; includeSubDomains"
#: Anything that could make a browser read a path as another host or scheme.
_UNSAFE_IN_NEXT = re.compile(r"[\\\x00-\x20\x7f]")


def header_items(secure: bool) -> list[tuple[str, str]]:
    """Headers that cost nothing and close whole classes of attack."""
    items = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if secure:
        items.append(("Strict-Transport-Security", HSTS))
    return items


def set_security_headers(response: Response) -> Response:
    """Add the security headers to every response Flask makes."""
    for name, value in header_items(request.is_secure):
        response.headers.setdefault(name, value)
    return response


class SecureCookiesOverHTTPS:
    """WSGI middleware: every cookie sent over HTTPS is marked Secure.

    Middleware rather than an after_request hook, because the session and remember-me cookies
    are written after those hooks have run. Behind a proxy, ProxyFix (PROXY_HOPS) wraps it from
    outside, so the scheme is already the client's here.
    """

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
            headers = [
                (name, value + "; Secure")
                if name.lower() == "set-cookie" and "; secure" not in value.lower()
                else (name, value)
                for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secure_start_response)


#: Methods a browser repeats unchanged after a 301; any other is sent a 308, which keeps the
#: method and body (a 301 or 302 would turn a POST into a GET and silently drop what was sent).
_SAFE_METHODS = frozenset({"GET", "HEAD"})


def https_redirect(site_url: str, environ: dict) -> tuple[str, str] | None:
    """(status, Location) sending a plain-HTTP request to SITE_URL's https address, or None.

    Only when SITE_URL is https and the request came in over http (as the trusted proxy
    reports it, after ProxyFix). The path and query are kept; the host is SITE_URL's.
    """
    if not site_url.startswith("https://") or environ.get("wsgi.url_scheme") != "http":
        return None
    # PATH_INFO is decoded bytes-as-latin-1 (PEP 3333); quote it back as it came.
    raw_path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    path = quote(raw_path.encode("latin-1"), safe="/:@!$&'()*+,;=") or "/"
    query = environ.get("QUERY_STRING", "")
    location = site_url + path + (f"?{query}" if query else "")
    method = environ.get("REQUEST_METHOD", "GET")
    status = "301 Moved Permanently" if method in _SAFE_METHODS else "308 Permanent Redirect"
    return status, location


class HttpsRedirect:
    """WSGI middleware: plain-HTTP requests are redirected to SITE_URL over HTTPS.

    Middleware rather than a before_request hook, because the fast path answers article pages
    before Flask runs.
    """

    def __init__(self, wsgi_app: Callable, site_url: str) -> None:
        self.wsgi_app = wsgi_app
        self.site_url = site_url

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        redirect = https_redirect(self.site_url, environ)
        if redirect is None:
            return self.wsgi_app(environ, start_response)
        status, location = redirect
        body = f"Moved to {location}\n".encode()
        headers = [
            ("Location", location),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *header_items(secure=False),
        ]
        start_response(status, headers)
        return [body]


def trust_proxies(app: Flask) -> None:
    """Believe the X-Forwarded-For, -Proto and -Host headers of PROXY_HOPS proxies (0: none).

    Outermost of all the layers, so rate limits, stored addresses, the HTTPS redirect, HSTS
    and Secure cookies all see the client's address and scheme. With 0, a client's own
    X-Forwarded-* headers are ignored, as they must be when nothing in front sets them.
    """
    hops = int(app.config["PROXY_HOPS"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


#: A response for one visitor: no shared cache may keep it, and a browser keeps no copy.
PRIVATE = "private, no-store"


def no_store(response: Response) -> Response:
    """Keep a page (staff screens, the login form) out of every cache."""
    response.headers["Cache-Control"] = PRIVATE
    return response


def private_if_setting_cookies(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The rule: a response that sets or deletes a cookie is private, no-store, whatever it said.

    A shared cache that kept one would hand the cookie (a session, a CSRF token, a login) to
    the next visitor. Staff and login pages are private by no_store even without a cookie.
    """
    if not any(name.lower() == "set-cookie" for name, _ in headers):
        return headers
    kept = [(name, value) for name, value in headers if name.lower() != "cache-control"]
    return [*kept, ("Cache-Control", PRIVATE)]


class PrivateWhenSettingCookies:
    """WSGI middleware applying private_if_setting_cookies to every response, the fast path's too.

    Middleware for the same reason as SecureCookiesOverHTTPS: the session and remember-me
    cookies are written after the after_request hooks have run.
    """

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def private_start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
            return start_response(status, private_if_setting_cookies(headers), exc_info)

        return self.wsgi_app(environ, private_start_response)


def query_parameters(*names: str) -> Callable:
    """Declare the query parameters a view's own links use (see shared_only_at_its_address)."""

    def declare(view: Callable) -> Callable:
        view.query_parameters = frozenset(names)
        return view

    return declare


def shared_only_at_its_address(response: Response) -> Response:
    """A response a shared cache could keep is private when asked for at an address the site
    never makes, so no HTTP cache in front of the site fills with one entry per made-up query.

    A page may carry only the parameters its view declares (query_parameters; ?utm_source= is
    not one of them); a public file (a feed, an avatar, a static file) only its exact address,
    ?v= included, as url_for makes it. The bytes are the same, only not kept. (Registered
    before assets.init_app, so it runs after the hook that makes static files public.)
    """
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return response
    cache_control = response.cache_control
    if cache_control.private or cache_control.no_store:
        return response
    view = current_app.view_functions.get(request.endpoint)
    declared = getattr(view, "query_parameters", None)
    if declared is None and cache_control.public:
        address = url_for(request.endpoint, **(request.view_args or {}))
        stray = urlsplit(address).query.encode() != request.query_string
    else:
        stray = not request.args.keys() <= (declared or frozenset())
    if stray:
        response.headers["Cache-Control"] = PRIVATE
    return response


def safe_next(target: str | None) -> str | None:
    """target if it is a path on this site, else None.

    Refuses other hosts however disguised: //host, /\\host, schemes, and control characters
    or spaces that browsers strip before reading the URL (/%09/host).
    """
    if not target or not target.startswith("/"):
        return None
    # Judge the decoded form too: /%09/host and /%2F%2Fhost must not slip through.
    for form in (target, unquote(target)):
        if _UNSAFE_IN_NEXT.search(form) or form.startswith("//"):
            return None
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return None
    return target


def require_staff_for_admin() -> ResponseReturnValue | None:
    """Refuse every /admin URL, whatever the method, to anyone not logged in as active staff.

    Runs before routing decides on a 404 or a 405, and before the CSRF check.
    """
    in_admin = request.path == "/admin" or request.path.startswith("/admin/")
    if in_admin and not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


#: Sec-Fetch-Site values a browser sends for a request its own site's page made, or that the
#: person made themselves (typed, bookmarked).
SAME_ORIGIN_FETCHES = frozenset({"same-origin", "none"})
CROSS_ORIGIN_REFUSED = (
    "This form was sent from another website, so nothing was posted. "
    "To comment, use the form on the article's own page."
)


def checked_by_origin(view: Callable) -> Callable:
    """Declare a form any reader may post without a session: it is protected against posts
    from other sites by where the browser says it came from (is_cross_origin), not a token."""
    view.checked_by_origin = True
    return view


def guarded_by_signed_link(view: Callable) -> Callable:
    """Declare a POST that needs neither a CSRF token nor a same-origin browser: the one-click
    unsubscribe of RFC 8058, which a mail provider's server sends with no session, no token and
    no Origin. Its URL carries a signed token naming the address, which is its only guard (and
    enough: it can do no more than unsubscribe the address whose mail carried it)."""
    view.guarded_by_signed_link = True
    return view


def is_cross_origin(headers: Any, site_url: str) -> bool:
    """Whether a browser says this request was made by a page of another origin.

    As Go 1.25's CrossOriginProtection: Sec-Fetch-Site, which every current browser sends and
    no page can forge, decides when present (same-origin or none pass). Without it, an Origin
    must be SITE_URL's own (another port of the same host is another origin). With neither,
    the client is not a browser a hostile page can drive (a text browser, a script), so it
    passes: it could send any headers it liked anyway.
    """
    fetch_site = headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site.strip().lower() not in SAME_ORIGIN_FETCHES
    origin = headers.get("Origin")
    if origin is None:
        return False
    parts = urlsplit(site_url)
    return origin.strip().lower() != f"{parts.scheme}://{parts.netloc}".lower()


def check_csrf() -> None:
    """Every state-changing request to a real route is checked against cross-site posting:
    by origin for the forms readers post without a session (checked_by_origin), by
    Flask-WTF's per-session token for everything else (staff forms, login, logout); not at
    all for a POST whose signed URL is its guard (guarded_by_signed_link).

    Requests that match no route go on to their 404 or 405, as with Flask-WTF's own hook.
    """
    if not request.endpoint or request.method not in current_app.config["WTF_CSRF_METHODS"]:
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "guarded_by_signed_link", False):
        return
    if getattr(view, "checked_by_origin", False):
        if is_cross_origin(request.headers, current_app.config["SITE_URL"]):
            abort(403, CROSS_ORIGIN_REFUSED)
        return
    csrf.protect()


def init_app(app: Flask) -> None:
    """Register the guards (in this order) and the header hooks.

    The WSGI layers defined here (cookies over HTTPS, private when setting cookies, the HTTPS
    redirect, the trusted proxies) are installed by create_app's register_middleware.
    """
    app.before_request(require_staff_for_admin)
    app.before_request(check_csrf)
    app.after_request(set_security_headers)
    app.after_request(shared_only_at_its_address)
