"""Digests go out with the outbox's rounds (the composer), through a real SMTP server."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from blog.admin.actions import ACTIONS, moderate
from blog.extensions import db
from blog.models import Staff, Subscriber, Subscription
from blog.subscriptions import digests
from blog.subscriptions.followers import confirm, follow
from tests.factories import make_article, make_comment, make_staff


def followed_article_with_two_new_comments(app) -> None:
    with app.app_context():
        article = make_article(title="Open budget")
        staff = make_staff()
        mine = make_comment(article, author_email="ada@example.com")
        db.session.flush()
        follow(mine, replies=False, article=True, client=None, config=app.config)
        confirm(db.session.scalar(sa.select(Subscriber)))
        for name in ("Ben", "Cy"):
            comment = make_comment(article, status="pending", author_name=name, body=f"{name} says")
            db.session.flush()
            moderate(comment, ACTIONS["approve"], staff)
        db.session.commit()


def test_a_round_of_sending_writes_and_sends_the_digest_once(mail_app, inbox, send):
    mail, _ = inbox
    followed_article_with_two_new_comments(mail_app)
    assert send().sent == 2  # the confirmation, then the digest
    [_, (recipients, digest)] = mail.wait_for(2)
    assert recipients == ["ada@example.com"]
    assert "2 new comments on \u201cOpen budget\u201d" in digest["Subject"]
    assert "Ben says" in digest.get_content() and "Cy says" in digest.get_content()
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert send().sent == 0


def test_a_digest_that_cannot_be_written_does_not_stop_the_round(
    mail_app, inbox, send, monkeypatch, caplog
):
    mail, _ = inbox
    followed_article_with_two_new_comments(mail_app)

    def broken(*_args):
        raise RuntimeError("a template gone missing")

    monkeypatch.setattr(digests, "digest_message", broken)
    with caplog.at_level(logging.WARNING):
        assert send().sent == 1  # the confirmation still goes
    assert "digests not written (RuntimeError)" in caplog.text
    monkeypatch.undo()
    assert send().sent == 1  # next round: the digest
    assert len(mail.wait_for(2)) == 2
    with mail_app.app_context():
        assert db.session.scalar(sa.select(Subscription.last_digest_at)) is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Staff)) == 1
