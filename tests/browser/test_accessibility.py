"""axe-core finds no WCAG 2.1 A or AA violation on the pages people use most."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser

from blog.extensions import db
from blog.models import Article, Comment
from blog.privacy.links import data_token
from tests.articles.pictures import pictured_story
from tests.browser.conftest import IMPORTED_SLUG, STAFF_PASSWORD, STAFF_USERNAME

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        message = "axe-core is not installed: run `npm ci --prefix tests/browser`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text()


def violations(page, axe_source: str) -> list[str]:
    """axe's WCAG 2.1 A/AA violations on the page, one readable line each."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_21_AA,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def comment_id(app) -> int:
    with app.app_context():
        article = db.session.scalar(sa.select(Article).where(Article.slug == IMPORTED_SLUG))
        return db.session.scalar(
            sa.select(Comment.id)
            .where(Comment.article_id == article.id, Comment.status == "approved")
            .limit(1)
        )


def data_link(app) -> str:
    """The token of a "Your data" link for the demo's harbour master."""
    with app.app_context():
        return data_token("master@harbour.example")


@pytest.fixture(scope="module")
def pictured(live_app) -> dict[str, str]:
    """A featured article with a captioned lead image, by an author with a photo."""
    return pictured_story(live_app)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reader_pages_have_no_violations(
    browser: Browser, live_app, live_server, axe_source, scheme, pictured
):
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    page = context.new_page()
    pages = {
        "home": "/",
        "article with an open reply form": (
            f"/articles/{IMPORTED_SLUG}?replytocom={comment_id(live_app)}#respond"
        ),
        # The demo conversation: nested replies, a staff badge, a comment shown as edited.
        "article with the demo comments": "/articles/the-harbour-ferry-that-refused-to-retire",
        "author": "/authors/priya-castell",
        "article with a captioned lead image": pictured["article"],
        "author with a photo": pictured["author"],
        "category, its lead story": pictured["category"],
        "home, page 2": "/?page=2",
        "search": "/search?q=tide",
        "login": "/login",
        "forgotten password": "/login/forgot",
        "archive": "/archive/",
        "archive, a month": "/archive/2026/11/",
        "report a comment": f"/comments/{comment_id(live_app)}/report",
        "privacy": "/privacy",
        "your data": "/your-data",
        "your data, sent": "/your-data/sent",
        "your data, the link's page": f"/your-data/link/{data_link(live_app)}",
        "your data, erased": "/your-data/erased",
    }
    found = {}
    for name, path in pages.items():
        page.goto(live_server + path)
        found[name] = violations(page, axe_source)
    context.close()
    assert found == {name: [] for name in pages}


def test_the_moderation_queue_has_no_violations(browser: Browser, live_server, axe_source):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Username").fill(STAFF_USERNAME)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    found = {}
    queue = ("/admin/comments", "/admin/comments?status=reported")
    outbox = ("/admin/outbox/", "/admin/outbox/folder", "/admin/readers-data/")
    for path in ("/admin/", *queue, "/admin/articles", "/admin/articles/new", *outbox):
        page.goto(live_server + path)
        found[path] = violations(page, axe_source)
    context.close()
    assert found == {path: [] for path in found}


def test_the_check_itself_catches_a_violation(browser: Browser, axe_source):
    """A control: a page with a known fault must fail, or the checks above prove nothing."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content('<html lang="en"><title>x</title><main><img src="x.png"></main></html>')
    found = violations(page, axe_source)
    context.close()
    assert any(line.startswith("image-alt") for line in found), found
