"""A commenter edits, then deletes, their own comment in a real browser."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.test_comments import article_url, fill_comment


def test_a_commenter_fixes_a_typo_then_deletes_the_comment(
    browser: Browser, live_server, screenshot
):
    writer = browser.new_context()
    page = writer.new_page()
    page.goto(article_url(live_server))
    fill_comment(page, body="The tide tabels are late.", email="typo@example.com")
    page.get_by_role("button", name="Post Comment").click()
    mine = page.locator(".comment.is-pending", has_text="The tide tabels are late.")
    expect(mine).to_be_visible()
    mine.get_by_role("link", name="Edit your comment").click()
    box = page.get_by_role("textbox", name="Comment")
    expect(box).to_have_value("The tide tabels are late.")
    box.fill("The tide tables are late.")
    screenshot(page, "edit-form")
    page.set_viewport_size({"width": 390, "height": 800})
    screenshot(page, "edit-form-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".comment-flash")).to_contain_text("Your comment was updated.")
    expect(page.locator(".comment", has_text="The tide tables are late.")).to_be_visible()
    expect(page.get_by_text("The tide tabels are late.")).to_have_count(0)

    other = browser.new_context().new_page()  # another reader: no Edit link, no pending text
    other.goto(article_url(live_server))
    expect(other.locator(".edit-link")).to_have_count(0)
    other.context.close()

    page.locator(".comment", has_text="The tide tables are late.").get_by_role(
        "link", name="Edit your comment"
    ).click()
    page.get_by_role("button", name="Delete my comment").click()
    expect(page.locator(".comment-flash")).to_have_text("Your comment was deleted.")
    expect(page.get_by_text("The tide tables are late.")).to_have_count(0)
    writer.close()
