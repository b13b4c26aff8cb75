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


def test_a_logged_in_editor_gets_the_styled_503_when_the_database_goes_away(app, client):
    """The 503 page asks who is logged in; that must not ask the missing database again."""
    from pathlib import Path

    from blog.extensions import db
    from tests.factories import make_staff
    from tests.pages import log_in

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip(
                "the database is taken away as a file here (the fault matrix stops PostgreSQL)"
            )
        make_staff("editor", role="editor")
        db.session.commit()
    assert log_in(client).status_code in (302, 303)
    with app.app_context():
        path = Path(db.engine.url.database)
        db.engine.dispose()
    path.rename(path.with_suffix(".away"))  # a new, empty file takes its place: no tables
    response = client.get("/admin/")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert 'class="site-header"' in page and "Traceback" not in page
    assert int(response.headers["Retry-After"]) > 0
