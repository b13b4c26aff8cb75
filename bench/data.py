"""The bench database: demo content, articles carrying 10, 50 and 1,000 comments, a staff account.

SQLite by default (a fresh file in the run's work directory); on PostgreSQL, a fresh schema
of its own, dropped when the run ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from blog import create_app
from blog.extensions import db
from blog.models import Article, Comment, utcnow

SECRET = "bench-secret-key-long-enough-for-wsgi-py-0123456789"
STAFF = ("bench-editor", "bench editor passphrase")
#: The body of the comment approved to time when a change shows (bench.measure.visibility).
PROBE_TEXT = "Bench visibility probe: approved by a moderator during the run."


@contextmanager
def bench_database(database_url: str | None, workdir: Path) -> Iterator[tuple[str, dict]]:
    """Yield a database URL and engine options for an empty database, cleaned up afterwards."""
    if not database_url:
        yield f"sqlite:///{workdir / 'bench.sqlite3'}", {}
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield database_url, {"connect_args": {"options": f"-csearch_path={schema}"}}
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def bench_app(url: str, options: dict) -> Flask:
    """The blog on the bench database, in this process, page cache off."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "SECRET_KEY": SECRET,
            "CACHE_TYPE": "NullCache",
        }
    )


def build_database(url: str, options: dict) -> dict:
    """Demo content, three articles with 10/50/1,000 comments, a staff account, a queue, a probe.

    Returns what the rows read: slugs (articles, author, category, tag), the sitemap month, the
    first of the pending comments, the article comments are posted to, the probe comment.
    """
    app = bench_app(url, options)
    runner = app.test_cli_runner()
    with app.app_context():
        db.create_all()
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    result = runner.invoke(
        args=["create-admin", STAFF[0], "--password-stdin", "--display-name", "Bench Desk"],
        input=STAFF[1] + "\n",
    )
    assert result.exit_code == 0, result.output
    info = {"articles": {}}
    with app.app_context():
        articles = db.session.scalars(
            sa.select(Article).order_by(Article.published_at.desc()).limit(6)
        ).all()
        for article, size in zip(articles, (10, 50, 1000), strict=False):
            add_comments(article.id, size, "approved", threaded=True)
            info["articles"][size] = article.slug
        queue_article = articles[3]
        first = add_comments(queue_article.id, 60000, "pending", threaded=False)
        info["first_pending_id"] = first - 1
        info["post_slug"] = articles[4].slug
        info["post_article_id"] = articles[4].id
        info["author_slug"] = articles[0].author.slug
        # What the reader rows and the journey read besides the 50-comment article: its
        # author, category, a tag and its month's sitemap; the journey's second article.
        read = articles[1]
        info["read_author_slug"] = read.author.slug
        info["category_slug"] = read.category.slug
        info["tag_slug"] = read.tags[0].slug
        info["month"] = f"{read.published_at:%Y-%m}"
        info["second_slug"] = articles[0].slug
        # One pending comment on an article no row reads, approved once through the moderation
        # form to time how soon readers behind the HTTP cache see it.
        probe = articles[5]
        db.session.add(
            Comment(
                article_id=probe.id,
                depth=1,
                status="pending",
                author_name="Probe Reader",
                author_email="probe@example.com",
                body=PROBE_TEXT,
                created_at=utcnow(),
            )
        )
        db.session.commit()
        info["probe_slug"] = probe.slug
        info["probe_article_id"] = probe.id
        info["probe_comment_id"] = db.session.scalar(
            sa.select(Comment.id).where(Comment.body == PROBE_TEXT)
        )
        db.session.remove()
        db.engine.dispose()
    return info


def add_comments(article_id: int, count: int, status: str, threaded: bool) -> int:
    """Insert comments in bulk; returns the first new id.

    Threaded, they come in runs of six: four top-level comments, a reply to the third and a
    reply to that reply. So a third are replies, two levels deep, and every thread is small, as
    on a news site, where most comments start a thread of their own.
    """
    ids: list[int] = []
    depths: list[int] = []
    now = utcnow()
    for n in range(count):
        parent = n - 1 if threaded and n % 6 in (3, 4) else None
        depth = depths[parent] + 1 if parent is not None else 1
        body = f"Comment {n}: a few words, and a link to https://example.org/{n}."
        comment = Comment(
            article_id=article_id,
            parent_id=ids[parent] if parent is not None else None,
            depth=depth,
            status=status,
            author_name=f"Reader {n % 97}",
            author_email=f"reader{n % 97}@example.com",
            body=body,
            created_at=now,
        )
        db.session.add(comment)
        if threaded or n % 5000 == 0:
            db.session.flush()
        if threaded:
            ids.append(comment.id)
            depths.append(depth)
    db.session.commit()
    return db.session.scalar(
        sa.select(sa.func.min(Comment.id)).where(
            Comment.article_id == article_id, Comment.status == status
        )
    )


def count_bench_comments(url: str, options: dict) -> int:
    """How many comments posted through the blog by post.lua are stored."""
    engine = sa.create_engine(url, **options)
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT count(*) FROM comments WHERE body LIKE 'Bench comment %'")
        ).scalar()
    engine.dispose()
    return stored
