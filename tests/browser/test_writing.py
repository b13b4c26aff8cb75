"""An editor writes, previews and publishes in the browser; readers find the article."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from blog.extensions import db
from blog.models import Article, utcnow
from tests.browser.conftest import IMPORTED_SLUG, STAFF_PASSWORD, STAFF_USERNAME
from tests.browser.test_accessibility import axe_source, violations  # noqa: F401 - a fixture
from tests.editorial.stored import stored_article


def log_in(page: Page, live_server: str) -> None:
    page.goto(live_server + "/login")
    page.get_by_label("Username").fill(STAFF_USERNAME)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def fill_article(page: Page, title: str, body: str) -> None:
    page.get_by_role("textbox", name="Title", exact=True).fill(title)
    page.get_by_label("Summary (standfirst)").fill("A standfirst written in the browser.")
    page.get_by_label("Body (Markdown)").fill(body)
    page.get_by_label("Tags (separated by commas)").fill("browser, writing")


def test_an_editor_drafts_previews_and_publishes(browser: Browser, live_server, screenshot):
    editor = browser.new_context()
    page = editor.new_page()
    log_in(page, live_server)
    page.get_by_role("link", name="Articles").click()
    page.get_by_role("link", name="Write a new article").click()
    fill_article(
        page,
        "Kelp farms spread along the coast",
        "Growers say kelp needs no feed.\n\n## Why now\n\nPrices for **seaweed** rose.",
    )
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Draft saved.")

    reader = browser.new_context()
    anonymous = reader.new_page()
    anonymous.goto(live_server + "/")
    expect(anonymous.get_by_text("Kelp farms spread along the coast")).to_have_count(0)

    page.get_by_label("Body (Markdown)").fill(
        "Growers say kelp needs no feed.\n\n## Why now\n\nPrices for **seaweed** rose, says "
        "[the co-op](https://example.org/kelp)."
    )
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".editor-preview")
    expect(preview.locator("h1")).to_have_text("Kelp farms spread along the coast")
    expect(preview.locator(".article-body h2")).to_have_text("Why now")  # the body starts at h2
    # The preview sits on the editor's page: the form is still there, as typed, unsaved.
    expect(page.get_by_label("Body (Markdown)")).to_have_value(re.compile("the co-op"))
    expect(page.get_by_label("Tags (separated by commas)")).to_have_value("browser, writing")
    # A link in the preview opens a new tab; the editor's page stays where it is.
    with editor.expect_page() as opened:
        preview.get_by_role("link", name="the co-op").click()
    opened.value.close()
    assert page.url.endswith("/edit")
    screenshot(page, "preview")

    page.get_by_label("Status").select_option("published")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Article published.")

    anonymous.goto(live_server + "/")
    anonymous.get_by_role("link", name="Kelp farms spread along the coast").click()
    expect(anonymous.locator(".article-body strong")).to_have_text("seaweed")
    anonymous.goto(live_server + "/")
    anonymous.get_by_label("Search articles").fill("kelp seaweed")
    anonymous.get_by_role("button", name="Search").click()
    result = anonymous.locator(".search-results .card-title a")
    expect(result).to_have_text(["Kelp farms spread along the coast"])
    expect(anonymous.locator(".snippet mark").first).to_be_visible()
    screenshot(anonymous, "search")
    editor.close()
    reader.close()


def test_a_scheduled_article_stays_hidden_until_its_time(browser: Browser, live_app, live_server):
    editor = browser.new_context()
    page = editor.new_page()
    log_in(page, live_server)
    page.goto(live_server + "/admin/articles/new")
    fill_article(page, "Tomorrow's tide tables", "Published later.")
    page.get_by_label("Status").select_option("published")
    later = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Publication time (UTC)").fill(later)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text(re.compile(r"^Article scheduled for .* UTC\.$"))

    with live_app.app_context():
        slug = db.session.scalar(
            sa.select(Article.slug).where(Article.title == "Tomorrow's tide tables")
        )
    reader = browser.new_context()
    anonymous = reader.new_page()
    response = anonymous.goto(f"{live_server}/articles/{slug}")
    assert response.status == 404
    anonymous.goto(live_server + "/search?q=tomorrow")
    expect(anonymous.get_by_text("Tomorrow's tide tables")).to_have_count(0)

    with live_app.app_context():  # time passes
        article = db.session.scalar(sa.select(Article).where(Article.slug == slug))
        article.published_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert anonymous.goto(f"{live_server}/articles/{slug}").status == 200
    editor.close()
    reader.close()


@pytest.fixture
def closed_article(live_app) -> Iterator[int]:
    """The imported article, which uses every field, with comments closed for one test."""
    with live_app.app_context():
        article = db.session.scalar(sa.select(Article).where(Article.slug == IMPORTED_SLUG))
        article.comments_open = False
        db.session.commit()
        article_id = article.id
    yield article_id
    with live_app.app_context():  # as the other tests expect it
        db.session.get(Article, article_id).comments_open = True
        db.session.commit()


def test_saving_an_untouched_article_changes_nothing(
    browser: Browser, live_app, live_server, closed_article
):
    article_id = closed_article
    before = stored_article(live_app, article_id)
    reader = browser.new_context()
    anonymous = reader.new_page()
    public_before = public_article(anonymous, live_server)

    editor = browser.new_context()
    page = editor.new_page()
    log_in(page, live_server)
    page.goto(f"{live_server}/admin/articles/{article_id}/edit")
    expect(page.get_by_label("Tags (separated by commas)")).to_have_value("harbour, tides")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Nothing changed, so nothing was saved.")
    for label, value in (
        ("Title", "Tide tables go digital after a century on paper"),
        ("Slug", IMPORTED_SLUG),
        ("Source name", "Harbour office notice"),
        ("Source URL", "https://example.org/harbour/tides"),
        ("Tags (separated by commas)", "harbour, tides"),
        ("Publication time (UTC)", "2026-11-27T06:00"),
    ):
        expect(page.get_by_role("textbox", name=label, exact=True)).to_have_value(value)
    expect(page.get_by_label("Comments open")).not_to_be_checked()
    assert stored_article(live_app, article_id) == before
    assert public_article(anonymous, live_server) == public_before
    editor.close()
    reader.close()


def public_article(page: Page, live_server: str) -> str:
    """The article as readers see it: the article and its author box (not the comment form)."""
    page.goto(f"{live_server}/articles/{IMPORTED_SLUG}")
    return page.locator(".article").inner_html() + page.locator(".author-box").inner_html()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_editor_with_its_preview_has_no_violations(
    browser: Browser,
    live_server,
    axe_source,  # noqa: F811 - the fixture imported above
    scheme,
    screenshot,
):
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    page = context.new_page()
    log_in(page, live_server)
    page.goto(f"{live_server}/admin/articles?q=tide")
    page.get_by_role("link", name="Tide tables go digital after a century on paper").click()
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".editor-preview .headline")).to_be_visible()
    found = {"editor with preview": violations(page, axe_source)}
    screenshot(page, scheme)
    page.goto(f"{live_server}/admin/categories")
    found["categories"] = violations(page, axe_source)
    context.close()
    assert found == {"editor with preview": [], "categories": []}
