"""Error pages' words, without HTTP: how a rate limit's wait is said."""

from __future__ import annotations

import pytest
from limits import parse

from blog.errors import rate_limit_explanation, wait_in_words


@pytest.mark.parametrize(
    ("limit", "words"),
    [
        ("5 per minute", "a minute"),
        ("5 per 1 minute", "a minute"),
        ("50 per day", "a day"),
        ("10/hour", "an hour"),
        ("3 per 2 hours", "2 hours"),
        ("1 per 30 seconds", "30 seconds"),
    ],
)
def test_the_wait_is_said_in_words(limit, words):
    assert wait_in_words(parse(limit)) == words


def test_a_commenter_who_posts_too_fast_is_told_how_long_to_wait_in_words():
    message = rate_limit_explanation(parse("5 per minute"), posting_comment=True)
    assert message == (
        "You are posting faster than we allow. Please wait a minute and send it again."
    )
    daily = rate_limit_explanation(parse("50 per day"), posting_comment=True)
    assert daily.endswith("Please wait a day and send it again.")
    other = rate_limit_explanation(parse("10 per hour"), posting_comment=False)
    assert other == "Too many requests. Please wait an hour and try again."
