"""A reader reports a comment in a real browser; an editor sees it in the Reported tab."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from blog.extensions import db
from blog.models import Comment
from tests.browser.conftest import IMPORTED_SLUG
from tests.browser.test_moderation import add_comment, log_in


def test_a_reader_reports_a_comment_and_the_editor_sees_why(
    browser: Browser, live_app, live_server, screenshot
):
    comment_id = add_comment(
        live_app,
        "Cheap tide tables at my site, click now!",
        status="approved",
        author_name="Shouty Sam",
        email="sam@example.com",
    )
    reader = browser.new_context()
    page = reader.new_page()
    page.goto(f"{live_server}/articles/{IMPORTED_SLUG}")
    assert reader.cookies() == []
    page.locator(f"#comment-{comment_id}").get_by_role("link", name="Report").click()
    expect(
        page.get_by_role("heading", name="Ask a moderator to look at this comment")
    ).to_be_visible()
    expect(page.locator(".reported-comment")).to_contain_text("Cheap tide tables")
    page.get_by_role("button", name="Report comment").click()  # no reason chosen yet
    expect(page.locator("#reason-error")).to_have_text("Please choose a reason.")
    page.get_by_label("Spam").check()
    page.get_by_label("Anything a moderator should know (optional)").fill("Posted on every story.")
    screenshot(page, "form")
    page.set_viewport_size({"width": 390, "height": 800})
    screenshot(page, "form-390")
    page.get_by_role("button", name="Report comment").click()
    expect(page.locator(".comment-flash")).to_have_text(
        "Thank you. A moderator will look at this comment."
    )
    expect(page.locator(f"#comment-{comment_id}")).to_be_visible()
    reader.close()

    staff = browser.new_context()
    desk = staff.new_page()
    log_in(desk, live_server)
    desk.goto(f"{live_server}/admin/comments?status=reported")
    row = desk.locator(f"#row-{comment_id}")
    expect(row.locator(".queue-reports")).to_contain_text("Reported by 1 reader")
    expect(row.locator(".queue-reports")).to_contain_text("Posted on every story.")
    screenshot(desk, "reported-tab")
    desk.set_viewport_size({"width": 390, "height": 800})
    screenshot(desk, "reported-tab-390")
    row.get_by_role("button", name="Dismiss reports").click()
    expect(desk.locator(f"#row-{comment_id}")).to_have_count(0)
    with live_app.app_context():
        assert db.session.get(Comment, comment_id).status == "approved"
    staff.close()
