"""Many commenters at once against a real server: every comment is stored, none errors."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from collections import Counter

import sqlalchemy as sa
from werkzeug.serving import make_server

from blog.extensions import db
from blog.models import Comment
from tests.conftest import build_app, dispose_when_idle, fresh_database
from tests.factories import make_article
from tests.pages import form_values

THREADS = 16
POSTS_EACH = 25


def commenter(port: int, slug: str, worker: int, statuses: Counter, lock: threading.Lock) -> None:
    """One reader: open the article once, then post POSTS_EACH comments."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", f"/articles/{slug}")
    response = conn.getresponse()
    html = response.read().decode()
    assert response.getheader("Set-Cookie") is None  # reading starts no session
    fields = form_values(html)
    for n in range(POSTS_EACH):
        body = urllib.parse.urlencode(
            {
                **fields,
                "name": f"Reader {worker}",
                "email": f"reader{worker}@example.com",
                "body": f"Comment {n} from reader {worker}.",
            }
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        conn.request("POST", f"/articles/{slug}/comments", body=body, headers=headers)
        reply = conn.getresponse()
        reply.read()
        with lock:
            statuses[reply.status] += 1
    conn.close()


def test_400_comments_from_16_threads_are_all_stored(tmp_path):
    with fresh_database(tmp_path) as database:
        app = build_app(database, TESTING=False)
        with app.app_context():
            db.create_all()
            slug = make_article().slug
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        serving = threading.Thread(target=server.serve_forever, daemon=True)
        serving.start()
        statuses: Counter = Counter()
        lock = threading.Lock()
        workers = [
            threading.Thread(target=commenter, args=(server.server_port, slug, w, statuses, lock))
            for w in range(THREADS)
        ]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        elapsed = time.perf_counter() - started
        server.shutdown()
        serving.join(timeout=5)
        with app.app_context():
            stored = db.session.scalar(sa.select(sa.func.count(Comment.id)))
        dispose_when_idle(app)
        dialect = database["SQLALCHEMY_DATABASE_URI"].split(":")[0]
        print(
            f"\nposted {THREADS * POSTS_EACH}, stored {stored}, {dict(statuses)}, "
            f"{elapsed:.1f}s on {dialect}"
        )
        assert statuses == Counter({303: THREADS * POSTS_EACH})
        assert stored == THREADS * POSTS_EACH
