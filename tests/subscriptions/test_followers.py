"""The rules of following, without HTTP: what ticking a box writes, who hears of an approved
comment, digests, unsubscribing. The outbox's rows are read as the sender would send them."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest
import sqlalchemy as sa

from blog.admin.actions import ACTIONS, moderate, staff_reply
from blog.comments.submission import CommentInput, submit_comment
from blog.extensions import db
from blog.models import (
    CommentStatus,
    FollowUpNotice,
    OutboxMessage,
    Subscriber,
    Subscription,
    utcnow,
)
from blog.subscriptions.digests import write_due_digests
from blog.subscriptions.followers import (
    Followed,
    client_of,
    confirm,
    follow,
    mailbox_of,
    unsubscribe_all,
)
from tests.conftest import build_app, fresh_database
from tests.factories import make_article, make_comment, make_staff

ADA = "ada@example.com"
BEN = "ben@example.com"


def outbox(kind: str | None = None) -> list:
    """(recipients, parsed message) of the outbox's rows, oldest first (of one kind)."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return [
        (row.recipients, message_from_bytes(row.message, policy=default))
        for row in db.session.scalars(query)
    ]


def post(app, article, email=ADA, *, replies=False, follow_article=False, **fields):
    data = CommentInput(
        name=fields.pop("name", "Ada"),
        email=email,
        body=fields.pop("body", f"A comment {utcnow().isoformat()}"),
        notify_replies=replies,
        notify_article=follow_article,
        ip_address=fields.pop("ip_address", "192.0.2.1"),
        **fields,
    )
    return submit_comment(article, data, app.config)


def confirmed(email: str) -> Subscriber:
    subscriber = db.session.scalar(sa.select(Subscriber).where(Subscriber.email == email))
    confirm(subscriber)
    db.session.commit()
    return subscriber


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def test_ticking_a_box_writes_one_confirmation_with_the_unsubscribe_headers(ctx):
    article = make_article(title="Ferry fares")
    db.session.commit()
    post(ctx, article, replies=True)
    [(recipients, message)] = outbox()
    assert recipients == [ADA]
    assert message["To"] == ADA
    assert "confirm" in message["Subject"].lower()
    assert "/notifications/confirm/" in message.get_content()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = (part.strip() for part in message["List-Unsubscribe"].split(","))
    assert https.startswith("<http://localhost/notifications/") and https.endswith(">")
    assert mailto == "<mailto:blog@localhost?subject=unsubscribe>"
    assert ADA not in https  # the link names the subscriber by a signed id, not the address
    assert db.session.scalar(sa.select(OutboxMessage.kind)) == "confirmation"


def test_nothing_ticked_or_spam_subscribes_nobody_and_mails_nobody(ctx):
    article = make_article()
    db.session.commit()
    post(ctx, article)
    post(ctx, article, replies=True, spam_signals=("honeypot filled",))
    assert outbox() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


def test_an_unconfirmed_address_gets_one_confirmation_however_many_comments_name_it(ctx):
    article, other = make_article(), make_article()
    db.session.commit()
    for n, where in enumerate([article, other, article, other, article]):
        post(ctx, where, replies=True, follow_article=True, ip_address=f"198.51.100.{n}")
    assert [recipients for recipients, _ in outbox()] == [[ADA]]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscriber)) == 1


def test_the_confirmation_may_come_again_a_day_later_not_before(ctx):
    article = make_article()
    db.session.commit()
    post(ctx, article, replies=True)
    subscriber = db.session.scalar(sa.select(Subscriber))
    subscriber.confirmation_sent_at = utcnow() - timedelta(hours=23)
    db.session.commit()
    post(ctx, article, replies=True)
    assert len(outbox()) == 1
    subscriber.confirmation_sent_at = utcnow() - timedelta(hours=24, minutes=1)
    db.session.commit()
    post(ctx, article, replies=True)
    assert len(outbox("confirmation")) == 2


def test_one_client_causes_only_so_many_confirmations(tmp_path):
    with fresh_database(tmp_path) as database:
        app = build_app(
            database, RATELIMIT_ENABLED=True, NOTIFY_CONFIRMATION_RATE_LIMIT="2 per hour"
        )
        with app.app_context():
            db.create_all()
            try:
                count_confirmations_of_one_client(app)
            finally:
                db.session.remove()
                db.engine.dispose()


def count_confirmations_of_one_client(ctx):
    article = make_article()
    db.session.commit()
    for n in range(4):
        post(ctx, article, f"victim{n}@example.com", replies=True, ip_address="203.0.113.9")
    post(ctx, article, "someone@example.com", replies=True, ip_address="203.0.113.10")
    # An IPv6 client is its /64: a new address in it for each comment buys nothing.
    for n in range(3):
        post(ctx, article, f"v6-{n}@example.com", replies=True, ip_address=f"2001:db8:1:2::{n + 1}")
    assert [r for r, _ in outbox()] == [
        ["victim0@example.com"],
        ["victim1@example.com"],
        ["someone@example.com"],
        ["v6-0@example.com"],
        ["v6-1@example.com"],
    ]


@pytest.mark.parametrize(
    ("address", "client"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:1:2:3", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("not an address", "not an address"),
    ],
)
def test_a_client_is_an_ipv4_address_or_an_ipv6_64(address, client):
    assert client_of(address) == client


def test_follow_reports_what_happened(ctx):
    article = make_article()
    db.session.commit()
    first = make_comment(article, status=CommentStatus.PENDING, author_email=ADA)
    db.session.flush()
    kwargs = {"client": None, "config": ctx.config}
    assert follow(first, replies=True, article=False, **kwargs) == Followed.ASKED
    assert follow(first, replies=False, article=True, **kwargs) == Followed.WAITING
    confirm(db.session.scalar(sa.select(Subscriber)))
    assert follow(first, replies=True, article=False, **kwargs) == Followed.CONFIRMED
    assert follow(first, replies=False, article=False, **kwargs) is None


def test_a_confirmed_commenter_hears_their_held_comment_is_approved_once(ctx):
    article = make_article(title="Night library")
    staff = make_staff()
    db.session.commit()
    comment = post(ctx, article, replies=True, body="Open later on Fridays, please.")
    assert comment.status == CommentStatus.PENDING
    confirmed(ADA)
    assert outbox("approved") == []  # nothing before the approval
    moderate(comment, ACTIONS["approve"], staff)
    db.session.commit()
    [(recipients, message)] = outbox("approved")
    assert recipients == [ADA]
    assert "is published" in message["Subject"]
    assert "Open later on Fridays, please." in message.get_content()
    assert f"/comments/{comment.id}" in message.get_content()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for action in ("unapprove", "approve"):
        moderate(comment, ACTIONS[action], staff)
    db.session.commit()
    assert len(outbox("approved")) == 1


def test_an_unconfirmed_commenter_hears_nothing_of_the_approval(ctx):
    article = make_article()
    staff = make_staff()
    db.session.commit()
    comment = post(ctx, article, replies=True)
    moderate(comment, ACTIONS["approve"], staff)
    db.session.commit()
    assert [m["Subject"] for _, m in outbox()] == [outbox("confirmation")[0][1]["Subject"]]


def test_an_approved_reply_is_mailed_to_the_parent_author_alone_without_addresses(ctx):
    article = make_article(title="Soil sensors")
    staff = make_staff()
    db.session.commit()
    parent = post(ctx, article, replies=True, body="Do they need batteries?")
    moderate(parent, ACTIONS["approve"], staff)
    confirmed(ADA)
    reply = post(ctx, article, BEN, name="Ben", body="Solar, mostly.", parent_id=parent.id)
    assert outbox("reply") == []  # held: only approved content is mailed
    moderate(reply, ACTIONS["approve"], staff)
    db.session.commit()
    [(recipients, message)] = outbox("reply")
    assert recipients == [ADA]
    assert (
        message["Subject"].startswith("[") and "Ben replied to your comment" in message["Subject"]
    )
    raw = message.as_string()
    assert "Solar, mostly." in message.get_content()
    assert BEN not in raw


def test_a_reply_to_the_deepest_level_is_mailed_to_the_comment_it_answers(ctx):
    """At COMMENT_MAX_DEPTH a reply sits beside the comment it answers, under that comment's
    parent: the person answered hears of it, not the parent's author."""
    ctx.config["COMMENT_MAX_DEPTH"] = 2
    article = make_article()
    staff = make_staff()
    db.session.commit()
    top = post(ctx, article, "cy@example.com", replies=True, body="Top of the thread.")
    moderate(top, ACTIONS["approve"], staff)
    deep = post(ctx, article, replies=True, body="At the deepest level.", parent_id=top.id)
    moderate(deep, ACTIONS["approve"], staff)
    db.session.commit()
    confirmed(ADA)
    confirmed("cy@example.com")
    reply = post(ctx, article, BEN, name="Ben", body="Answering Ada.", parent_id=deep.id)
    assert (reply.parent_id, reply.depth) == (top.id, 2)  # beside Ada's comment
    moderate(reply, ACTIONS["approve"], staff)
    db.session.commit()
    [(recipients, message)] = outbox("reply")
    assert recipients == [ADA]
    assert "Answering Ada." in message.get_content()
    # A staff reply to the deepest level likewise.
    staff_reply(deep, staff, "Staff answering Ada.", ctx.config)
    assert [r for r, _ in outbox("reply")] == [[ADA], [ADA]]


def test_an_address_that_case_folding_lengthens_is_followed(ctx):
    """A valid address whose folded spelling outgrows 254 characters ("ΐ" folds to three)."""
    article = make_article()
    db.session.commit()
    local, domain = "\u0390" * 64, f"{'a' * 63}.{'b' * 32}.example"
    comment = post(ctx, article, f"{local}@{domain}", replies=True)
    db.session.commit()
    [subscriber] = db.session.scalars(sa.select(Subscriber)).all()
    assert len(subscriber.mailbox) > 254
    assert comment.id is not None


def test_a_staff_reply_is_mailed_to_the_commenter(ctx):
    article = make_article()
    db.session.commit()
    parent = post(ctx, article, replies=True)
    confirmed(ADA)
    # Given an address only now: the staff's notice of the comment above is not this test's.
    staff = make_staff(display_name="Night Editor", email="desk@newsroom.example")
    staff_reply(parent, staff, "Thanks, we will look into it.", ctx.config)
    [(recipients, message)] = outbox("reply")
    assert recipients == [ADA]
    assert "Night Editor replied" in message["Subject"]
    assert "desk@newsroom.example" not in message.as_string()


def test_ones_own_reply_never_notifies_oneself(ctx):
    ctx.config["COMMENT_AUTO_APPROVE_KNOWN"] = True
    article = make_article()
    staff = make_staff()
    db.session.commit()
    parent = post(ctx, article, replies=True, follow_article=True)
    moderate(parent, ACTIONS["approve"], staff)
    db.session.commit()
    confirmed(ADA)
    own = post(ctx, article, body="And another thing.", parent_id=parent.id)
    assert own.status == CommentStatus.APPROVED
    assert outbox("reply") == []
    assert write_due_digests() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUpNotice)) == 0


def test_followers_get_one_digest_per_interval_of_approved_comments_only(ctx):
    ctx.config["NOTIFY_DIGEST_MINUTES"] = 60
    article = make_article(title="Repair cafe")
    staff = make_staff()
    db.session.commit()
    post(ctx, article, follow_article=True)
    confirmed(ADA)
    first = post(ctx, article, BEN, name="Ben", body="Bring your toaster.")
    second = post(ctx, article, "cy@example.com", name="Cy", body="And your kettle.")
    held = post(ctx, article, "dee@example.com", name="Dee", body="Still waiting.")
    for comment in (first, second):
        moderate(comment, ACTIONS["approve"], staff)
    db.session.commit()
    assert held.status == CommentStatus.PENDING
    assert write_due_digests() == 1
    [(recipients, message)] = outbox("digest")
    assert recipients == [ADA]
    assert "2 new comments" in message["Subject"]
    text = message.get_content()
    assert text.index("Bring your toaster.") < text.index("And your kettle.")
    assert "Still waiting." not in text
    assert BEN not in message.as_string() and "cy@example.com" not in message.as_string()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    moderate(held, ACTIONS["approve"], staff)
    db.session.commit()
    assert write_due_digests() == 0  # within the hour: it waits
    subscription = db.session.scalar(sa.select(Subscription).where(Subscription.kind == "article"))
    subscription.last_digest_at = utcnow() - timedelta(minutes=61)
    db.session.commit()
    assert write_due_digests() == 1
    assert "Still waiting." in outbox("digest")[1][1].get_content()
    assert write_due_digests() == 0


def test_a_comment_unapproved_before_its_digest_is_left_out(ctx):
    article = make_article()
    staff = make_staff()
    db.session.commit()
    post(ctx, article, follow_article=True)
    confirmed(ADA)
    comment = post(ctx, article, BEN, body="Regrettable.")
    moderate(comment, ACTIONS["approve"], staff)
    moderate(comment, ACTIONS["spam"], staff)
    db.session.commit()
    assert write_due_digests() == 0
    assert outbox("digest") == []


def test_unsubscribing_ends_everything_and_a_new_box_needs_a_new_confirmation(ctx):
    article = make_article()
    staff = make_staff()
    db.session.commit()
    parent = post(ctx, article, replies=True, follow_article=True)
    moderate(parent, ACTIONS["approve"], staff)
    subscriber = confirmed(ADA)
    comment = post(ctx, article, BEN)
    moderate(comment, ACTIONS["approve"], staff)
    db.session.commit()
    assert unsubscribe_all(subscriber) == 2
    db.session.commit()
    reply = post(ctx, article, BEN, body="Anyone?", parent_id=parent.id)
    moderate(reply, ACTIONS["approve"], staff)
    db.session.commit()
    assert write_due_digests() == 0
    assert outbox("reply") == [] and outbox("digest") == []
    assert subscriber.confirmed_at is None
    subscriber.confirmation_sent_at = utcnow() - timedelta(days=2)
    db.session.commit()
    post(ctx, article, replies=True)
    assert len(outbox("confirmation")) == 2


@pytest.mark.parametrize(
    ("spelling", "same"),
    [
        ("ADA@Example.com", "ada@example.com"),
        ("ada+news@example.com", "ada@example.com"),
        ("A.D.A+x@googlemail.com", "ada@gmail.com"),
        ("a.da@example.com", "a.da@example.com"),  # dots count elsewhere
    ],
)
def test_every_spelling_of_an_inbox_is_one_mailbox(spelling, same):
    assert mailbox_of(spelling) == same


def test_spellings_of_one_inbox_buy_no_more_confirmations(ctx):
    article = make_article()
    db.session.commit()
    for spelling in ("ada@gmail.com", "ADA@gmail.com", "a.d.a@gmail.com", "ada+1@gmail.com"):
        post(ctx, article, spelling, replies=True)
    assert [recipients for recipients, _ in outbox()] == [["ada@gmail.com"]]


def test_flask_unsubscribe_ends_an_address_for_staff_who_got_the_mailto(app, runner):
    with app.app_context():
        article = make_article()
        db.session.commit()
        post(app, article, replies=True, follow_article=True)
    result = runner.invoke(args=["unsubscribe", "ADA+x@example.com"])
    assert result.exit_code == 0, result.output
    assert "3 subscriptions ended" in result.output  # approval, replies, the article
    assert ADA not in result.output
    assert "No subscriptions" in runner.invoke(args=["unsubscribe", "nobody@example.com"]).output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


def test_the_unsubscribe_header_goes_out_as_plain_urls_however_long_the_site_address(ctx):
    """Python's email package would write a long URL as =?utf-8?q?...?= encoded-words (at its
    default 78 characters a line), which mail providers do not read as links."""
    host = "a-rather-long-newsroom-hostname.example.org"
    ctx.config.update(SITE_URL=f"https://{host}", MAIL_DEFAULT_SENDER=f"Ledger <notes@{host}>")
    article = make_article()
    db.session.commit()
    post(ctx, article, replies=True)
    raw = db.session.scalar(sa.select(OutboxMessage.message))
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?" not in headers
    line = next(line for line in headers.split(b"\r\n") if line.startswith(b"List-Unsubscribe:"))
    assert line.startswith(f"List-Unsubscribe: <https://{host}/notifications/".encode())
    assert line.endswith(f">, <mailto:notes@{host}?subject=unsubscribe>".encode())
    assert len(line) <= 998
