"""Production under real gunicorn: refusals at startup, behind a proxy, and request ids."""

from __future__ import annotations

import re
import time

import pytest

from tests.deploy.servers import (
    SHARED_SECRET_KEY,
    Browser,
    gunicorn,
    gunicorn_refusal,
    server_env,
    shared_database,
)
from tests.pages import form_values

SITE = "https://news.example.org"


@pytest.mark.parametrize(
    ("settings", "setting"),
    [
        ({"FLASK_SECRET_KEY": "dev"}, "SECRET_KEY"),
        ({"FLASK_SECRET_KEY": "a-key-of-only-twenty-eight-b"}, "SECRET_KEY"),
        ({"FLASK_DEBUG": "1"}, "DEBUG"),
        ({"FLASK_SITE_URL": ""}, "SITE_URL"),
    ],
)
def test_gunicorn_refuses_to_start_with_one_line_naming_the_setting(tmp_path, settings, setting):
    env = {
        "FLASK_SECRET_KEY": SHARED_SECRET_KEY,
        "FLASK_SITE_URL": SITE,
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        **settings,
    }
    status, stderr = gunicorn_refusal(env)
    assert status != 0
    assert "Traceback" not in stderr
    [line] = [line for line in stderr.splitlines() if line.startswith("blog cannot start")]
    assert line.startswith(f"blog cannot start: {setting} ")
    assert "App failed to load" in stderr  # and gunicorn stops instead of retrying


def test_behind_a_proxy_http_is_redirected_and_only_site_urls_host_is_served(tmp_path):
    with shared_database(tmp_path) as (database, app, slug):
        env = server_env(database, SITE_URL=SITE, PROXY_HOPS="1")
        with gunicorn(env) as server:
            reader = Browser()

            def get(path: str, **headers: str):
                return reader.get(server.port, path, headers=headers)

            moved, _ = get(
                "/search?q=ferry", Host="news.example.org", **{"X-Forwarded-Proto": "http"}
            )
            assert moved.status == 301
            assert moved.getheader("Location") == f"{SITE}/search?q=ferry"

            secure = {"Host": "news.example.org", "X-Forwarded-Proto": "https"}
            page, html = get(f"/articles/{slug}", **secure, **{"X-Request-ID": "edge-42"})
            assert page.status == 200
            assert page.getheader("Strict-Transport-Security").startswith("max-age=")
            assert page.getheader("X-Request-ID") == "edge-42"
            assert f'<link rel="canonical" href="{SITE}/articles/{slug}">' in html
            assert page.getheader("Set-Cookie") is None  # reading starts no session
            fields = {**form_values(html), "name": "Ada", "email": "ada@example.com"}
            posted, _ = reader.request(
                server.port,
                "POST",
                f"/articles/{slug}/comments",
                data={**fields, "body": "Over HTTPS."},
                headers=secure,
            )
            assert posted.status == 303
            assert "; Secure" in posted.getheader("Set-Cookie")  # posting does, over HTTPS

            # Production trusts SITE_URL's host alone: not localhost, and not a forged one.
            for host in ("evil.example", "127.0.0.1", "localhost"):
                refused, _ = get("/", Host=host, **{"X-Forwarded-Proto": "https"})
                assert refused.status == 400, host
            assert "PROXY_HOPS is 0" not in server.log()


def test_an_https_site_url_with_no_proxy_believed_warns_once_at_startup(tmp_path):
    with (
        shared_database(tmp_path) as (database, app, slug),
        gunicorn(server_env(database, SITE_URL=SITE), workers=2) as server,
    ):
        deadline = time.monotonic() + 10
        while "Booting worker" not in server.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        warnings = [line for line in server.log().splitlines() if "PROXY_HOPS is 0" in line]
        assert len(warnings) == 1 and "[WARNING]" in warnings[0]
        response, _ = Browser().get(server.port, "/", headers={"Host": "news.example.org"})
        assert response.status == 301  # as warned: plain HTTP, redirected


def test_a_503_under_gunicorn_shows_the_id_that_its_log_line_carries(tmp_path):
    unreachable = {"SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent-directory/blog.sqlite3"}
    with gunicorn(server_env(unreachable, CACHE_TYPE="NullCache")) as server:
        response, page = Browser().get(server.port, "/")
        assert response.status == 503
        request_id = response.getheader("X-Request-ID")
        assert re.fullmatch(r"[0-9a-f]{16}", request_id)
        assert f"<code>{request_id}</code>" in page
        server.terminate()
        server.wait(timeout=15)
        [line] = [line for line in server.log().splitlines() if request_id in line]
        assert f"ERROR in errors [request {request_id}]: database unavailable" in line
