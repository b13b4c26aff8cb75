"""Importing Markdown files with front matter: the parsing rules and the command."""

from __future__ import annotations

from datetime import UTC, datetime
from textwrap import dedent

import pytest
import sqlalchemy as sa

from blog.cli import DEMO_DIR
from blog.editorial.importer import ArticleFileError, parse_article
from blog.extensions import db
from blog.models import Article, Author, Category, Tag

GOOD = dedent(
    """\
    ---
    title: Rain returns to the valley
    author: Ada Brook
    author_bio: Ada covers the weather.
    summary: After a dry summer, the first storms arrive.
    source: Met Office bulletin
    source_url: https://example.org/bulletin
    published: 2026-10-01 08:15
    category: Science
    tags: [weather, Farming]
    ---
    The first paragraph.

    The second paragraph.
    """
)


def write(tmp_path, text, name="article.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_parses_fully():
    data = parse_article(GOOD)
    assert data.title == "Rain returns to the valley"
    assert data.slug == "rain-returns-to-the-valley"
    assert data.published == datetime(2026, 10, 1, 8, 15, tzinfo=UTC)
    assert data.tags == ["weather", "Farming"]
    assert data.source_url == "https://example.org/bulletin"
    assert data.body.startswith("The first paragraph.")
    assert data.status == "published"


def test_a_plain_date_and_an_explicit_zone_are_understood():
    assert parse_article(GOOD.replace("2026-10-01 08:15", "2026-10-01")).published == datetime(
        2026, 10, 1, tzinfo=UTC
    )
    zoned = parse_article(GOOD.replace("2026-10-01 08:15", '"2026-10-01T10:15:00+02:00"'))
    assert zoned.published == datetime(2026, 10, 1, 8, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Just a body, no front matter.\n", "no front matter"),
        ("---\ntitle: x\nauthor: y\nbody without a closing line\n", "not closed"),
        (GOOD.replace("title: Rain returns to the valley\n", ""), "missing 'title'"),
        (GOOD.replace("author: Ada Brook\n", ""), "missing 'author'"),
        (GOOD.replace("author: Ada Brook", 'author: "\\u200b\\u200b"'), "no visible"),
        (GOOD.replace("Rain returns to the valley", '"\\u2060"'), "no visible"),
        (GOOD.replace("2026-10-01 08:15", "next tuesday"), "'published' is not a date"),
        (GOOD.replace("https://example.org/bulletin", "javascript:alert(1)"), "http or https"),
        (GOOD.replace("https://example.org/bulletin", "ftp://example.org/x"), "http or https"),
        (GOOD.replace("category: Science", "category: [a"), "not valid YAML"),
        (GOOD.replace("category: Science", "colour: blue"), "unknown key"),
        (GOOD.replace("category: Science", "status: archived"), "draft or published"),
        (GOOD.split("---\nThe first")[0] + "---\n", "no body"),
    ],
)
def test_bad_files_are_refused_with_the_problem_named(text, problem):
    with pytest.raises(ArticleFileError, match=problem):
        parse_article(text)


def test_import_creates_the_article_author_category_and_tags(app, runner, tmp_path):
    result = runner.invoke(args=["import-article", str(write(tmp_path, GOOD))])
    assert result.exit_code == 0, result.output
    with app.app_context():
        article = db.session.scalar(sa.select(Article))
        assert article.slug == "rain-returns-to-the-valley"
        assert article.author.name == "Ada Brook"
        assert article.author.bio == "Ada covers the weather."
        assert article.category.name == "Science"
        assert sorted(t.slug for t in article.tags) == ["farming", "weather"]
        assert "<p>The second paragraph.</p>" in article.body_html
        assert not article.was_updated


def test_importing_twice_updates_instead_of_duplicating(app, runner, tmp_path):
    path = write(tmp_path, GOOD)
    assert runner.invoke(args=["import-article", str(path)]).exit_code == 0
    path.write_text(GOOD.replace("The second paragraph.", "A corrected paragraph."))
    assert runner.invoke(args=["import-article", str(path)]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(Author.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(Tag.id))) == 2
        assert "A corrected paragraph." in db.session.scalar(sa.select(Article)).body_html


def test_a_bad_file_gets_one_line_exit_1_and_writes_nothing(app, runner, tmp_path):
    bad_text = GOOD.replace("2026-10-01 08:15", "soon").replace("Ada Brook", "Only In Bad")
    bad = write(tmp_path, bad_text, "bad.md")
    good = write(tmp_path, GOOD.replace("Rain returns", "Sun returns"), "good.md")
    result = runner.invoke(args=["import-article", str(bad), str(good)])
    assert result.exit_code == 1
    error_lines = [line for line in result.output.splitlines() if "bad.md" in line]
    assert error_lines == [f"{bad}: 'published' is not a date: 'soon'"]
    with app.app_context():
        assert db.session.scalars(sa.select(Article.slug)).all() == ["sun-returns-to-the-valley"]
        assert db.session.scalars(sa.select(Author.name)).all() == ["Ada Brook"]


def test_a_missing_file_is_reported_not_a_traceback(runner, tmp_path):
    result = runner.invoke(args=["import-article", str(tmp_path / "nope.md")])
    assert result.exit_code == 1
    assert "nope.md" in result.output and "Traceback" not in result.output


def test_load_demo_loads_authors_articles_and_categories(app, runner):
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        authors = db.session.scalars(sa.select(Author)).all()
        assert len(authors) >= 3 and all(a.bio for a in authors)
        assert len(db.session.scalars(Article.published()).all()) >= 8
        assert db.session.scalar(sa.select(sa.func.count(Category.id))) >= 3
        with_source = db.session.scalars(sa.select(Article).where(Article.source_name.isnot(None)))
        assert len(with_source.all()) >= 2
    assert len(list(DEMO_DIR.glob("*.md"))) >= 8


def test_load_demo_if_empty_leaves_an_existing_site_alone(app, runner):
    runner.invoke(args=["load-demo"])
    result = runner.invoke(args=["load-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "already has articles" in result.output


def test_nul_characters_are_dropped_from_a_file():
    data = parse_article(GOOD.replace("The first paragraph.", "The first\x00 paragraph."))
    assert "\x00" not in data.body and data.body.startswith("The first paragraph.")


def test_a_new_file_cannot_take_another_articles_old_slug(app, runner, tmp_path):
    from blog.editorial.publishing import move_to_slug

    path = write(tmp_path, GOOD)
    assert runner.invoke(args=["import-article", str(path)]).exit_code == 0
    with app.app_context():
        move_to_slug(db.session.scalar(sa.select(Article)), "valley-rain")
        db.session.commit()
    result = runner.invoke(args=["import-article", str(path)])
    assert result.exit_code == 1
    assert 'was used by "Rain returns to the valley" before' in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Article.slug)).all() == ["valley-rain"]


def test_a_tag_with_a_comma_is_refused():
    with pytest.raises(ArticleFileError, match="comma"):
        parse_article(GOOD.replace("tags: [weather, Farming]", 'tags: ["weather, rain"]'))
