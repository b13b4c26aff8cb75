"""Rate limits held in Redis bind every app server, not just the one that counted."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from blog.extensions import db
from tests.comments.test_concurrency import session_cookie
from tests.conftest import build_app, fresh_database
from tests.factories import make_article
from tests.pages import form_values

REDIS_URL = os.environ.get("BLOG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]


def redis_answers() -> bool:
    host, port = urllib.parse.urlsplit(REDIS_URL).hostname, urllib.parse.urlsplit(REDIS_URL).port
    try:
        with socket.create_connection((host, port or 6379), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str]):
    """One app server (one sync worker) on a port of its own, as on a separate machine."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode()) from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def post(port: int, slug: str, fields: dict, cookie: str, body: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    data = urllib.parse.urlencode(
        {**fields, "name": "Rita", "email": "rita@example.com", "body": body}
    )
    conn.request(
        "POST",
        f"/articles/{slug}/comments",
        body=data,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def login(port: int, fields: dict, cookie: str) -> int:
    """One failed login attempt; returns the status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    data = urllib.parse.urlencode(
        {"csrf_token": fields["csrf_token"], "username": "editor", "password": "wrong"}
    )
    conn.request(
        "POST",
        "/login",
        body=data,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def test_a_limit_counted_on_one_server_holds_on_another(tmp_path):
    if not redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}; start redis-server to run this")
    with fresh_database(tmp_path) as database:
        app = build_app(database)
        with app.app_context():
            db.create_all()
            slug = make_article().slug
            db.session.commit()
            db.engine.dispose()
        env = {
            "FLASK_SECRET_KEY": "shared-secret",
            "FLASK_SQLALCHEMY_DATABASE_URI": database["SQLALCHEMY_DATABASE_URI"],
            "FLASK_SQLALCHEMY_ENGINE_OPTIONS": json.dumps(
                database.get("SQLALCHEMY_ENGINE_OPTIONS", {})
            ),
            "FLASK_RATELIMIT_STORAGE_URI": REDIS_URL,
            "FLASK_RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "FLASK_COMMENT_RATE_LIMIT": "2 per minute",
            "FLASK_COMMENT_MIN_SECONDS": "0",
            "FLASK_LOGIN_RATE_LIMIT_ACCOUNT": "2 per minute",
        }
        with gunicorn(env) as first, gunicorn(env) as second:
            conn = http.client.HTTPConnection("127.0.0.1", first, timeout=30)
            conn.request("GET", f"/articles/{slug}")
            response = conn.getresponse()
            fields = form_values(response.read().decode())
            cookie = session_cookie(response)
            conn.close()
            assert post(first, slug, fields, cookie, "One").status == 303
            assert post(first, slug, fields, cookie, "Two").status == 303
            refused = post(second, slug, fields, cookie, "Three, elsewhere")
            assert refused.status == 429
            assert int(refused.getheader("Retry-After")) > 0

            # Failed logins count across servers too.
            attempts = [login(port, fields, cookie) for port in (first, first, second)]
            assert attempts == [422, 422, 429]
