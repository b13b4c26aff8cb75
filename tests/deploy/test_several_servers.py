"""Several app servers, one database, Redis for limits and the page cache: as in production;
and pictures uploaded on one server, served by another."""

from __future__ import annotations

import http.client
import io
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import MultiDict

from blog.extensions import db
from blog.models import Comment, Media, MediaFile
from tests.deploy.servers import (
    REDIS_URL,
    Browser,
    gunicorn,
    redis_limits,
    require_redis,
    server_env,
    shared_database,
)
from tests.factories import STAFF_PASSWORD, make_staff
from tests.media.pictures import multipart

#: The media library's page, where its upload form posts.
LIBRARY = "/admin/media/"


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


#: A staff member of the desk that uploads pictures (the shared database's `editor` moderates).
PICTURE_EDITOR = "picture-desk"


def uploaded_on(port: int, app: Any, colour: str) -> list[str]:
    """An editor logs in on this server with the login form, chooses a picture in the media
    library's form and presses Upload, as a browser sends it (multipart, the page's CSRF
    token, the session cookie); the names of the picture's files, from its row."""
    with app.app_context():
        make_staff(PICTURE_EDITOR, role="editor")
        db.session.commit()
        db.session.remove()
    editor = Browser()
    token = editor.form(port, "/login")["csrf_token"]
    login = {"csrf_token": token, "username": PICTURE_EDITOR, "password": STAFF_PASSWORD}
    response, _ = editor.post(port, "/login", login)
    assert response.status == 302, "the login failed"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 700), colour).save(buffer, "PNG")
    token = editor.form(port, LIBRARY)["csrf_token"]
    chosen = ("picture", (buffer.getvalue(), "harbour.png"))
    form = multipart(MultiDict([("csrf_token", token), chosen]))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        cookie = "; ".join(f"{key}={value}" for key, value in editor.cookies.items())
        headers = {"Cookie": cookie, "Content-Type": form["content_type"]}
        connection.request("POST", LIBRARY, body=form["data"], headers=headers)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 303, response.status
    assert response.getheader("Location", "").endswith(LIBRARY)
    with app.app_context():
        media = db.session.scalar(sa.select(Media).where(Media.original_name == "harbour.png"))
        names, largest = [str(name) for name in media.all_files()], str(media.largest)
        db.session.remove()
        db.engine.dispose()
    assert f'href="/media/{largest}"' in editor.get(port, LIBRARY)[1]  # listed in the library
    return names


def fetch(port: int, path: str) -> tuple[int, bytes, str]:
    """GET path from one server: status, body and Cache-Control."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Cache-Control", "")
    finally:
        connection.close()


@contextmanager
def two_machines(tmp_path: Path, store: str) -> Iterator[tuple[Any, Any, Any]]:
    """Servers A and B on one shared database, each as on a machine of its own (a pictures'
    folder of its own) with MEDIA_STORE = store; yields (the tests' app, A, B)."""
    with shared_database(tmp_path) as (database, app, _):
        a_env = server_env(database, MEDIA_STORE=store, MEDIA_DIR=str(tmp_path / "a"))
        b_env = server_env(database, MEDIA_STORE=store, MEDIA_DIR=str(tmp_path / "b"))
        with gunicorn(a_env) as a, gunicorn(b_env) as b:
            yield app, a, b


def test_a_picture_uploaded_on_one_server_is_served_by_another_from_the_database(tmp_path):
    with two_machines(tmp_path, "database") as (app, a, b):
        names = uploaded_on(a.port, app, "darkorange")
        assert len(names) == 6  # three widths, in PNG and in WebP
        with app.app_context():
            rows = db.session.execute(sa.select(MediaFile.name, MediaFile.content))
            stored = {name: content for name, content in rows}
            db.session.remove()
            db.engine.dispose()
        assert stored.keys() == set(names)
        for name in names:
            status, body, cache_control = fetch(b.port, f"/media/{name}")
            assert (status, body) == (200, stored[name]), name
            assert cache_control == "public, max-age=31536000, immutable"
            assert fetch(a.port, f"/media/{name}")[:2] == (200, body)
        # Neither machine's folder was used.
        assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_with_the_files_store_a_picture_is_on_the_machine_it_was_uploaded_on_only(tmp_path):
    with two_machines(tmp_path, "files") as (app, a, b):
        names = uploaded_on(a.port, app, "seagreen")
        for name in names:
            on_a = (tmp_path / "a" / name).read_bytes()
            assert fetch(a.port, f"/media/{name}")[:2] == (200, on_a)
            # One machine, or a folder every server mounts: B has no copy of its own.
            assert fetch(b.port, f"/media/{name}")[0] == 404
