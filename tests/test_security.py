"""Hardening for the whole app: headers, cookies over HTTPS, trusted hosts, a database outage."""

from __future__ import annotations

import pytest

from blog.extensions import db
from blog.security import https_redirect
from tests.conftest import build_app
from tests.factories import make_article, make_staff
from tests.pages import form_values, get_html, log_in


def assert_security_headers(response) -> None:
    policy = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in policy
    script_src = [d for d in policy.split(";") if d.strip().startswith("script-src")][0]
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Permissions-Policy" in response.headers


def test_headers_on_html_error_and_static_responses(client):
    for url in ("/", "/no-such-page", "/static/style.css", "/feed.atom"):
        with client.get(url) as response:
            assert_security_headers(response)
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_over_https_hsts_is_sent_and_every_cookie_is_secure(app):
    with app.app_context():
        make_staff("editor")
        db.session.commit()
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    home = client.get("/", base_url="https://localhost")
    assert home.headers["Strict-Transport-Security"].startswith("max-age=")
    html = get_html(client, "https://localhost/login")
    response = client.post(
        "https://localhost/login?next=/admin/",
        data={
            "csrf_token": form_values(html)["csrf_token"],
            "username": "editor",
            "password": "correct horse battery",
            "remember": "y",
        },
        headers={"Referer": "https://localhost/login"},
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} >= {"session", "remember_token"}
    for cookie in cookies:
        assert "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookies_are_httponly_and_samesite_over_http(app, client):
    with app.app_context():
        make_staff("editor")
        db.session.commit()
    response = log_in(client, remember=True)
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_untrusted_hosts_are_refused_by_default(client):
    # TRUSTED_HOSTS is unset: SITE_URL's host (http://localhost in tests) and 127.0.0.1 only.
    assert client.get("/", base_url="http://127.0.0.1:8000").status_code == 200
    for base in ("http://evil.example", "http://localhost.evil.example"):
        refused = client.get("/", base_url=base)
        assert refused.status_code == 400
        assert "evil" not in refused.get_data(as_text=True)


def test_untrusted_hosts_are_refused(app):
    app.config["TRUSTED_HOSTS"] = ["news.example.org"]
    client = app.test_client()
    assert client.get("/", base_url="http://news.example.org").status_code == 200
    refused = client.get("/", base_url="http://evil.example")
    assert refused.status_code == 400
    assert "Bad Request" in refused.get_data(as_text=True)


def test_the_debugger_is_off_by_default(app):
    assert app.debug is False


@pytest.mark.parametrize(
    "unreachable",
    [
        "sqlite:////nonexistent-directory/blog.sqlite3",
        "postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2",
    ],
)
def test_an_unreachable_database_gives_a_styled_503_and_keeps_the_typed_comment(
    app, client, unreachable, tmp_path
):
    with app.app_context():
        slug = make_article().slug
        db.session.commit()
    values = form_values(get_html(client, f"/articles/{slug}"))
    broken = build_app({"SQLALCHEMY_DATABASE_URI": unreachable}, TESTING=False)
    broken_client = broken.test_client()
    with client.session_transaction() as session:
        session_data = dict(session)
    with broken_client.session_transaction() as session:
        session.update(session_data)
    home = broken_client.get("/")
    assert home.status_code == 503 and int(home.headers["Retry-After"]) > 0
    page = home.get_data(as_text=True)
    assert 'class="site-header"' in page
    for leak in ("Traceback", "sqlite", "psycopg", "nonexistent-directory", "SELECT"):
        assert leak not in page
    posted = broken_client.post(
        f"/articles/{slug}/comments",
        data={**values, "name": "Ada", "email": "ada@example.com", "body": "Keep these words."},
    )
    assert posted.status_code == 503
    assert "Keep these words.</textarea>" in posted.get_data(as_text=True)
    with broken.app_context():
        db.session.remove()
        db.engine.dispose()


# --- the HTTPS redirect and the trusted proxies --------------------------------------------

SITE = "https://news.example.org"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (
            {"wsgi.url_scheme": "http", "REQUEST_METHOD": "GET", "PATH_INFO": "/articles/x"},
            ("301 Moved Permanently", f"{SITE}/articles/x"),
        ),
        (
            {
                "wsgi.url_scheme": "http",
                "REQUEST_METHOD": "HEAD",
                "PATH_INFO": "/search",
                "QUERY_STRING": "q=ferry+fares&page=2",
            },
            ("301 Moved Permanently", f"{SITE}/search?q=ferry+fares&page=2"),
        ),
        (
            {"wsgi.url_scheme": "http", "REQUEST_METHOD": "POST", "PATH_INFO": "/login"},
            ("308 Permanent Redirect", f"{SITE}/login"),
        ),
        (
            # PEP 3333 paths are decoded; they go back out quoted as they came.
            {"wsgi.url_scheme": "http", "PATH_INFO": "/tag/caf\u00c3\u00a9 2%"},
            ("301 Moved Permanently", f"{SITE}/tag/caf%C3%A9%202%25"),
        ),
        ({"wsgi.url_scheme": "https", "PATH_INFO": "/"}, None),
    ],
)
def test_plain_http_is_sent_to_site_urls_https_address(environ, expected):
    assert https_redirect(SITE, environ) == expected


def test_nothing_is_redirected_when_site_url_is_plain_http():
    assert https_redirect("http://localhost", {"wsgi.url_scheme": "http", "PATH_INFO": "/"}) is None


@pytest.fixture
def https_site(tmp_path):
    """A site whose SITE_URL is https, as the app sees requests (no proxy, or one)."""
    apps = []

    def make(**config):
        database = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
        app = build_app(database, SITE_URL=SITE, **config)
        with app.app_context():
            db.create_all()
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_plain_http_request_is_redirected_to_https_with_its_path_and_query(https_site):
    client = https_site().test_client()
    moved = client.get("/search?q=ferry", base_url="http://localhost")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"{SITE}/search?q=ferry"
    assert "Strict-Transport-Security" not in moved.headers
    posted = client.post("/login", data={"username": "x"}, base_url="http://localhost")
    assert posted.status_code == 308 and posted.headers["Location"] == f"{SITE}/login"
    secure = client.get("/", base_url="https://localhost")
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_forwarded_headers_count_only_from_the_configured_proxies(https_site):
    from_proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    # PROXY_HOPS 0: a client's own X-Forwarded-Proto does not make plain HTTP secure.
    alone = https_site().test_client()
    assert alone.get("/", base_url="http://localhost", headers=from_proxy).status_code == 301

    behind = https_site(PROXY_HOPS=1).test_client()
    said_https = behind.get("/robots.txt", base_url="http://localhost", headers=from_proxy)
    assert said_https.status_code == 200
    assert "Strict-Transport-Security" in said_https.headers
    said_http = behind.get(
        "/robots.txt?x=1", base_url="http://localhost", headers={"X-Forwarded-Proto": "http"}
    )
    assert said_http.status_code == 301 and said_http.headers["Location"] == (
        f"{SITE}/robots.txt?x=1"
    )


def test_behind_the_proxy_the_client_address_is_the_forwarded_one(https_site):
    from flask import request

    app = https_site(PROXY_HOPS=1)
    seen = []

    @app.get("/test-only/address")
    def address() -> str:
        seen.append(request.remote_addr)
        return "ok"

    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
    app.test_client().get("/test-only/address", headers=headers)
    assert seen == ["203.0.113.9"]  # the one the single trusted proxy saw, not the client's claim
