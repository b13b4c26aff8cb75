"""What the staff-area tests share: a logged-in editor, an article, comments under it."""

from __future__ import annotations

import pytest

from blog.extensions import db
from blog.models import Article
from tests.factories import make_article, make_comment, make_staff
from tests.pages import log_in


@pytest.fixture
def editor(app, client):
    """The test client, logged in as the moderator "editor"."""
    with app.app_context():
        make_staff("editor", display_name="Editor")
        db.session.commit()
    log_in(client)
    return client


@pytest.fixture
def article_id(app) -> int:
    """A published article, by id."""
    with app.app_context():
        article = make_article(title="Harbour news")
        db.session.commit()
        return article.id


def add_comment(app, article_id: int, **fields) -> int:
    """A comment under the article (approved unless status says otherwise), by id."""
    with app.app_context():
        comment = make_comment(db.session.get(Article, article_id), **fields)
        db.session.commit()
        return comment.id
