"""Comments naming one inbox at the same moment: one subscriber, one confirmation, no error
(SQLite: writers queue; PostgreSQL: the subscriber's row is locked, a new one inserted once)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from blog.admin.actions import ACTIONS, moderate
from blog.comments.submission import CommentInput, submit_comment
from blog.extensions import db
from blog.models import Article, OutboxMessage, Subscriber, utcnow
from blog.subscriptions.digests import write_due_digests
from blog.subscriptions.followers import confirm, follow
from tests.factories import make_article, make_comment, make_staff

THREADS = 8


def post_at_once(app, slug: str, emails: list[str]) -> list[BaseException]:
    """Each thread posts one comment naming its address with both boxes ticked, all released at
    the same moment; returns the errors they met."""
    start = threading.Barrier(len(emails))
    errors: list[BaseException] = []

    def commenter(n: int, email: str) -> None:
        with app.app_context():
            try:
                article = db.session.scalar(sa.select(Article).where(Article.slug == slug))
                data = CommentInput(
                    name=f"Reader {n}",
                    email=email,
                    body=f"Comment {n} at once.",
                    notify_replies=True,
                    notify_article=True,
                    ip_address=f"198.51.100.{n + 1}",
                )
                start.wait(timeout=10)
                submit_comment(article, data, app.config)
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=commenter, args=(n, e)) for n, e in enumerate(emails)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.parametrize("known", [False, True], ids=["new inbox", "known, unconfirmed"])
def test_comments_naming_one_inbox_at_once_write_one_confirmation(app, known):
    with app.app_context():
        slug = make_article().slug
        if known:
            db.session.add(
                Subscriber(
                    email="ada@example.com",
                    mailbox="ada@example.com",
                    confirmation_sent_at=utcnow() - timedelta(days=2),
                )
            )
        db.session.commit()
    spellings = ["ada@example.com", "Ada@example.com", "ada+x@example.com", "ADA@example.com"]
    errors = post_at_once(app, slug, [spellings[n % 4] for n in range(THREADS)])
    assert errors == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscriber)) == 1
        kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
        assert kinds.count("confirmation") == 1
        db.session.remove()


def test_two_senders_composing_at_once_write_each_digest_once(app):
    """Every process's sending rounds run the composer: two at the same moment (PostgreSQL: the
    subscription rows are locked, SKIP LOCKED) must not both write a follower's digest."""
    with app.app_context():
        staff = make_staff()
        for n in range(THREADS):
            article = make_article()
            mine = make_comment(article, author_email="ada@example.com")
            db.session.flush()
            follow(mine, replies=False, article=True, client=None, config=app.config)
            confirm(db.session.scalar(sa.select(Subscriber)))
            other = make_comment(article, status="pending", author_email=f"r{n}@example.com")
            db.session.flush()
            moderate(other, ACTIONS["approve"], staff)
        db.session.commit()
    start = threading.Barrier(2)
    written: list[int] = []

    def sender() -> None:
        with app.app_context():
            start.wait(timeout=10)
            written.append(write_due_digests())
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(written) == THREADS
    with app.app_context():
        kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
        assert kinds.count("digest") == THREADS
        db.session.remove()
