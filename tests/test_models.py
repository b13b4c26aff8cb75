"""The models' rules, without HTTP: visibility, stored HTML, times in UTC, comment counts."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import undefer

from blog.extensions import db
from blog.models import Article, ArticleStatus, CommentStatus, utcnow
from tests.factories import make_article, make_comment


def test_published_excludes_drafts_and_future_articles(app):
    with app.app_context():
        visible = make_article(title="Visible")
        make_article(title="Draft", status=ArticleStatus.DRAFT)
        make_article(title="Tomorrow", published_at=utcnow() + timedelta(days=1))
        db.session.commit()
        titles = db.session.scalars(Article.published()).all()
        assert [a.title for a in titles] == ["Visible"]
        assert visible.is_visible


def test_visible_to_readers_is_one_rule_in_sql_and_on_an_article(app):
    """Article.is_visible: the same answer as a clause and on an instance, for every state."""
    with app.app_context():
        articles = [
            make_article(title="Visible"),
            make_article(title="Draft", status=ArticleStatus.DRAFT),
            make_article(title="Tomorrow", published_at=utcnow() + timedelta(days=1)),
            make_article(title="Undated", published_at=None),
        ]
        articles[-1].published_at = None
        db.session.commit()
        found = set(db.session.scalars(sa.select(Article.title).where(Article.is_visible)))
        assert found == {a.title for a in articles if a.is_visible} == {"Visible"}
        hidden = set(db.session.scalars(sa.select(Article.title).where(~Article.is_visible)))
        assert "Visible" not in hidden and {"Draft", "Tomorrow"} <= hidden


def test_visible_to_readers_takes_now_when_a_cached_statement_runs(app):
    """A statement built once sees an article whose time came after it was built."""
    with app.app_context():
        statement = sa.select(Article.title).where(Article.is_visible)
        make_article(title="Soon", published_at=utcnow() + timedelta(seconds=0.5))
        db.session.commit()
        assert db.session.scalars(statement).all() == []
        time.sleep(0.6)
        assert db.session.scalars(statement).all() == ["Soon"]


def test_published_is_newest_first(app):
    with app.app_context():
        make_article(title="Older", published_at=utcnow() - timedelta(days=2))
        make_article(title="Newer", published_at=utcnow() - timedelta(days=1))
        db.session.commit()
        assert [a.title for a in db.session.scalars(Article.published())] == ["Newer", "Older"]


def test_body_html_is_rendered_when_the_body_is_set(app):
    with app.app_context():
        article = make_article(body_markdown="Hello *world*")
        assert article.body_html == "<p>Hello <em>world</em></p>\n"
        article.body_markdown = "Changed"
        assert article.body_html == "<p>Changed</p>\n"


def test_times_come_back_aware_and_in_utc(app):
    moment = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    with app.app_context():
        article = make_article(published_at=moment)
        db.session.commit()
        article_id = article.id
        db.session.expunge_all()
        loaded = db.session.get(Article, article_id)
        assert loaded.published_at == moment
        assert loaded.published_at.tzinfo is not None


def test_naive_times_are_refused(app):
    with app.app_context():
        make_article(published_at=datetime(2026, 3, 1, 12, 30))
        with pytest.raises(sa.exc.StatementError, match="naive datetime"):
            db.session.commit()


def test_comment_count_counts_only_approved_comments(app):
    with app.app_context():
        article = make_article()
        make_comment(article)
        make_comment(article)
        for status in (CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.TRASH):
            make_comment(article, status=status)
        db.session.commit()
        loaded = db.session.scalar(
            sa.select(Article)
            .where(Article.id == article.id)
            .options(undefer(Article.comment_count))
        )
        assert loaded.comment_count == 2


def test_was_updated_only_after_a_real_change(app):
    with app.app_context():
        article = make_article()
        assert not article.was_updated
        article.updated_at = article.published_at + timedelta(hours=2)
        assert article.was_updated


def test_slugs_are_unique(app):
    with app.app_context():
        make_article(slug="same")
        make_article(slug="same")
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
