"""The editorial rules, without HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from blog.editorial.publishing import (
    ArticleInput,
    article_state,
    check_slug_free,
    create_category,
    delete_article,
    delete_author,
    editorial_action,
    merge_categories,
    merge_tags,
    move_to_slug,
    parse_tags,
    publication_time,
    record_editorial_action,
    rename,
    save_article,
    slug_for,
    tags_named,
    unpublish,
)
from blog.extensions import db
from blog.models import Article, ArticleSlug, Category, Comment, ModerationAction, Tag, utcnow
from blog.refusals import Refused
from tests.factories import (
    make_article,
    make_author,
    make_category,
    make_comment,
    make_staff,
    make_tag,
)


def test_states():
    now = utcnow()
    assert article_state("draft", None, now) == "draft"
    assert article_state("draft", now - timedelta(days=1), now) == "draft"
    assert article_state("published", now + timedelta(hours=1), now) == "scheduled"
    assert article_state("published", now - timedelta(hours=1), now) == "published"


def test_slugs_and_tags_are_tidied():
    assert slug_for("Ferry Fares Rise Again!", None) == "ferry-fares-rise-again"
    assert slug_for("Anything", " Custom Slug ") == "custom-slug"
    with pytest.raises(Refused):
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
        with pytest.raises(Refused, match='already used by "Taken"'):
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
        with pytest.raises(Refused, match="reassign"):
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
        with pytest.raises(Refused, match="taken"):
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
        with pytest.raises(Refused):
            merge_tags(t_new, t_new)


# --- Slugs an article had -------------------------------------------------------------------


def test_a_changed_slug_is_kept_and_a_slug_taken_back_is_not_old(app):
    with app.app_context():
        article = make_article(slug="first")
        db.session.commit()
        move_to_slug(article, "second")
        move_to_slug(article, "third")
        db.session.commit()
        assert sorted(old.slug for old in article.old_slugs) == ["first", "second"]
        move_to_slug(article, "first")
        db.session.commit()
        assert article.slug == "first"
        assert sorted(db.session.scalars(sa.select(ArticleSlug.slug))) == ["second", "third"]


def test_a_new_article_cannot_take_another_articles_old_slug(app):
    with app.app_context():
        article = make_article(title="Harbour walls", slug="harbour")
        db.session.commit()
        move_to_slug(article, "harbour-walls")
        db.session.commit()
        with pytest.raises(Refused, match='used by "Harbour walls" before') as refused:
            save_article(None, ArticleInput(title="Harbour", body_markdown="x", author_id=1))
        assert refused.value.field == "slug"
        db.session.rollback()
        check_slug_free("harbour", article.id)  # its own old slug it may take back


# --- What saving does ------------------------------------------------------------------------


def test_an_untouched_minute_keeps_the_stored_seconds():
    stored = utcnow().replace(second=42, microsecond=5)
    minute = stored.replace(second=0, microsecond=0)
    assert publication_time(stored, minute, "published") == stored
    assert publication_time(stored, minute + timedelta(minutes=1), "published") > stored
    assert publication_time(None, None, "draft") is None
    assert publication_time(stored, None, "draft") == stored
    assert publication_time(None, None, "published") is not None  # published now


def test_editorial_actions_name_what_a_save_did():
    assert editorial_action(None, "draft") is None
    assert editorial_action("draft", "draft") is None
    assert editorial_action(None, "published") == "publish"
    assert editorial_action("draft", "published") == "publish"
    assert editorial_action("scheduled", "published") == "publish"
    assert editorial_action("published", "published") == "update"
    assert editorial_action("draft", "scheduled") == "schedule"
    assert editorial_action("scheduled", "scheduled", time_changed=True) == "schedule"
    assert editorial_action("scheduled", "scheduled") == "update"
    assert editorial_action("published", "draft") == "unpublish"


def audit_log() -> list[tuple]:
    return db.session.execute(
        sa.select(
            ModerationAction.action,
            ModerationAction.article_id,
            ModerationAction.staff_id,
            ModerationAction.status_before,
            ModerationAction.status_after,
            ModerationAction.detail,
        ).order_by(ModerationAction.id)
    ).all()


def test_the_audit_log_records_what_editors_do_to_an_article(app):
    with app.app_context():
        staff, author = make_staff("desk", role="editor"), make_author()
        db.session.commit()
        draft = ArticleInput(title="Pier", body_markdown="x", author_id=author.id)
        saved = save_article(None, draft, staff.id)
        article_id = saved.article.id
        assert (saved.action, saved.state) == (None, "draft")
        published = replace(draft, status="published")
        assert save_article(saved.article, published, staff.id).action == "publish"
        unchanged = save_article(saved.article, published, staff.id)
        assert (unchanged.changed, unchanged.action) == (False, None)
        assert save_article(saved.article, replace(published, body_markdown="y")).action == (
            "update"
        )
        later = replace(published, published_at=utcnow() + timedelta(days=1))
        assert save_article(saved.article, later, staff.id).action == "schedule"
        save_article(saved.article, replace(published, published_at=utcnow()), staff.id)
        unpublish(saved.article, staff.id)
        unpublish(saved.article, staff.id)  # already a draft: nothing to record
        assert audit_log() == [
            ("publish", article_id, staff.id, "draft", "published", "Pier"),
            ("update", article_id, None, "published", "published", "Pier"),
            ("schedule", article_id, staff.id, "published", "published", "Pier"),
            ("publish", article_id, staff.id, "published", "published", "Pier"),
            ("unpublish", article_id, staff.id, "published", "draft", "Pier"),
        ]
        delete_article(saved.article, staff.id)
        # The article is gone, and with it every row's article_id; the title stays.
        assert audit_log()[-1] == ("delete", None, staff.id, "draft", None, "Pier")
        assert {row.article_id for row in audit_log()} == {None}


def test_only_editorial_actions_are_recorded(app):
    with app.app_context():
        article = make_article()
        db.session.commit()
        with pytest.raises(ValueError, match="not an editorial action"):
            record_editorial_action(article, "approve", None, "published", "published")


# --- Categories and tags ---------------------------------------------------------------------


def test_categories_are_created_with_a_free_slug(app):
    with app.app_context():
        city = create_category("City desk")
        assert (city.name, city.slug) == ("City desk", "city-desk")
        with pytest.raises(Refused, match="already taken") as refused:
            create_category("City  Desk!")
        assert refused.value.field == "slug"
        with pytest.raises(Refused, match="cannot be empty"):
            create_category("   ")


def test_a_tag_name_cannot_hold_the_editors_separator(app):
    with app.app_context():
        tag = make_tag(name="budgets")
        db.session.commit()
        with pytest.raises(Refused, match="comma") as refused:
            rename(tag, "budgets, 2026")
        assert refused.value.field == "name"


def test_tags_are_found_by_name_even_with_a_slug_of_their_own(app):
    with app.app_context():
        money = make_tag(name="Budgets")
        db.session.commit()
        rename(money, "Budgets", "money")
        assert tags_named(["budgets"]) == [money]
