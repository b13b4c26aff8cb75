"""Command-line tools: flask import-article, flask load-demo."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from blog.extensions import db
from blog.importer import ArticleFileError, parse_article_file, save_article
from blog.models import Article

DEMO_DIR = Path(__file__).parent / "demo"


def import_files(paths: list[Path]) -> int:
    """Import each file in its own transaction; report bad ones. Returns how many failed."""
    failures = 0
    for path in paths:
        try:
            data = parse_article_file(path)
            article = save_article(data)
            db.session.commit()
        except ArticleFileError as exc:
            db.session.rollback()
            failures += 1
            click.echo(f"{path}: {exc}", err=True)
        except sa.exc.SQLAlchemyError as exc:
            db.session.rollback()
            failures += 1
            click.echo(f"{path}: could not be saved ({exc.__class__.__name__})", err=True)
        else:
            click.echo(f"{path}: imported as /articles/{article.slug}")
    return failures


@click.command("import-article")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@with_appcontext
def import_article_command(files: tuple[Path, ...]) -> None:
    """Import Markdown files with YAML front matter, updating articles with the same slug."""
    if import_files(list(files)):
        raise SystemExit(1)


@click.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when articles already exist.")
@with_appcontext
def load_demo_command(if_empty: bool) -> None:
    """Load the demo authors and articles."""
    if if_empty and db.session.scalar(sa.select(sa.func.count(Article.id))):
        click.echo("The database already has articles; demo content not loaded.")
        return
    if import_files(sorted(DEMO_DIR.glob("*.md"))):
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    """Register the commands; Flask's CLI runs them inside an app context."""
    app.cli.add_command(import_article_command)
    app.cli.add_command(load_demo_command)
