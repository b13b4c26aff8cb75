"""The comment rules, without HTTP."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from blog.comments.identicon import avatar_key, identicon_svg
from blog.comments.moderation import (
    DUPLICATE_MESSAGE,
    CommentInput,
    CommentRefused,
    FormExpired,
    build_threads,
    comments_closed,
    find_listed_word,
    form_stamp_signal,
    honeypot_signal,
    initial_verdict,
    issue_form_stamp,
    submit_comment,
)
from blog.extensions import db
from blog.models import Ban, Comment, CommentStatus, utcnow
from tests.factories import make_article, make_comment

CONFIG = {
    "COMMENT_BLOCK_WORDS": ["casino"],
    "COMMENT_HOLD_WORDS": ["press", "crypto coin"],
    "COMMENT_MAX_LINKS": 2,
    "COMMENT_AUTO_APPROVE_KNOWN": True,
    "COMMENT_MAX_DEPTH": 3,
    "COMMENTS_CLOSE_AFTER_DAYS": None,
}


def data(**fields) -> CommentInput:
    base = {"name": "Ada", "email": "ada@example.com", "body": "Nice piece."}
    return CommentInput(**{**base, **fields})


# --- words, links, signals -----------------------------------------------------------------


def test_listed_words_match_whole_words_only():
    assert find_listed_word("Stop the press now", ["press"]) == "press"
    assert find_listed_word("I run WordPress", ["press"]) is None
    assert find_listed_word("PRESS release", ["press"]) == "press"
    assert find_listed_word("buy crypto coin today", ["crypto coin"]) == "crypto coin"
    assert find_listed_word("anything", ["", "  "]) is None


def test_a_new_comment_waits_for_moderation():
    assert initial_verdict(data(), known_commenter=False, config=CONFIG).status == "pending"


def test_a_known_commenter_is_approved_at_once_unless_switched_off():
    assert initial_verdict(data(), known_commenter=True, config=CONFIG).status == "approved"
    off = {**CONFIG, "COMMENT_AUTO_APPROVE_KNOWN": False}
    assert initial_verdict(data(), known_commenter=True, config=off).status == "pending"


def test_too_many_links_hold_even_a_known_commenter():
    body = "See https://a.example, https://b.example and https://c.example"
    verdict = initial_verdict(data(body=body), known_commenter=True, config=CONFIG)
    assert verdict.status == "pending" and verdict.reason == "too many links (3)"
    two = "See https://a.example and https://b.example"
    assert initial_verdict(data(body=two), known_commenter=True, config=CONFIG).status == "approved"


def test_a_hold_word_holds_and_names_itself():
    verdict = initial_verdict(data(body="Hold the press!"), known_commenter=True, config=CONFIG)
    assert verdict.status == "pending" and verdict.reason == "hold word: press"
    fine = initial_verdict(data(body="Built on WordPress"), known_commenter=True, config=CONFIG)
    assert fine.status == "approved"


def test_a_block_word_or_a_spam_signal_makes_spam():
    blocked = initial_verdict(data(name="Casino Bob"), known_commenter=True, config=CONFIG)
    assert blocked.status == "spam" and blocked.reason == "block word: casino"
    trapped = initial_verdict(
        data(spam_signals=("honeypot field filled",)), known_commenter=True, config=CONFIG
    )
    assert trapped.status == "spam" and trapped.reason == "honeypot field filled"


def test_honeypot_signal():
    assert honeypot_signal("") is None and honeypot_signal(None) is None
    assert honeypot_signal("http://spam.example") == "honeypot field filled"


def test_form_stamp_catches_fast_missing_and_forged_forms_and_expires_old_ones():
    stamp = issue_form_stamp("secret")
    soon = utcnow() + timedelta(seconds=1)
    later = utcnow() + timedelta(seconds=10)
    kwargs = {"min_seconds": 3, "max_age_seconds": 3600}
    assert form_stamp_signal(stamp, "secret", now=later, **kwargs) is None
    assert "after the form was served" in form_stamp_signal(stamp, "secret", now=soon, **kwargs)
    assert form_stamp_signal(stamp, "secret", now=soon, min_seconds=0, max_age_seconds=3600) is None
    assert form_stamp_signal("", "secret", **kwargs) == "form stamp missing"
    assert form_stamp_signal(stamp, "another secret", **kwargs) == "form stamp forged"
    assert form_stamp_signal(stamp + "x", "secret", **kwargs) == "form stamp forged"
    old = issue_form_stamp("secret")
    with pytest.raises(FormExpired):
        form_stamp_signal(old, "secret", min_seconds=0, max_age_seconds=-1)


# --- closing ---------------------------------------------------------------------------------


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
            article, data(body=body, ip_address="203.0.113.9", user_agent="Firefox"), CONFIG
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
        comment = submit_comment(article, data(email="known@example.com"), CONFIG)
        assert comment.status == "approved"


def test_a_banned_regular_goes_to_spam_with_the_ban_named_until_the_ban_ends(app):
    with app.app_context():
        article = make_article()
        make_comment(article, author_email="regular@example.com")
        ban = Ban(kind="ip", value="203.0.113.0/24", expires_at=utcnow() + timedelta(days=1))
        db.session.add(ban)
        db.session.commit()
        regular = data(email="regular@example.com", ip_address="203.0.113.9")
        caught = submit_comment(article, regular, CONFIG)
        assert (caught.status, caught.hold_reason) == ("spam", "banned IP address 203.0.113.0/24")
        db.session.get(Ban, ban.id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        free = submit_comment(article, replace(regular, body="After the ban ended."), CONFIG)
        assert (free.status, free.hold_reason) == ("approved", None)


def test_duplicates_are_refused(app):
    with app.app_context():
        article = make_article()
        db.session.commit()
        submit_comment(article, data(), CONFIG)
        with pytest.raises(CommentRefused, match=DUPLICATE_MESSAGE):
            submit_comment(article, data(), CONFIG)
        submit_comment(article, data(body="Something new."), CONFIG)
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 2


def test_the_duplicate_check_looks_at_the_latest_comments_only(app):
    from blog.comments.moderation import DUPLICATE_WINDOW, is_duplicate

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
        with pytest.raises(CommentRefused, match="Comments are closed"):
            submit_comment(article, data(), CONFIG)


def test_replies_nest_to_the_maximum_depth_then_attach_beside(app):
    with app.app_context():
        article = make_article()
        level1 = make_comment(article)
        db.session.flush()
        level2 = make_comment(article, parent=level1, depth=2)
        db.session.flush()
        level3 = make_comment(article, parent=level2, depth=3)
        db.session.commit()
        reply2 = submit_comment(article, data(body="to 1", parent_id=level1.id), CONFIG)
        assert (reply2.parent_id, reply2.depth) == (level1.id, 2)
        deep = submit_comment(article, data(body="to 3", parent_id=level3.id), CONFIG)
        assert (deep.parent_id, deep.depth) == (level2.id, 3)


def test_replies_only_to_approved_comments_of_the_same_article(app):
    with app.app_context():
        article, other = make_article(), make_article()
        pending = make_comment(article, status="pending")
        elsewhere = make_comment(other)
        db.session.commit()
        for parent in (pending, elsewhere):
            with pytest.raises(CommentRefused, match="not available"):
                submit_comment(article, data(body=f"to {parent.id}", parent_id=parent.id), CONFIG)
        with pytest.raises(CommentRefused):
            submit_comment(article, data(body="to nothing", parent_id=999999), CONFIG)


# --- showing -------------------------------------------------------------------------------


def test_threads_nest_replies_and_lift_orphans(app):
    with app.app_context():
        article = make_article()
        root = make_comment(article)
        db.session.flush()
        reply = make_comment(article, parent=root, depth=2)
        hidden = make_comment(article, status="spam")
        db.session.flush()
        orphan = make_comment(article, parent=hidden, depth=2)
        db.session.commit()
        threads = build_threads([root, reply, orphan])
        assert [n.comment for n in threads] == [root, orphan]
        assert [n.comment for n in threads[0].replies] == [reply]


def test_a_page_shows_approved_plus_own_pending_only(app):
    from blog.comments.threads import page_of_threads

    with app.app_context():
        article = make_article()
        approved = make_comment(article)
        mine = make_comment(article, status=CommentStatus.PENDING)
        theirs = make_comment(article, status=CommentStatus.PENDING)
        spam = make_comment(article, status=CommentStatus.SPAM)
        db.session.commit()
        threads = page_of_threads(article.id, [mine.id, spam.id], 1, 50).threads
        shown = [node.comment.id for node in threads]
        assert shown == [approved.id, mine.id]
        assert theirs.id not in shown


def test_avatars_are_keyed_and_reveal_no_plain_hash():
    one = avatar_key("key", "Ada@Example.com")
    assert one == avatar_key("key", "ada@example.com ")
    assert one != avatar_key("other key", "ada@example.com")
    assert len(one) == 16 and int(one, 16) >= 0
    for plain in (hashlib.md5, hashlib.sha1, hashlib.sha256):
        assert one not in plain(b"ada@example.com").hexdigest()
    svg = identicon_svg(one)
    assert svg.startswith("<svg") and "<script" not in svg
    assert identicon_svg(one) == svg != identicon_svg(avatar_key("key", "bob@example.com"))
    with pytest.raises(ValueError):
        identicon_svg("<script>")
