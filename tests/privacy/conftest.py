"""Rows for the readers' data tests: Ada's comments (one answered by Bo), her follow-ups and
mail, a ban of her address, and Bo's own comment that nothing must touch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from blog.extensions import db
from blog.models import (
    Ban,
    CommentRevision,
    OutboxMessage,
    Subscriber,
    Subscription,
    utcnow,
)
from blog.outbox.messages import compose
from blog.outbox.pickup import pickup_dir, write_message
from blog.outbox.queue import enqueue
from blog.subscriptions.followers import mailbox_of
from tests.factories import make_article, make_comment

ADA = "ada.lovelace@example.com"
#: How she typed it on one comment and when she asked for follow-ups: her address in other
#: letter case (the same address: every lookup ignores case).
ADA_CAPITALISED = "Ada.Lovelace@example.com"
BO = "bo@example.com"


@dataclass(frozen=True)
class Site:
    slug: str
    article_id: int
    answered_id: int  # Ada's comment with Bo's reply under it
    alone_id: int  # Ada's comment nobody answered
    reply_id: int  # Bo's reply to Ada
    other_id: int  # Bo's comment, nothing to do with Ada


def make_site(app: Flask) -> Site:
    """The rows, committed; Ada's mail both in the outbox and as a file of the pickup folder."""
    with app.app_context():
        article = make_article(title="The harbour ferry")
        old = utcnow() - timedelta(days=2)
        answered = make_comment(
            article,
            author_name="Ada Lovelace",
            author_email=ADA,
            author_website="https://ada.example",
            ip_address="198.51.100.23",
            user_agent="Mozilla/5.0 (Ada's laptop)",
            body="The ferry should stay.",
            created_at=old,
        )
        alone = make_comment(
            article,
            author_name="Ada Lovelace",
            author_email=ADA_CAPITALISED,
            status="pending",
            body="And the timetable?",
        )
        other = make_comment(article, author_name="Bo Writer", author_email=BO, body="Agreed.")
        db.session.flush()
        reply = make_comment(
            article,
            parent=answered,
            depth=2,
            author_name="Bo Writer",
            author_email=BO,
            body="Why?",
        )
        db.session.add(CommentRevision(comment_id=answered.id, body="The ferry must stay!"))
        subscriber = Subscriber(
            email=ADA_CAPITALISED, mailbox=mailbox_of(ADA_CAPITALISED), confirmed_at=utcnow()
        )
        db.session.add(subscriber)
        db.session.flush()
        db.session.add(
            Subscription(subscriber_id=subscriber.id, kind="article", article_id=article.id)
        )
        db.session.add(
            Subscription(
                subscriber_id=subscriber.id,
                kind="replies",
                article_id=article.id,
                comment_id=answered.id,
            )
        )
        db.session.add(Ban(kind="email", value=ADA, reason="Shouting"))
        to_ada = enqueue(compose("A reply", [ADA], "Bo replied."), [ADA], kind="reply")
        enqueue(compose("To Bo", [BO], "Ada replied."), [BO], kind="reply")
        db.session.flush()
        write_message(pickup_dir(app), to_ada.id, "reply", to_ada.message)
        db.session.commit()
        return Site(article.slug, article.id, answered.id, alone.id, reply.id, other.id)


def outbox_recipients(app: Flask) -> list[list[str]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        return [row.recipients for row in rows]
