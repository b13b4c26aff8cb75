"""Several app servers, one database, Redis for limits and the page cache: as in production."""

from __future__ import annotations

import threading
from collections import Counter

import sqlalchemy as sa

from blog.extensions import db
from blog.models import Comment
from tests.deploy.servers import (
    REDIS_URL,
    Browser,
    gunicorn,
    redis_limits,
    require_redis,
    server_env,
    shared_database,
)
from tests.factories import STAFF_PASSWORD


def test_two_servers_share_the_database_the_cache_and_the_limits(tmp_path):
    require_redis()
    import uuid

    with shared_database(tmp_path) as (database, app, slug):
        env = server_env(
            database,
            CACHE_REDIS_URL=REDIS_URL,
            CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex}:",
            **redis_limits(),
            RATELIMIT_ENABLED="false",
        )
        with gunicorn(env) as a, gunicorn(env) as b:
            reader, editor = Browser(), Browser()
            # A reader on A posts; the page is cached on A for everyone else.
            fields = reader.form(a.port, f"/articles/{slug}")
            response, _ = reader.post(
                a.port,
                f"/articles/{slug}/comments",
                {**fields, "name": "Ada", "email": "ada@example.com", "body": "Posted on A."},
            )
            assert response.status == 303
            anonymous = Browser()
            assert "Posted on A." not in anonymous.get(a.port, f"/articles/{slug}")[1]

            # An editor on B approves it...
            token = editor.form(b.port, "/login")["csrf_token"]
            response, _ = editor.post(
                b.port,
                "/login",
                {"csrf_token": token, "username": "editor", "password": STAFF_PASSWORD},
            )
            assert response.status == 302
            with app.app_context():
                comment_id = db.session.scalar(sa.select(Comment.id))
            token = editor.form(b.port, "/admin/password")["csrf_token"]
            response, _ = editor.post(
                b.port, f"/admin/comments/{comment_id}/approve", {"csrf_token": token}
            )
            assert response.status == 303

            # ...and A shows it at once: the cache version lives in Redis.
            assert "Posted on A." in anonymous.get(a.port, f"/articles/{slug}")[1]
            # A session made on A works on B (signed cookies, one secret).
            assert editor.get(a.port, "/admin/")[0].status == 200

            # 400 comments across both servers at once: all stored, no 5xx.
            statuses: Counter = Counter()
            lock = threading.Lock()

            def commenter(worker: int) -> None:
                visitor = Browser()
                port = (a.port, b.port)[worker % 2]
                fields = visitor.form(port, f"/articles/{slug}")
                for n in range(25):
                    response, _ = visitor.post(
                        port,
                        f"/articles/{slug}/comments",
                        {
                            **fields,
                            "name": f"R{worker}",
                            "email": f"r{worker}@example.com",
                            "body": f"Comment {n} of {worker}",
                        },
                    )
                    with lock:
                        statuses[response.status] += 1

            workers = [threading.Thread(target=commenter, args=(w,)) for w in range(16)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(timeout=120)
            assert statuses == Counter({303: 400})
            with app.app_context():
                assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 401
                db.session.remove()
                db.engine.dispose()
