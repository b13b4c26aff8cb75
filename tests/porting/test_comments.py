"""The rules every importer's comments follow, without a file: threads, folding, addresses,
retention of IP addresses, and importing again."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from blog.extensions import db
from blog.models import Comment, utcnow
from blog.porting.comments import (
    ImportedComment,
    add_comment_groups,
    add_comments,
    comment_text,
    in_thread_order,
)
from tests.factories import make_article

SOURCE = "wordpress:https://old.example.org"


def imported(number: str, parent: str | None = None, **fields: object) -> ImportedComment:
    values: dict = {
        "source_id": number,
        "parent_source_id": parent,
        "author_name": f"Reader {number}",
        "author_email": f"reader{number}@example.org",
        "author_website": "",
        "body_html": f"Comment {number}",
        "created_at": utcnow() - timedelta(days=2, minutes=-int(number)),
        "status": "approved",
        "ip_address": "203.0.113.7",
        "user_agent": "Mozilla/5.0",
    }
    values.update(fields)
    return ImportedComment(**values)


def add(article_id: int, comments: list[ImportedComment]) -> tuple[int, int]:
    result = add_comments(
        SOURCE, article_id, comments, max_depth=3, ip_kept_after=utcnow() - timedelta(days=30)
    )
    db.session.commit()
    return result


def test_a_thread_deeper_than_the_limit_folds_to_the_deepest_level_in_order(app):
    with app.app_context():
        article = make_article()
        db.session.flush()
        chain = [imported("1")] + [imported(str(n), str(n - 1)) for n in range(2, 6)]
        assert add(article.id, list(reversed(chain))) == (5, 0)
        rows = db.session.scalars(sa.select(Comment).order_by(Comment.created_at)).all()
        assert [c.body for c in rows] == [f"Comment {n}" for n in range(1, 6)]
        assert [c.depth for c in rows] == [1, 2, 3, 3, 3]
        assert [c.parent_id for c in rows] == [None, rows[0].id, rows[1].id, rows[1].id, rows[1].id]


def test_importing_again_adds_nothing_and_brings_back_nothing_deleted(app):
    with app.app_context():
        article = make_article()
        db.session.flush()
        comments = [imported("1"), imported("2", "1")]
        assert add(article.id, comments) == (2, 0)
        db.session.execute(sa.delete(Comment).where(Comment.body == "Comment 2"))
        db.session.commit()
        assert add(article.id, comments + [imported("3", "1")]) == (1, 2)
        bodies = db.session.scalars(sa.select(Comment.body).order_by(Comment.id)).all()
        assert bodies == ["Comment 1", "Comment 3"]
        third = db.session.scalar(sa.select(Comment).where(Comment.body == "Comment 3"))
        assert third.depth == 2


def test_addresses_that_are_not_addresses_are_stored_as_none_and_old_ips_are_not_kept(app):
    with app.app_context():
        article = make_article()
        db.session.flush()
        old = utcnow() - timedelta(days=400)
        add(
            article.id,
            [
                imported("1", author_email="not an address", author_website="javascript:x()"),
                imported("2", created_at=old, author_website="https://reader.example.org/"),
                imported("3", ip_address="999.1.1.1", status="bogus"),
            ],
        )
        rows = db.session.scalars(sa.select(Comment).order_by(Comment.body)).all()
        assert [(c.author_email, c.author_website) for c in rows] == [
            ("", None),
            ("reader2@example.org", "https://reader.example.org/"),
            ("reader3@example.org", None),
        ]
        assert [(c.ip_address, c.user_agent) for c in rows] == [
            ("203.0.113.7", "Mozilla/5.0"),
            (None, None),
            (None, "Mozilla/5.0"),
        ]
        assert rows[2].status == "pending"


def test_comment_html_becomes_plain_text_with_its_links_and_paragraphs():
    text = comment_text(
        '<p>First &amp; <strong>bold</strong></p><p>See <a href="https://e.org/x">this</a>'
        "<br/>line<script>alert(1)</script></p>"
    )
    assert text == "First & bold\n\nSee this (https://e.org/x)\nline"


def test_a_reply_dated_before_its_parent_still_answers_it(app):
    with app.app_context():
        article = make_article()
        db.session.flush()
        early = utcnow() - timedelta(days=3)
        add(article.id, [imported("1"), imported("2", "1", created_at=early)])
        parent, reply = db.session.scalars(sa.select(Comment).order_by(Comment.body)).all()
        assert (reply.parent_id, reply.depth) == (parent.id, 2)


def test_a_reply_never_crosses_to_another_article(app):
    with app.app_context():
        first, second = make_article(), make_article()
        db.session.flush()
        add_comment_groups(
            SOURCE,
            {first.id: [imported("1")], second.id: [imported("2", "1")]},
            max_depth=3,
            ip_kept_after=utcnow(),
        )
        db.session.commit()
        reply = db.session.scalar(sa.select(Comment).where(Comment.body == "Comment 2"))
        assert (reply.article_id, reply.parent_id, reply.depth) == (second.id, None, 1)


def test_thread_order_survives_a_cycle_of_replies():
    a, b = imported("1", "2"), imported("2", "1")
    assert {c.source_id for c in in_thread_order([a, b])} == {"1", "2"}


def test_ids_and_sources_longer_than_their_columns_are_kept_by_digest(app):
    """Real exports never have them, but no file may stop an import midway (PostgreSQL refuses
    a value longer than its column)."""
    with app.app_context():
        article = make_article()
        db.session.flush()
        source = "wordpress:https://" + "long" * 100 + ".example.org"
        long_id = "x" * 250
        comments = [imported("1"), imported("2", "1", source_id=long_id)]
        added = add_comments(
            source, article.id, comments, max_depth=3, ip_kept_after=utcnow() - timedelta(days=30)
        )
        db.session.commit()
        assert added == (2, 0)
        assert add_comments(source, article.id, comments, max_depth=3, ip_kept_after=utcnow()) == (
            0,
            2,
        )
        reply = db.session.scalar(sa.select(Comment).where(Comment.body == "Comment 2"))
        assert reply.depth == 2
