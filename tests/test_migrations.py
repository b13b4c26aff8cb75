"""The migrations build the schema from nothing, and match the models exactly."""

from __future__ import annotations

import sqlalchemy as sa

from blog.extensions import db


def test_upgrade_builds_the_schema_and_check_finds_nothing_to_add(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with empty_app.app_context():
        names = set(sa.inspect(db.engine).get_table_names())
    assert {"articles", "authors", "categories", "tags", "article_tags", "comments"} <= names
    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output


def test_downgrade_removes_everything_it_built(empty_app):
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    with empty_app.app_context():
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}


def test_upgrading_keeps_comments_and_fills_in_their_depth_and_html(empty_app):
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0001_initial"]).exit_code == 0
    with empty_app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO authors (id, name, slug, bio) VALUES (1, 'A', 'a', '')"))
        conn.execute(
            sa.text(
                "INSERT INTO articles (id, title, slug, summary, body_markdown, body_html,"
                " author_id, status, created_at, updated_at, comments_open)"
                " VALUES (1, 'T', 't', '', 'b', '<p>b</p>', 1, 'published', :now, :now, :yes)"
            ),
            {"now": "2026-01-01 00:00:00", "yes": True},
        )
        for comment_id, parent in ((1, None), (2, 1), (3, 2)):
            conn.execute(
                sa.text(
                    "INSERT INTO comments (id, article_id, parent_id, status, author_name,"
                    " author_email, body, created_at)"
                    " VALUES (:id, 1, :parent, 'approved', 'N', 'n@example.com', :body, :now)"
                ),
                {
                    "id": comment_id,
                    "parent": parent,
                    "body": f"see https://x.example/{comment_id}",
                    "now": "2026-01-01 00:00:00",
                },
            )
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with empty_app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, depth, body_html FROM comments ORDER BY id")).all()
    assert [(r.id, r.depth) for r in rows] == [(1, 1), (2, 2), (3, 3)]
    assert 'href="https://x.example/3"' in rows[2].body_html


def test_after_every_migration_search_finds_a_new_article(empty_app):
    """A migration that rebuilds the articles table (SQLite's batch mode) drops the search's
    triggers unless it installs them again: an article saved afterwards would never be found."""
    from blog.search import search
    from tests.factories import make_article

    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with empty_app.app_context():
        article = make_article(title="Lighthouse keepers return", body_markdown="Gannets nest.")
        db.session.commit()
        assert [hit.article.id for hit in search("gannets", page=1, per_page=10).hits] == [
            article.id
        ]
