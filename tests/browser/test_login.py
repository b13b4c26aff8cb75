"""Logging in and out in a real browser: what the browser keeps afterwards."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import STAFF_PASSWORD, STAFF_USERNAME


def log_in_remembered(page: Page, base_url: str, username: str, password: str) -> None:
    """Log in through the form with Remember me ticked, and land on the dashboard."""
    page.goto(base_url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Remember me").check()
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def cookie_names(context: BrowserContext) -> set[str]:
    """The names of every cookie the browser holds."""
    return {cookie["name"] for cookie in context.cookies()}


def test_logging_out_leaves_no_remember_cookie_in_the_browser(browser: Browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    log_in_remembered(page, live_server, STAFF_USERNAME, STAFF_PASSWORD)
    assert "remember_token" in cookie_names(context)
    page.get_by_role("navigation", name="Staff").get_by_role("button", name="Log out").click()
    expect(page.locator(".flash")).to_have_text("You have logged out.")
    assert "remember_token" not in cookie_names(context)
    context.close()
