"""Signed links (blog.signing): a token reads back only for its purpose and age, and a single-use
token is spent once, in whatever spelling it comes back."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa

from blog.extensions import db
from blog.models import SpentToken, utcnow
from blog.signing import (
    forget_spent,
    is_spent,
    is_used,
    key_digest,
    link_key,
    make_token,
    read_token,
    spend,
    spent_links_kept,
    use_once,
)


def test_a_token_reads_back_for_its_purpose_only(app):
    with app.test_request_context():
        token = make_token("unsubscribe", {"subscriber": 7})
        assert read_token("unsubscribe", token) == {"subscriber": 7}
        assert read_token("confirm", token) is None
        assert read_token("unsubscribe", token[:-2] + "xx") is None
        assert read_token("unsubscribe", "not-a-token") is None


def test_a_token_past_its_age_reads_as_nothing(app):
    with app.test_request_context():
        token = make_token("reset", 1)
        time.sleep(1.1)
        assert read_token("reset", token, max_age=0.5) is None
        assert read_token("reset", token, max_age=60) == 1


def test_a_token_is_spent_once_and_only_when_committed(app):
    with app.app_context():
        token = make_token("moderate", [1, "approve"])
        assert spend("moderate", token)
        db.session.rollback()  # the POST failed: the link still works
        assert not is_spent("moderate", token)
        assert spend("moderate", token)
        db.session.commit()
        assert is_spent("moderate", token)
        assert not spend("moderate", token)
        db.session.rollback()
        assert not is_spent("moderate", make_token("moderate", [2, "approve"]))


def test_a_spent_token_is_spent_in_every_spelling_and_a_forged_one_never_spends(app):
    with app.app_context():
        token = make_token("moderate", [3, "spam"])
        assert spend("moderate", token)
        db.session.commit()
        padded = token + "="  # base64 lets the signature be padded and still verify
        assert read_token("moderate", padded) == [3, "spam"]
        assert is_spent("moderate", padded)
        assert not spend("moderate", padded)
        assert not spend("moderate", "forged.token.here")
        assert is_spent("moderate", "forged.token.here")  # can never be used
        assert not spend("unsubscribe", token)  # not a token of that purpose


def test_a_key_is_used_once(app):
    with app.app_context():
        assert use_once("password-reset-mail:1:42")
        db.session.commit()
        assert is_used("password-reset-mail:1:42")
        assert not use_once("password-reset-mail:1:42")


def test_marks_older_than_any_link_holds_are_forgotten(app):
    with app.app_context():
        kept = spent_links_kept(app.config)
        assert kept == timedelta(days=app.config["MODERATION_LINK_DAYS"] + 1)
        old, new = make_token("moderate", [4, "trash"]), make_token("moderate", [5, "trash"])
        assert spend("moderate", old) and spend("moderate", new)
        db.session.commit()
        db.session.execute(
            sa.update(SpentToken)
            .where(SpentToken.digest == key_digest(link_key("moderate", old)))
            .values(spent_at=utcnow() - kept - timedelta(minutes=1))
        )
        db.session.commit()
        assert forget_spent(utcnow() - kept) == 1
        assert not is_spent("moderate", old) and is_spent("moderate", new)
