"""Fixtures: an app on a fresh database (SQLite, or PostgreSQL with BLOG_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from blog import create_app
from blog.extensions import db

#: Set it to run the whole suite against PostgreSQL (or another server database).
SERVER_DATABASE_URL = os.environ.get("BLOG_TEST_DATABASE_URL")


@contextmanager
def fresh_database(tmp_path: Path, server_url: str | None = SERVER_DATABASE_URL) -> Iterator[dict]:
    """Config for an empty database of its own: a SQLite file, or a new PostgreSQL schema; and a
    pictures folder of its own (the files store), so no test writes into instance/."""
    media = {"MEDIA_DIR": str(tmp_path / "media")}
    if not server_url:
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}", **media}
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {
            "SQLALCHEMY_DATABASE_URI": server_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_pre_ping": True,
                "connect_args": {"options": f"-csearch_path={schema}"},
            },
            **media,
        }
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def build_app(database: dict, **config: object) -> Flask:
    """An app for tests: fixed secret key, the given database; no fill-time trap, rate limits
    or page cache, and no sender thread without a mail server (a test's mail waits in the outbox
    until it sends it, and no thread claims rows it is about to read). Tests of those turn them
    back on.
    """
    defaults = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "COMMENT_MIN_SECONDS": 0,
        "RATELIMIT_ENABLED": False,
        "CACHE_TYPE": "NullCache",
        # Sent by a thread only where a test sets a mail server: else its mail waits for it.
        "OUTBOX_SENDER_THREAD": bool(config.get("MAIL_SERVER")),
    }
    return create_app({**defaults, **database, **config})


@contextmanager
def app_of_its_own(
    directory: Path, server_url: str | None = SERVER_DATABASE_URL, **config: object
) -> Iterator[Flask]:
    """An app on a new database of its own, schema made and no rows, its mail folder in
    directory (made if missing) and these settings; its connections closed after the block."""
    directory.mkdir(parents=True, exist_ok=True)
    with fresh_database(directory, server_url) as database:
        app = build_app(database, **{"MAIL_PICKUP_DIR": str(directory / "mail"), **config})
        with app.app_context():
            db.create_all()
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def dispose_when_idle(app: Flask, timeout: float = 10.0) -> None:
    """Close the app's database connections once server threads have handed theirs back.

    A live server's request thread may still be tearing down after its client has read the
    response; disposing before then would leave that connection to the garbage collector.
    """
    with app.app_context():
        engine = db.engine
        deadline = time.monotonic() + timeout
        while engine.pool.checkedout() and time.monotonic() < deadline:
            time.sleep(0.02)
        db.session.remove()
        engine.dispose()


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Flask]:
    """An app whose database has no tables yet (for migration tests)."""
    with fresh_database(tmp_path) as database:
        app = build_app(database, MAIL_PICKUP_DIR=str(tmp_path / "mail"))
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(empty_app: Flask) -> Flask:
    """An app with the schema created and no rows."""
    with empty_app.app_context():
        db.create_all()
    return empty_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class QueryCounter:
    """Counts the SQL statements the app's engine runs while it is active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args) -> None:
        # Transaction control is not a query (and SQLite's BEGIN is explicit, PostgreSQL's not).
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


def count_statements(app: Flask, fn) -> QueryCounter:
    """Run fn and return the statements app's engine ran meanwhile."""
    with app.app_context():
        engine = db.engine
    counter = QueryCounter()
    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)
    return counter


@pytest.fixture
def count_queries(app: Flask) -> Iterator:
    """count_queries(fn) runs fn and returns how many statements it ran."""
    yield lambda fn: count_statements(app, fn)


@contextmanager
def serving(server: Any) -> Iterator[str]:
    """Serve from a thread while the block runs (a werkzeug or http.server server on
    127.0.0.1); yields its base URL."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
