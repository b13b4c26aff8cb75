"""Hardening for the whole app: headers, cookies over HTTPS, trusted hosts, a database outage."""

from __future__ import annotations

import pytest

from blog.extensions import db
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
