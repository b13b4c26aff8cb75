"""Real app servers for deployment tests: gunicorn processes on ports of their own."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask

from blog.extensions import db
from tests.conftest import SERVER_DATABASE_URL, build_app, fresh_database
from tests.factories import make_article, make_staff
from tests.pages import form_values

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("BLOG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: A key wsgi.py accepts (32 bytes or more, not a placeholder), shared by every test server.
SHARED_SECRET_KEY = "deploy-tests-shared-secret-key-0123456789abcdef"


def require_redis() -> None:
    """Skip without Redis, except in CI, where a skip would hide a gap."""
    parts = urllib.parse.urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1):
            return
    except OSError:
        message = f"Redis does not answer at {REDIS_URL}; start redis-server to run this"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def shared_database(
    tmp_path: Path,
    server_url: str | None = SERVER_DATABASE_URL,
) -> Iterator[tuple[dict, Flask, str]]:
    """A fresh database with the schema, one article and an `editor` account, its connections
    released so that servers in other processes can share it. Yields (config, app, slug)."""
    with fresh_database(tmp_path, server_url) as database:
        app = build_app(database)
        with app.app_context():
            db.create_all()
            slug = make_article().slug
            make_staff("editor")
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        yield database, app, slug


def redis_limits() -> dict[str, str]:
    """Settings for rate limits in Redis, under a prefix of their own (no count left over)."""
    require_redis()
    return {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database: dict, **settings: str) -> dict[str, str]:
    """FLASK_* settings for a server on the test's database (addressed as 127.0.0.1)."""
    env = {
        "FLASK_SECRET_KEY": SHARED_SECRET_KEY,
        "FLASK_SITE_URL": "http://127.0.0.1",
        "FLASK_SQLALCHEMY_DATABASE_URI": database["SQLALCHEMY_DATABASE_URI"],
        "FLASK_SQLALCHEMY_ENGINE_OPTIONS": json.dumps(
            database.get("SQLALCHEMY_ENGINE_OPTIONS", {})
        ),
        "FLASK_COMMENT_MIN_SECONDS": "0",
    }
    env.update({f"FLASK_{key}": value for key, value in settings.items()})
    return env


def gunicorn_command(port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "2",
        "wsgi:app",
    ]


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 1) -> Iterator[subprocess.Popen]:
    """A gunicorn server; yields the process, with .port set and .log() reading its stderr
    so far (gunicorn's and the app's log lines)."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            gunicorn_command(port, workers),
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        process.port = port

        def read_log() -> str:
            log.seek(0)
            return log.read().decode(errors="replace")

        process.log = read_log
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    if process.poll() is not None:
                        raise RuntimeError(read_log()) from None
                    time.sleep(0.1)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=15)


def gunicorn_refusal(env: dict[str, str], timeout: float = 30) -> tuple[int, str]:
    """Start gunicorn on settings it must refuse; returns its exit status and its stderr."""
    result = subprocess.run(
        gunicorn_command(free_port(), 1),
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    return result.returncode, result.stderr.decode(errors="replace")


class Browser:
    """A minimal cookie-keeping HTTP client for one server at a time."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(
        self,
        port: int,
        method: str,
        path: str,
        data: dict | None = None,
        headers: dict[str, str] | None = None,
    ):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(headers or {}),
        }
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";")[0]
                key, _, val = pair.partition("=")
                if "Max-Age=0" in value or "Expires=Thu, 01 Jan 1970" in value:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = val
        conn.close()
        return response, text

    def get(self, port: int, path: str, headers: dict[str, str] | None = None):
        return self.request(port, "GET", path, headers=headers)

    def form(self, port: int, path: str) -> dict[str, str]:
        return form_values(self.get(port, path)[1])

    def post(self, port: int, path: str, data: dict):
        return self.request(port, "POST", path, data)
