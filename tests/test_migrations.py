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
