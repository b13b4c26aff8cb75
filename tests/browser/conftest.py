"""A live server and Debian's Chromium for the browser tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from blog.extensions import db
from blog.models import Article, Comment
from tests.conftest import build_app, dispose_when_idle, fresh_database, serving

CHROMIUM = os.environ.get("BLOG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
IMPORTED_SLUG = "tide-tables-go-digital-after-a-century-on-paper"
STAFF_USERNAME = "desk"
STAFF_PASSWORD = "a newsroom passphrase"
STAFF_DISPLAY_NAME = "Night Editor"

#: The article the browser tests import from a front-matter file, as an editor would.
IMPORTED_ARTICLE = dedent(
    """\
    ---
    title: Tide tables go digital after a century on paper
    author: Priya Castell
    author_bio: Priya Castell covers the coast, its trades and its weather for The Ledger.
    summary: The harbour office has stopped printing its tide almanac. Fishers are split.
    source: Harbour office notice
    source_url: https://example.org/harbour/tides
    published: 2026-11-27 06:00
    category: Coast
    tags: [tides, harbour]
    ---
    For a hundred and four years the almanac came out every December.

    This year there will be an app instead, and a laminated card for the pier.

    The older boat owners have already asked for the card in a larger font.
    """
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives the browser."""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """Launch Debian's Chromium; skip without it, except in CI where a skip would hide a gap."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = (
            f"Chromium not found at {CHROMIUM}; install it with "
            "`apt-get install -y --no-install-recommends chromium`"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def live_server(live_site: tuple[Flask, str]) -> str:
    """The live site's base URL."""
    return live_site[1]


@pytest.fixture(scope="session")
def live_app(live_site: tuple[Flask, str]) -> Flask:
    """The live site's app, for setting up rows the way a test needs them."""
    return live_site[0]


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    """The site with demo content, one imported article and a staff account, from a thread."""
    tmp_path = tmp_path_factory.mktemp("live")
    with fresh_database(tmp_path) as database:
        app = build_app(database, TESTING=False, CACHE_TYPE="SimpleCache")
        with app.app_context():
            db.create_all()
        article_file = tmp_path / "tides.md"
        article_file.write_text(IMPORTED_ARTICLE, encoding="utf-8")
        runner = app.test_cli_runner()
        for args in (["load-demo"], ["import-article", str(article_file)]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
        result = runner.invoke(
            args=[
                "create-admin",
                STAFF_USERNAME,
                "--password-stdin",
                "--display-name",
                STAFF_DISPLAY_NAME,
            ],
            input=STAFF_PASSWORD + "\n",
        )
        assert result.exit_code == 0, result.output
        with app.app_context():
            article = db.session.scalar(sa.select(Article).where(Article.slug == IMPORTED_SLUG))
            db.session.add(
                Comment(
                    article_id=article.id,
                    status="approved",
                    author_name="Harbour Master",
                    author_email="master@harbour.example",
                    body="The card will be ready.",
                )
            )
            db.session.commit()

        try:
            with serving(make_server("127.0.0.1", 0, app, threaded=True)) as url:
                yield app, url
        finally:
            dispose_when_idle(app)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest):
    """screenshot(page, name) saves a full-page PNG under tests/browser/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page, name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
