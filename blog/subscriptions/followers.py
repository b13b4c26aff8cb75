"""The rules of following: ticking a box, confirming, what approving a comment tells whom, and
unsubscribing. Each writes in its caller's transaction (the comment's, the moderation's); the
caller commits. Tested without HTTP in tests/subscriptions/test_followers.py.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from limits import parse_many

from blog.extensions import db, limiter
from blog.models import (
    Article,
    Comment,
    CommentStatus,
    FollowUpNotice,
    ReplyTarget,
    Subscriber,
    Subscription,
    SubscriptionKind,
    utcnow,
)
from blog.outbox.queue import enqueue
from blog.subscriptions.mail import comment_message, confirmation_message


class Followed(enum.StrEnum):
    """What ticking a box led to, for the commenter's flash message."""

    #: Subscribed; a confirmation email is on its way.
    ASKED = "asked"
    #: Subscribed; the address was confirmed before.
    CONFIRMED = "confirmed"
    #: Subscribed, but no confirmation sent now (one went lately, or this client sent many):
    #: the subscriptions wait for the address to be confirmed.
    WAITING = "waiting"


#: Domains whose inboxes ignore dots in the local part, and the one name they share.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox_of(email: str) -> str:
    """The inbox an address reaches, as one key for all its spellings: the case of its local
    part, a +tag (sub-addressing) and, at Gmail, dots change nothing for the person reading it,
    so they must not buy one more confirmation each."""
    local, _, domain = email.casefold().rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def subscriber_for(email: str) -> Subscriber:
    """The subscriber of the inbox a normalized address reaches, locked, added if new (in a
    savepoint: two comments naming a new inbox at once on PostgreSQL both end with one row)."""
    mailbox = mailbox_of(email)
    # Locked (PostgreSQL) until the comment's transaction ends: two comments naming an inbox at
    # once decide on its confirmation one after the other, so only one is written.
    query = sa.select(Subscriber).where(Subscriber.mailbox == mailbox).with_for_update()
    subscriber = db.session.scalar(query)
    if subscriber is not None:
        return subscriber
    try:
        with db.session.begin_nested():
            subscriber = Subscriber(email=email, mailbox=mailbox)
            db.session.add(subscriber)
    except sa.exc.IntegrityError:
        subscriber = db.session.scalars(query).one()
    return subscriber


def _subscribe(
    subscriber: Subscriber, kind: str, article_id: int, comment_id: int | None = None
) -> None:
    """Add the subscription unless the subscriber has it (in a savepoint: the same person
    posting twice at once on PostgreSQL ends with one, and the comments both stored)."""
    same = (
        Subscription.comment_id.is_(None)
        if comment_id is None
        else Subscription.comment_id == comment_id
    )
    exists = sa.select(Subscription.id).where(
        Subscription.subscriber_id == subscriber.id,
        Subscription.kind == kind,
        Subscription.article_id == article_id,
        same,
    )
    if db.session.scalar(exists) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(
                Subscription(
                    subscriber_id=subscriber.id,
                    kind=kind,
                    article_id=article_id,
                    comment_id=comment_id,
                )
            )
    except sa.exc.IntegrityError:
        pass  # a concurrent comment added it: one is enough


def client_of(address: str) -> str:
    """Who is counted for a client address: an IPv4 address alone (a /24 may be a whole
    office behind one NAT), an IPv6 address by its /64 (one household or machine gets a whole
    /64, and could otherwise take a new address for each confirmation)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def confirmation_allowed(client: str | None) -> bool:
    """Whether this client may cause one more confirmation email (NOTIFY_CONFIRMATION_RATE_LIMIT,
    counted per client in the rate limiter's storage); counts it when it may."""
    if not limiter.enabled or client is None:
        return True
    client = client_of(client)
    limits = parse_many(current_app.config["NOTIFY_CONFIRMATION_RATE_LIMIT"])
    strategy = limiter.limiter
    if not all(strategy.test(item, "confirmation", client) for item in limits):
        return False
    for item in limits:
        strategy.hit(item, "confirmation", client)
    return True


def follow(
    comment: Comment,
    *,
    replies: bool,
    article: bool,
    client: str | None,
    config: Mapping[str, Any],
) -> Followed | None:
    """Record what the commenter ticked, in the comment's transaction (after its flush), and
    put a confirmation in the outbox when the address needs one and may have one now.

    None when nothing was ticked, or the comment is spam: a bot's post subscribes nobody and
    mails nobody.
    """
    if not (replies or article) or comment.status == CommentStatus.SPAM:
        return None
    subscriber = subscriber_for(comment.author_email)
    if comment.status == CommentStatus.PENDING:
        _subscribe(subscriber, SubscriptionKind.APPROVAL, comment.article_id, comment.id)
    if replies:
        _subscribe(subscriber, SubscriptionKind.REPLIES, comment.article_id, comment.id)
    if article:
        _subscribe(subscriber, SubscriptionKind.ARTICLE, comment.article_id)
    if subscriber.confirmed_at is not None:
        return Followed.CONFIRMED
    now = utcnow()
    every = timedelta(hours=config["NOTIFY_CONFIRMATION_HOURS"])
    sent = subscriber.confirmation_sent_at
    if (sent is not None and now - sent < every) or not confirmation_allowed(client):
        return Followed.WAITING
    subscriber.confirmation_sent_at = now
    db.session.flush()  # the subscriber's id, for the signed link
    enqueue(
        confirmation_message(subscriber, comment.article), [subscriber.email], kind="confirmation"
    )
    return Followed.ASKED


def confirm(subscriber: Subscriber) -> bool:
    """The address's owner pressed the button: its subscriptions take effect. False when it
    was confirmed already. The caller commits."""
    if subscriber.confirmed_at is not None:
        return False
    subscriber.confirmed_at = utcnow()
    return True


def _of_kind(kind: str) -> sa.Select:
    """Subscriptions of this kind, with their subscriber."""
    return (
        sa.select(Subscription, Subscriber)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(Subscription.kind == kind)
    )


def _active(kind: str) -> sa.Select:
    """Subscriptions of this kind whose address is confirmed, with their subscriber."""
    return _of_kind(kind).where(Subscriber.confirmed_at.isnot(None))


def answering(reply: Comment, target_id: int | None) -> None:
    """Note that reply answers target_id where the thread placed it under another comment (at
    the deepest level it sits beside its target): the target's author is the one to hear of it.
    Called as the reply is written, before comment_approved."""
    if target_id is not None and target_id != reply.parent_id:
        db.session.add(ReplyTarget(comment_id=reply.id, target_id=target_id))


def answered_id(comment: Comment) -> int | None:
    """The comment a reply answers: its target (see answering), else its parent."""
    target = db.session.get(ReplyTarget, comment.id) if comment.parent_id is not None else None
    return target.target_id if target is not None else comment.parent_id


def comment_approved(comment: Comment, before: str | None) -> None:
    """Write the follow-ups of a comment that has just become approved (before: its status
    until now; None for one approved as it was written), in that change's transaction.

    Its author hears it is published if they ticked a box on it while it was held; the author
    of the comment it replies to hears of the reply; an article's followers have it added to
    their next digest. Only confirmed addresses; never its own author about their own comment;
    each address hears of a comment once, whichever way, however often it is approved.
    """
    if comment.status != CommentStatus.APPROVED or before == CommentStatus.APPROVED:
        return
    article = comment.article
    if not article.is_visible:
        return
    db.session.flush()  # the comment's id (a new one), and its status for the queries below
    told = set(
        db.session.scalars(
            sa.select(FollowUpNotice.subscriber_id).where(FollowUpNotice.comment_id == comment.id)
        )
    )
    author = mailbox_of(comment.author_email)  # whatever spelling they wrote it in

    def tell(subscriber: Subscriber, kind: str) -> None:
        """Note the comment for the subscriber (once), and mail it now unless for a digest."""
        if subscriber.id in told:
            return
        told.add(subscriber.id)
        db.session.add(
            FollowUpNotice(
                subscriber_id=subscriber.id,
                comment_id=comment.id,
                article_id=comment.article_id,
                kind=kind,
                mailed_at=None if kind == "digest" else utcnow(),
            )
        )
        if kind != "digest":
            enqueue(comment_message(subscriber, comment, kind), [subscriber.email], kind=kind)

    approvals = _of_kind(SubscriptionKind.APPROVAL).where(Subscription.comment_id == comment.id)
    for subscription, subscriber in db.session.execute(approvals).all():
        # Used up, confirmed or not: a comment is approved once as far as its author goes.
        db.session.delete(subscription)
        if subscriber.confirmed_at is not None:
            tell(subscriber, "approved")
    if (answered := answered_id(comment)) is not None:
        repliers = _active(SubscriptionKind.REPLIES).where(
            Subscription.comment_id == answered, Subscriber.mailbox != author
        )
        for _subscription, subscriber in db.session.execute(repliers).all():
            tell(subscriber, "reply")
    followers = _active(SubscriptionKind.ARTICLE).where(
        Subscription.article_id == comment.article_id, Subscriber.mailbox != author
    )
    for _subscription, subscriber in db.session.execute(followers).all():
        tell(subscriber, "digest")


def unsubscribe_all(subscriber: Subscriber) -> int:
    """End every subscription of the address and make it unconfirmed again (a box ticked later
    asks for a new confirmation); what was waiting for a digest is dropped. Returns how many
    subscriptions ended. The caller commits."""
    ended = db.session.execute(
        sa.delete(Subscription).where(Subscription.subscriber_id == subscriber.id)
    ).rowcount
    db.session.execute(
        sa.delete(FollowUpNotice).where(
            FollowUpNotice.subscriber_id == subscriber.id, FollowUpNotice.mailed_at.is_(None)
        )
    )
    subscriber.confirmed_at = None
    db.session.expire(subscriber, ["subscriptions"])
    return ended


def unsubscribe_one(subscription: Subscription) -> None:
    """End one subscription (and, for an article, drop what waited for its digest)."""
    if subscription.kind == SubscriptionKind.ARTICLE:
        db.session.execute(
            sa.delete(FollowUpNotice).where(
                FollowUpNotice.subscriber_id == subscription.subscriber_id,
                FollowUpNotice.article_id == subscription.article_id,
                FollowUpNotice.mailed_at.is_(None),
            )
        )
    db.session.delete(subscription)


def subscriptions_of(subscriber: Subscriber) -> list[Subscription]:
    """The address's subscriptions, for its page: articles first, newest first, each with its
    article loaded."""
    return list(
        db.session.scalars(
            sa.select(Subscription)
            .where(Subscription.subscriber_id == subscriber.id)
            .join(Article, Article.id == Subscription.article_id)
            .options(sa.orm.contains_eager(Subscription.article))
            .order_by(Subscription.kind, Subscription.created_at.desc(), Subscription.id.desc())
        )
    )
