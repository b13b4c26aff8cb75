"""The editorial rules, without HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from blog.editorial.publishing import (
    ArticleInput,
    EditorialRefused,
    article_state,
    delete_article,
    delete_author,
    merge_categories,
    merge_tags,
    parse_tags,
    rename,
    save_article,
    slug_for,
)
from blog.extensions import db
from blog.models import Article, Category, Comment, Tag, utcnow
from tests.factories import make_article, make_author, make_category, make_comment, make_tag


def test_states():
    now = utcnow()
    assert article_state("draft", None, now) == "draft"
    assert article_state("draft", now - timedelta(days=1), now) == "draft"
    assert article_state("published", now + timedelta(hours=1), now) == "scheduled"
    assert article_state("published", now - timedelta(hours=1), now) == "published"


def test_slugs_and_tags_are_tidied():
    assert slug_for("Ferry Fares Rise Again!", None) == "ferry-fares-rise-again"
    assert slug_for("Anything", " Custom Slug ") == "custom-slug"
    with pytest.raises(EditorialRefused):
        slug_for("!!!", None)
    assert parse_tags(" Harbour, harbour ,Tides,, ,!!") == ["Harbour", "Tides"]


def test_saving_creates_tags_renders_html_and_publishes_now(app):
    with app.app_context():
        author = make_author()
        db.session.add(Tag(name="Tides", slug="tides"))
        db.session.commit()
        article = save_article(
            None,
            ArticleInput(
                title="New piece",
                body_markdown="Hello *there*",
                author_id=author.id,
                tags=["Tides", "Fresh tag"],
                status="published",
            ),
        ).article
        assert article.slug == "new-piece"
        assert article.body_html == "<p>Hello <em>there</em></p>\n"
        assert article.published_at is not None and article.is_visible
        assert sorted(t.name for t in article.tags) == ["Fresh tag", "Tides"]
        assert db.session.scalar(sa.select(sa.func.count(Tag.id))) == 2


def test_a_slug_clash_is_refused_not_a_crash(app):
    with app.app_context():
        make_article(title="Taken", slug="taken")
        author = make_author()
        db.session.commit()
        with pytest.raises(EditorialRefused, match='already used by "Taken"'):
            save_article(None, ArticleInput(title="Taken", body_markdown="x", author_id=author.id))


def test_a_future_time_schedules(app):
    with app.app_context():
        author = make_author()
        db.session.commit()
        article = save_article(
            None,
            ArticleInput(
                title="Later",
                body_markdown="x",
                author_id=author.id,
                status="published",
                published_at=utcnow() + timedelta(days=2),
            ),
        ).article
        assert not article.is_visible
        assert article_state(article.status, article.published_at) == "scheduled"


def test_deleting_an_article_takes_its_comments(app):
    with app.app_context():
        article = make_article()
        make_comment(article)
        make_comment(article, status="spam")
        db.session.commit()
        delete_article(article)
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 0


def test_an_author_with_articles_cannot_be_deleted(app):
    with app.app_context():
        article = make_article()
        db.session.commit()
        with pytest.raises(EditorialRefused, match="reassign"):
            delete_author(article.author)
        spare = make_author()
        db.session.commit()
        delete_author(spare)


def test_rename_refuses_a_taken_slug(app):
    with app.app_context():
        first, second = make_category(name="One"), make_category(name="Two")
        db.session.commit()
        rename(first, "Uno")
        assert (first.name, first.slug) == ("Uno", "uno")
        with pytest.raises(EditorialRefused, match="taken"):
            rename(second, "Uno")


def test_merging_categories_and_tags(app):
    with app.app_context():
        old, new = make_category(name="Old"), make_category(name="New")
        a = make_article(category=old)
        t_old, t_new = make_tag(name="t-old"), make_tag(name="t-new")
        b = make_article(tags=[t_old])
        c = make_article(tags=[t_old, t_new])
        db.session.commit()
        assert merge_categories(old, new) == 1
        assert merge_tags(t_old, t_new) == 2
        db.session.expire_all()
        assert a.category.name == "New"
        assert [t.name for t in b.tags] == ["t-new"] and [t.name for t in c.tags] == ["t-new"]
        assert db.session.scalar(sa.select(sa.func.count(Category.id))) == 1
        with pytest.raises(EditorialRefused):
            merge_tags(t_new, t_new)
