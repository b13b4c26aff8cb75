"""Submitting a comment, without HTTP: the verdict, closing, duplicates, bans, replies."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from blog.comments.submission import (
    DUPLICATE_MESSAGE,
    comments_closed,
    initial_verdict,
    reply_position,
    submit_comment,
)
from blog.extensions import db
from blog.models import Ban, Comment, utcnow
from blog.refusals import Refused
from tests.factories import (
    COMMENT_RULES,
    comment_input,
    make_article,
    make_comment,
    make_reply_chain,
)


def test_a_new_comment_waits_for_moderation():
    assert (
        initial_verdict(comment_input(), known_commenter=False, config=COMMENT_RULES).status
        == "pending"
    )


def test_a_known_commenter_is_approved_at_once_unless_switched_off():
    assert (
        initial_verdict(comment_input(), known_commenter=True, config=COMMENT_RULES).status
        == "approved"
    )
    off = {**COMMENT_RULES, "COMMENT_AUTO_APPROVE_KNOWN": False}
    assert initial_verdict(comment_input(), known_commenter=True, config=off).status == "pending"


def test_too_many_links_hold_even_a_known_commenter():
    body = "See https://a.example, https://b.example and https://c.example"
    verdict = initial_verdict(comment_input(body=body), known_commenter=True, config=COMMENT_RULES)
    assert verdict.status == "pending" and verdict.reason == "too many links (3)"
    two = "See https://a.example and https://b.example"
    assert (
        initial_verdict(comment_input(body=two), known_commenter=True, config=COMMENT_RULES).status
        == "approved"
    )


def test_a_hold_word_holds_and_names_itself():
    verdict = initial_verdict(
        comment_input(body="Hold the press!"), known_commenter=True, config=COMMENT_RULES
    )
    assert verdict.status == "pending" and verdict.reason == "hold word: press"
    fine = initial_verdict(
        comment_input(body="Built on WordPress"), known_commenter=True, config=COMMENT_RULES
    )
    assert fine.status == "approved"


def test_a_block_word_or_a_spam_signal_makes_spam():
    blocked = initial_verdict(
        comment_input(name="Casino Bob"), known_commenter=True, config=COMMENT_RULES
    )
    assert blocked.status == "spam" and blocked.reason == "block word: casino"
    trapped = initial_verdict(
        comment_input(spam_signals=("honeypot field filled",)),
        known_commenter=True,
        config=COMMENT_RULES,
    )
    assert trapped.status == "spam" and trapped.reason == "honeypot field filled"


def test_comments_close_by_flag_or_by_age(app):
    with app.app_context():
        article = make_article(published_at=utcnow() - timedelta(days=10))
        db.session.flush()
        assert not comments_closed(article, close_after_days=None)
        assert not comments_closed(article, close_after_days=30)
        assert comments_closed(article, close_after_days=7)
        article.comments_open = False
        assert comments_closed(article, close_after_days=None)


# --- storing -------------------------------------------------------------------------------


def test_submit_stores_exactly_what_was_typed_with_ip_and_user_agent(app):
    body = "  Two lines,\nkept as typed.  "
    with app.app_context():
        article = make_article()
        db.session.commit()
        comment = submit_comment(
            article,
            comment_input(body=body, ip_address="203.0.113.9", user_agent="Firefox"),
            COMMENT_RULES,
        )
        stored = db.session.get(Comment, comment.id)
        assert stored.body == body
        assert stored.status == "pending" and stored.depth == 1
        assert stored.ip_address == "203.0.113.9" and stored.user_agent == "Firefox"
        assert stored.body_html == "<p>Two lines,<br>\nkept as typed.</p>\n"


def test_a_second_comment_from_an_approved_email_is_approved(app):
    with app.app_context():
        article = make_article()
        make_comment(article, author_email="known@example.com")
        db.session.commit()
        comment = submit_comment(article, comment_input(email="known@example.com"), COMMENT_RULES)
        assert comment.status == "approved"


def test_a_banned_regular_goes_to_spam_with_the_ban_named_until_the_ban_ends(app):
    with app.app_context():
        article = make_article()
        make_comment(article, author_email="regular@example.com")
        ban = Ban(kind="ip", value="203.0.113.0/24", expires_at=utcnow() + timedelta(days=1))
        db.session.add(ban)
        db.session.commit()
        regular = comment_input(email="regular@example.com", ip_address="203.0.113.9")
        caught = submit_comment(article, regular, COMMENT_RULES)
        assert (caught.status, caught.hold_reason) == ("spam", "banned IP address 203.0.113.0/24")
        db.session.get(Ban, ban.id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        free = submit_comment(article, replace(regular, body="After the ban ended."), COMMENT_RULES)
        assert (free.status, free.hold_reason) == ("approved", None)


def test_duplicates_are_refused(app):
    with app.app_context():
        article = make_article()
        db.session.commit()
        submit_comment(article, comment_input(), COMMENT_RULES)
        with pytest.raises(Refused, match=DUPLICATE_MESSAGE):
            submit_comment(article, comment_input(), COMMENT_RULES)
        submit_comment(article, comment_input(body="Something new."), COMMENT_RULES)
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 2


def test_the_duplicate_check_looks_at_the_latest_comments_only(app):
    from blog.comments.submission import DUPLICATE_WINDOW, is_duplicate

    with app.app_context():
        article = make_article()
        make_comment(article, author_email="ada@example.com", body="Said long ago.")
        for n in range(DUPLICATE_WINDOW - 1):
            make_comment(article, author_email="ada@example.com", body=f"Comment {n}.")
        db.session.commit()
        assert is_duplicate(article.id, "ada@example.com", "Said long ago.")
        assert not is_duplicate(article.id, "bob@example.com", "Said long ago.")
        make_comment(article, author_email="ada@example.com", body="One more.")
        db.session.commit()
        assert not is_duplicate(article.id, "ada@example.com", "Said long ago.")
        assert is_duplicate(article.id, "ada@example.com", "One more.")


def test_closed_articles_refuse_comments(app):
    with app.app_context():
        article = make_article(comments_open=False)
        db.session.commit()
        with pytest.raises(Refused, match="Comments are closed"):
            submit_comment(article, comment_input(), COMMENT_RULES)


def test_replies_nest_to_the_maximum_depth_then_attach_beside(app):
    with app.app_context():
        article = make_article()
        level1, level2, level3 = make_reply_chain(article, 3)
        db.session.commit()
        reply2 = submit_comment(
            article, comment_input(body="to 1", parent_id=level1.id), COMMENT_RULES
        )
        assert (reply2.parent_id, reply2.depth) == (level1.id, 2)
        deep = submit_comment(
            article, comment_input(body="to 3", parent_id=level3.id), COMMENT_RULES
        )
        assert (deep.parent_id, deep.depth) == (level2.id, 3)


def test_replies_only_to_approved_comments_of_the_same_article(app):
    with app.app_context():
        article, other = make_article(), make_article()
        pending = make_comment(article, status="pending")
        elsewhere = make_comment(other)
        db.session.commit()
        for parent in (pending, elsewhere):
            with pytest.raises(Refused, match="not available"):
                submit_comment(
                    article,
                    comment_input(body=f"to {parent.id}", parent_id=parent.id),
                    COMMENT_RULES,
                )
        with pytest.raises(Refused):
            submit_comment(
                article, comment_input(body="to nothing", parent_id=999999), COMMENT_RULES
            )


def test_a_reply_attaches_beside_a_comment_at_the_maximum_depth(app):
    """reply_position: the one depth rule, for readers' replies and staff replies alike."""
    with app.app_context():
        root, deepest = make_reply_chain(make_article(), 2)
        assert reply_position(None, 2) == (None, 1)
        assert reply_position(root, 2) == (root.id, 2)
        assert reply_position(deepest, 2) == (root.id, 2)
