"""Faults: a worker killed mid-burst, and a database that goes away and comes back."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import Comment
from tests.conftest import SERVER_DATABASE_URL
from tests.deploy.servers import Browser, gunicorn, server_env, shared_database

POSTGRES_URL = SERVER_DATABASE_URL or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn workers (children of the master)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def test_killing_a_worker_mid_burst_loses_no_acknowledged_comment(tmp_path):
    with (
        shared_database(tmp_path) as (database, app, slug),
        gunicorn(server_env(database, RATELIMIT_ENABLED="false"), workers=2) as server,
    ):
        acknowledged: list[str] = []
        failed = 0
        lock = threading.Lock()
        started = threading.Event()

        def commenter(worker: int) -> None:
            nonlocal failed
            visitor = Browser()
            fields = None
            while fields is None:  # the page itself may be cut off by the kill: read it again
                try:
                    fields = visitor.form(server.port, f"/articles/{slug}")
                except (OSError, http.client.HTTPException):
                    time.sleep(0.05)
            for n in range(25):
                body = f"Burst {n} from {worker}"
                try:
                    response, _ = visitor.post(
                        server.port,
                        f"/articles/{slug}/comments",
                        {
                            **fields,
                            "name": "B",
                            "email": f"b{worker}@example.com",
                            "body": body,
                        },
                    )
                except (OSError, http.client.HTTPException):
                    with lock:
                        failed += 1
                    continue
                started.set()
                with lock:
                    if response.status in (200, 201, 302, 303):
                        acknowledged.append(body)
                    else:
                        failed += 1

        threads = [threading.Thread(target=commenter, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        assert started.wait(30)
        time.sleep(0.2)
        victim = worker_pids(server.pid)[0]
        os.kill(victim, signal.SIGKILL)
        for thread in threads:
            thread.join(timeout=120)

        with app.app_context():
            stored = set(db.session.scalars(sa.select(Comment.body)))
            if db.engine.dialect.name == "sqlite":
                check = db.session.execute(sa.text("PRAGMA integrity_check")).scalar()
                assert check == "ok"
            orphans = db.session.scalar(
                sa.text(
                    "SELECT count(*) FROM comments c LEFT JOIN articles a"
                    " ON a.id = c.article_id WHERE a.id IS NULL"
                )
            )
            assert orphans == 0
            db.session.remove()
            db.engine.dispose()
        assert set(acknowledged) <= stored, "an acknowledged comment was lost"
        assert len(acknowledged) + failed == 200
        # The master replaced the worker and the site goes on serving.
        response, _ = Browser().get(server.port, f"/articles/{slug}")
        assert response.status == 200
        assert victim not in worker_pids(server.pid)


class TcpProxy:
    """A TCP relay to the database that the test can cut and restore, like an outage."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self) -> None:
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            self.listener.close()
            self.listener = None
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def test_readers_get_a_503_while_the_database_is_down_and_service_returns(tmp_path):
    url = sa.engine.make_url(POSTGRES_URL)
    try:
        with socket.create_connection((url.host, url.port or 5432), timeout=1):
            pass
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL does not answer at {url.host}:{url.port}")
        pytest.skip("PostgreSQL is needed for the outage test")
    proxy = TcpProxy((url.host, url.port or 5432))
    proxy.start()
    try:
        with shared_database(tmp_path, POSTGRES_URL) as (database, app, slug):
            proxied = url.set(host="127.0.0.1", port=proxy.port)
            schema_option = database["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
            env = server_env(
                {
                    "SQLALCHEMY_DATABASE_URI": proxied.render_as_string(hide_password=False),
                    "SQLALCHEMY_ENGINE_OPTIONS": {
                        "pool_pre_ping": True,
                        "connect_args": {"connect_timeout": 2, "options": schema_option},
                    },
                },
                CACHE_TYPE="NullCache",
            )
            with gunicorn(env, workers=1) as server:
                reader = Browser()
                assert reader.get(server.port, f"/articles/{slug}")[0].status == 200
                proxy.stop()  # the database goes away
                response, page = reader.get(server.port, f"/articles/{slug}")
                assert response.status == 503
                assert int(response.getheader("Retry-After")) > 0
                assert 'class="site-header"' in page and "Traceback" not in page
                proxy.start()  # and comes back, on the same address
                deadline = time.monotonic() + 20
                status = 0
                while time.monotonic() < deadline and status != 200:
                    status = reader.get(server.port, f"/articles/{slug}")[0].status
                    time.sleep(0.2)
                assert status == 200
    finally:
        proxy.stop()
