"""The ceiling: bare Flask under the same gunicorn settings, and a bare comment insert.

GET /page/<key> sends back, from memory, the exact answer the blog gave for one row (body,
Content-Type, Content-Encoding and its other headers; see bench/capture.py), kept as files in
BENCH_CAPTURE_DIR by the bench before that row is measured: the most any Flask app can do on
this machine for the same bytes. POST /insert writes one comment row with no checks, through the
same engine settings as the blog, which is the floor cost of storing a comment.
"""

from __future__ import annotations

import json
import os
import re
from itertools import count
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, Response, abort

from blog.database import BEGIN_IMMEDIATE, configure_engine
from blog.models import Comment, utcnow

app = Flask(__name__)
CAPTURES = Path(os.environ["BENCH_CAPTURE_DIR"])
ARTICLE_ID = int(os.environ["BENCH_ARTICLE_ID"])
engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"], pool_pre_ping=True)
configure_engine(engine)
_numbers = count()
#: Answers read from CAPTURES, by key, kept in this worker once read.
_pages: dict[str, tuple[bytes, int, list[tuple[str, str]]]] = {}


@app.get("/")
def ready() -> Response:
    return Response(b"ceiling", mimetype="text/plain")


@app.get("/page/<key>")
def page(key: str) -> Response:
    kept = _pages.get(key)
    if kept is None:
        if not re.fullmatch(r"[a-z0-9-]+", key) or not (CAPTURES / f"{key}.body").exists():
            abort(404)
        head = json.loads((CAPTURES / f"{key}.json").read_text())
        body = (CAPTURES / f"{key}.body").read_bytes()
        kept = _pages[key] = (body, head["status"], [tuple(h) for h in head["headers"]])
    body, status, headers = kept
    return Response(body, status=status, headers=headers)


@app.post("/insert")
def insert() -> Response:
    with engine.connect().execution_options(**{BEGIN_IMMEDIATE: True}) as conn:
        conn.execute(
            sa.insert(Comment.__table__).values(
                article_id=ARTICLE_ID,
                status="pending",
                depth=1,
                author_name="Bench",
                author_email="bench@example.com",
                body=f"Bare insert {os.getpid()}-{next(_numbers)}",
                body_html="",
                created_at=utcnow(),
            )
        )
        conn.commit()
    return Response(status=303, headers={"Location": "/"})
