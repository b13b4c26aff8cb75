"""Digests: an article's approved new comments, mailed to each follower at most once per
NOTIFY_DIGEST_MINUTES.

Approving a comment notes it for each follower (followers.comment_approved); the outbox's
sending rounds run write_due_digests first (blog.outbox.sender.add_composer), which turns the
notes whose time has come into one email per follower and article. Cheap when there is nothing
to write (one indexed look-up), since every round of every process runs it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from blog.extensions import db
from blog.models import (
    Article,
    Comment,
    CommentStatus,
    FollowUpNotice,
    Subscription,
    SubscriptionKind,
    utcnow,
)
from blog.outbox.queue import enqueue, error_summary, write_transaction
from blog.subscriptions.mail import digest_message

#: Digests written per round at most; the rest wait for the next round.
BATCH = 50


def digests_waiting() -> bool:
    """Whether any comment waits for a digest (whatever its time)."""
    query = sa.select(FollowUpNotice.comment_id).where(FollowUpNotice.mailed_at.is_(None)).limit(1)
    return db.session.scalar(query) is not None


def due_subscriptions(last_digest_before: datetime) -> sa.Select:
    """Article subscriptions with comments waiting whose last digest is old enough, locked
    (PostgreSQL: skipping those another process is writing)."""
    waiting = (
        sa.select(FollowUpNotice.comment_id)
        .where(
            FollowUpNotice.subscriber_id == Subscription.subscriber_id,
            FollowUpNotice.article_id == Subscription.article_id,
            FollowUpNotice.mailed_at.is_(None),
        )
        .exists()
    )
    return (
        sa.select(Subscription)
        .where(
            Subscription.kind == SubscriptionKind.ARTICLE,
            sa.or_(
                Subscription.last_digest_at.is_(None),
                Subscription.last_digest_at <= last_digest_before,
            ),
            waiting,
        )
        .order_by(Subscription.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )


def compose_digests() -> None:
    """The outbox's composer: write the digests due, and never stop the round that runs it (a
    digest that cannot be written now is tried again next round; the rest of the mail goes)."""
    try:
        write_due_digests()
    # Anything at all: the round's other mail must go out whatever went wrong here.
    except Exception as error:
        db.session.rollback()
        current_app.logger.warning(
            "digests not written (%s); tried again next round", error_summary(error)
        )


def write_due_digests() -> int:
    """Put the digests whose time has come in the outbox, and commit; returns how many.

    A comment no longer approved by now is left out (and forgotten: approved again, it is
    noted again); a subscriber unconfirmed meanwhile has none of it.
    """
    if not digests_waiting():
        db.session.rollback()  # end the read transaction: a round's claims begin their own
        return 0
    now = utcnow()
    interval = timedelta(minutes=current_app.config["NOTIFY_DIGEST_MINUTES"])
    written = 0
    with write_transaction():
        for subscription in db.session.scalars(due_subscriptions(now - interval)).all():
            notes = FollowUpNotice.__table__.c
            waiting = sa.and_(
                notes.subscriber_id == subscription.subscriber_id,
                notes.article_id == subscription.article_id,
                notes.mailed_at.is_(None),
            )
            ids = list(db.session.scalars(sa.select(notes.comment_id).where(waiting)))
            comments = list(
                db.session.scalars(
                    sa.select(Comment)
                    .where(Comment.id.in_(ids), Comment.status == CommentStatus.APPROVED)
                    .order_by(Comment.created_at, Comment.id)
                )
            )
            gone = set(ids) - {comment.id for comment in comments}
            if gone:
                forgotten = sa.delete(FollowUpNotice).where(waiting, notes.comment_id.in_(gone))
                db.session.execute(forgotten)
            # Only the notes read above: one written since (a comment approved meanwhile, on
            # PostgreSQL) waits for the next digest rather than being marked and never mailed.
            mailed = sa.update(FollowUpNotice).where(waiting, notes.comment_id.in_(ids))
            db.session.execute(mailed.values(mailed_at=now))
            subscriber = subscription.subscriber
            article = db.session.get(Article, subscription.article_id)
            if not comments or subscriber.confirmed_at is None or not article.is_visible:
                continue
            subscription.last_digest_at = now
            message = digest_message(subscriber, article, comments)
            enqueue(message, [subscriber.email], kind="digest")
            written += 1
    return written
