"""Signed links (blog.signing): a token reads back only for its purpose and age, and a single-use
token is spent once."""

from __future__ import annotations

import time

from blog.extensions import db
from blog.signing import is_spent, make_token, read_token, spend


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
        assert spend(token)
        db.session.rollback()  # the POST failed: the link still works
        assert not is_spent(token)
        assert spend(token)
        db.session.commit()
        assert is_spent(token)
        assert not spend(token)
        db.session.rollback()
        assert not is_spent(make_token("moderate", [2, "approve"]))
