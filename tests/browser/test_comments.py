"""Commenting in a real browser: posting, privacy of pending comments, refusals, replies."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import IMPORTED_SLUG


def article_url(live_server: str) -> str:
    return f"{live_server}/articles/{IMPORTED_SLUG}"


def fill_comment(page: Page, *, body: str, name: str = "Morwenna", email: str = "mor@example.com"):
    page.get_by_role("textbox", name="Comment", exact=True).fill(body)
    page.get_by_role("textbox", name="Name", exact=True).fill(name)
    page.get_by_role("textbox", name="Email", exact=True).fill(email)


def test_a_reader_posts_a_comment_and_sees_it_awaiting_moderation(
    browser: Browser, live_server, screenshot
):
    writer = browser.new_context()
    page = writer.new_page()
    page.goto(article_url(live_server))
    fill_comment(page, body="Will the card list spring tides too?")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator(".comment-flash")).to_have_text("Your comment is awaiting moderation.")
    mine = page.locator(".comment.is-pending", has_text="Will the card list spring tides too?")
    expect(mine).to_be_visible()
    expect(mine.locator(".awaiting-moderation")).to_have_text(
        "Your comment is awaiting moderation."
    )
    assert "#comment-" in page.url
    screenshot(page, "awaiting-moderation")

    reader = browser.new_context()
    other = reader.new_page()
    other.goto(article_url(live_server))
    expect(other.locator(".comment", has_text="Harbour Master")).to_be_visible()
    expect(other.get_by_text("Will the card list spring tides too?")).to_have_count(0)
    writer.close()
    reader.close()


def test_a_refused_comment_keeps_what_was_typed(page: Page, live_server, screenshot):
    page.goto(article_url(live_server))
    fill_comment(page, body="A long thought I would hate to lose.", email="not an email")
    page.get_by_role("textbox", name="Website", exact=True).fill("https://morwenna.example")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#email-error")).to_have_text("Please enter a valid email address.")
    expect(page.locator(".form-errors")).to_contain_text("Your comment was not sent.")
    expect(page.get_by_role("textbox", name="Comment", exact=True)).to_have_value(
        "A long thought I would hate to lose."
    )
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_value("Morwenna")
    expect(page.get_by_role("textbox", name="Email", exact=True)).to_have_value("not an email")
    expect(page.get_by_role("textbox", name="Website", exact=True)).to_have_value(
        "https://morwenna.example"
    )
    expect(page.get_by_role("textbox", name="Email", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    screenshot(page, "refused")


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_a_refused_comment_lands_the_reader_on_the_error_summary(
    browser: Browser, live_server, screenshot, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        for url in (article_url(live_server), article_url(live_server) + "?replytocom=1#respond"):
            page.goto(url)
            fill_comment(page, body="Worth keeping.", email="not an email")
            page.locator(".comment-form button[type=submit]").click()
            summary = page.locator("#form-errors")
            expect(summary).to_contain_text("Your comment was not sent.")
            expect(summary).to_be_in_viewport()
            top = summary.evaluate("el => el.getBoundingClientRect().top")
            assert 0 <= top < height / 3, top  # at the top of the screen, not somewhere below
            assert page.evaluate("window.scrollY") > 0  # the page did not open at its top
            assert summary.get_attribute("tabindex") == "-1"
            assert summary.get_attribute("role") == "alert"
        screenshot(page, f"refused-{width}")
    finally:
        context.close()


def test_reply_link_works_without_javascript(browser: Browser, live_server, screenshot):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(article_url(live_server))
        page.get_by_role("link", name="Reply to Harbour Master").click()
        assert "replytocom=" in page.url and page.url.endswith("#respond")
        expect(page.locator(".replying-to")).to_contain_text("Replying to Harbour Master.")
        expect(page.get_by_role("link", name="Cancel reply")).to_be_visible()
        fill_comment(
            page, body="Thank you, that settles it.", name="Morwenna", email="mor2@example.com"
        )
        page.get_by_role("button", name="Post Reply").click()
        reply = page.locator(".comment .children .comment", has_text="Thank you, that settles it.")
        expect(reply).to_be_visible()
        screenshot(page, "reply")
    finally:
        context.close()


def test_the_comment_form_is_usable_by_keyboard_alone(page: Page, live_server):
    page.goto(article_url(live_server))
    page.get_by_role("textbox", name="Comment", exact=True).focus()
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("name", "name")
    assert focused.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"  # visible
    page.keyboard.type("Keyboard Kit")
    page.keyboard.press("Tab")
    page.keyboard.type("kit@example.com")
    page.keyboard.press("Tab")  # website
    page.keyboard.press("Tab")  # the honeypot is skipped: next are the checkboxes
    expect(page.locator(":focus")).to_have_attribute("name", "remember")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("name", "notify_replies")
    page.keyboard.press("Space")  # ticked from the keyboard
    expect(page.locator(":focus")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("name", "notify_article")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Post Comment")
    page.keyboard.press("Enter")
    flash = page.locator(".comment-flash")
    expect(flash).to_contain_text("Your comment is awaiting moderation.")
    expect(flash).to_contain_text("look for our email asking you to confirm it")
