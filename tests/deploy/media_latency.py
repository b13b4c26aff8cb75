"""How long a picture's file takes to serve, by where it is kept and what is in front: a 200 KB
file from PostgreSQL (MEDIA_STORE = "database") or from the folder ("files"), through gunicorn
alone or behind deploy/nginx.conf (its cache, or its disk). A measurement, not a test:

    .venv/bin/python -m tests.deploy.media_latency [--database-url URL] [--requests 300]

It prints, per way of serving, the median and 90th/99th percentile of one client's requests in a
row (one kept-alive connection), and the requests per second of 8 clients at once.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from blog.extensions import db
from blog.media.store import DatabaseStore, FileStore
from deploy import nginx
from tests.conftest import build_app, fresh_database
from tests.deploy.servers import gunicorn, server_env

#: A name of ours (blog.media.names) for the measured file.
NAME = "0123456789abcdef0123-1600x1000-1600.jpg"
SIZE = 200 * 1024


def latencies(port: int, path: str, count: int) -> list[float]:
    """Seconds per GET of path, `count` in a row on one kept-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    found = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            found.append(time.perf_counter() - started)
            assert response.status == 200 and len(body) == SIZE, response.status
    finally:
        connection.close()
    return found


def throughput(port: int, path: str, clients: int = 8, seconds: float = 3.0) -> float:
    """Requests per second `clients` at once get through in `seconds`."""
    done = [0] * clients
    until = time.monotonic() + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while time.monotonic() < until:
                connection.request("GET", path)
                connection.getresponse().read()
                done[index] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def report(label: str, port: int, count: int) -> None:
    """Print one line of figures for the server at port."""
    path = f"/media/{NAME}"
    latencies(port, path, 20)  # warm: connections, the cache's copy
    found = sorted(latencies(port, path, count))
    median = statistics.median(found) * 1000
    p90 = found[int(len(found) * 0.9)] * 1000
    p99 = found[int(len(found) * 0.99)] * 1000
    rate = throughput(port, path)
    print(
        f"{label:48} median {median:6.2f} ms  p90 {p90:6.2f} ms  p99 {p99:6.2f} ms  "
        f"8 clients {rate:7.0f} req/s",
        flush=True,
    )


@contextmanager
def servers(database_url: str, folder: Path) -> Iterator[tuple[int, int, int, int]]:
    """gunicorn on the database store and on the files store, each with nginx in front; yields
    (database gunicorn, its nginx, files gunicorn, its nginx) ports."""
    content = os.urandom(SIZE)
    with ExitStack() as stack:
        database = stack.enter_context(fresh_database(folder, database_url))
        app = build_app(database, MEDIA_STORE="database")
        with app.app_context():
            db.create_all()
            DatabaseStore().put(NAME, content)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        FileStore(folder / "media").put(NAME, content)
        settings = {"RATELIMIT_ENABLED": "false", "PROXY_HOPS": "1"}
        in_database = stack.enter_context(
            gunicorn(server_env(database, MEDIA_STORE="database", **settings), workers=2)
        )
        in_files = stack.enter_context(
            gunicorn(
                server_env(
                    database, MEDIA_STORE="files", MEDIA_DIR=str(folder / "media"), **settings
                ),
                workers=2,
            )
        )
        (folder / "empty").mkdir()
        cached = stack.enter_context(
            nginx.in_front_of([f"127.0.0.1:{in_database.port}"], media_root=folder / "empty")
        )
        from_disk = stack.enter_context(
            nginx.in_front_of([f"127.0.0.1:{in_files.port}"], media_root=folder / "media")
        )
        yield in_database.port, cached.port, in_files.port, from_disk.port


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--requests", type=int, default=300)
    arguments = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        servers(arguments.database_url, Path(folder)) as ports,
    ):
        in_database, cached, in_files, from_disk = ports
        load = os.getloadavg()[0]
        print(f"A {SIZE // 1024} KB file, {arguments.requests} requests in a row; load {load:.1f}")
        report("gunicorn, database store (PostgreSQL)", in_database, arguments.requests)
        report("nginx's cache in front of it (a HIT)", cached, arguments.requests)
        report("gunicorn, files store", in_files, arguments.requests)
        report("nginx from the folder (files store)", from_disk, arguments.requests)


if __name__ == "__main__":
    main()
