"""The staff area in a real browser: its menu on one line with Log out, the account page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from blog.extensions import db
from blog.models import Article, Comment, Staff
from tests.browser.conftest import (
    IMPORTED_SLUG,
    STAFF_DISPLAY_NAME,
    STAFF_USERNAME,
)
from tests.browser.test_accessibility import axe_source, violations  # noqa: F401 - a fixture
from tests.browser.test_writing import log_in


def menu_rows(page: Page) -> int:
    """How many lines the staff menu's items take."""
    tops = page.locator(".staff-nav li").evaluate_all(
        "items => items.map(item => Math.round(item.getBoundingClientRect().top))"
    )
    return len(set(tops))


def overflows(page: Page) -> bool:
    """Whether the page is wider than the window (a sideways scroll)."""
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_at_desktop_width_the_menu_is_one_line_and_log_out_is_in_it(
    browser: Browser, live_server, screenshot
):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server)
    menu = page.get_by_role("navigation", name="Staff")
    for name in ("Dashboard", "Articles", "Staff", "Audit log", "Your account"):
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.locator(".site-search")).to_have_count(0)  # not the reader's masthead
    assert menu_rows(page) == 1
    for path in ("/admin/articles", "/admin/audit", "/admin/comments"):
        page.goto(live_server + path)
        assert menu_rows(page) == 1, path
        assert not overflows(page), path
        assert page.locator("main").bounding_box()["width"] > 1000, path  # not the 46rem column
    screenshot(page, "menu")
    menu.get_by_role("button", name="Log out").click()
    expect(page.locator(".flash")).to_have_text("You have logged out.")
    page.goto(live_server + "/admin/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    context.close()


def test_on_a_phone_the_menu_wraps_and_nothing_runs_off_the_screen(
    browser: Browser, live_server, screenshot
):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server)
    for path in ("/admin/", "/admin/comments", "/admin/articles", "/admin/audit", "/admin/account"):
        page.goto(live_server + path)
        assert not overflows(page), path
        log_out = page.get_by_role("navigation", name="Staff").get_by_role("button", name="Log out")
        expect(log_out).to_be_in_viewport()
    screenshot(page, "phone")
    context.close()


@pytest.fixture
def staff_reply(live_app):
    """A published staff reply under the imported article; the old name is put back after."""
    with live_app.app_context():
        staff = db.session.scalar(sa.select(Staff).where(Staff.username == STAFF_USERNAME))
        article = db.session.scalar(sa.select(Article).where(Article.slug == IMPORTED_SLUG))
        reply = Comment(
            article_id=article.id,
            status="approved",
            author_name=staff.display_name,
            author_email="desk@staff.invalid",
            body="The desk is on it.",
            staff_id=staff.id,
        )
        db.session.add(reply)
        db.session.commit()
        reply_id = reply.id
    yield reply_id
    with live_app.app_context():
        staff = db.session.scalar(sa.select(Staff).where(Staff.username == STAFF_USERNAME))
        staff.display_name = STAFF_DISPLAY_NAME
        db.session.execute(sa.delete(Comment).where(Comment.id == reply_id))
        db.session.commit()


def test_a_new_public_name_is_saved_and_signs_the_replies_readers_see(
    browser: Browser, live_server, staff_reply, screenshot
):
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Your account").click()
    name = page.get_by_label("Display name")
    expect(name).to_have_value(STAFF_DISPLAY_NAME)
    name.fill(STAFF_USERNAME.upper())
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#display_name-error")).to_contain_text("Readers would see your username")
    expect(name).to_have_value(STAFF_USERNAME.upper())
    screenshot(page, "refused")
    name.fill("Coast Editor")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Your account is updated.")
    expect(page.locator(".staff-footer")).to_contain_text("Logged in as Coast Editor")

    reader = browser.new_context().new_page()
    reader.goto(f"{live_server}/articles/{IMPORTED_SLUG}")
    expect(reader.locator(f"#comment-{staff_reply}")).to_contain_text("Coast Editor")
    reader.context.close()
    context.close()


def test_the_account_and_audit_pages_have_no_violations(
    browser: Browser,
    live_server,
    axe_source,  # noqa: F811 - the fixture imported above
):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    log_in(page, live_server)
    found = {}
    for path in ("/admin/account", "/admin/audit", "/admin/password", "/admin/staff"):
        page.goto(live_server + path)
        found[path] = violations(page, axe_source)
    context.close()
    assert found == {path: [] for path in found}
