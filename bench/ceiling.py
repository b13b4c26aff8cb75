"""The ceiling: bare Flask under the same gunicorn settings, and a bare comment insert.

GET / returns the bytes of a real article page from memory (BENCH_PAGE_FILE), which is the
most any Flask app can do on this machine. POST /insert writes one comment row with no checks,
through the same engine settings as the blog, which is the floor cost of storing a comment.
"""

from __future__ import annotations

import os
from itertools import count
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, Response

from blog.database import BEGIN_IMMEDIATE, configure_engine
from blog.models import Comment, utcnow

app = Flask(__name__)
PAGE = Path(os.environ["BENCH_PAGE_FILE"]).read_bytes()
ARTICLE_ID = int(os.environ["BENCH_ARTICLE_ID"])
engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"], pool_pre_ping=True)
configure_engine(engine)
_numbers = count()


@app.get("/")
def page() -> Response:
    return Response(PAGE, mimetype="text/html")


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
