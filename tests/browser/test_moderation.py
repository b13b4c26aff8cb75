"""An editor moderates in a real browser; readers see the result."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from blog.extensions import db
from blog.models import Article, Comment
from tests.browser.conftest import IMPORTED_SLUG, STAFF_PASSWORD, STAFF_USERNAME


def add_pending(app, body: str, email: str = "hidden.reader@example.com") -> int:
    with app.app_context():
        article = db.session.scalar(sa.select(Article).where(Article.slug == IMPORTED_SLUG))
        comment = Comment(
            article_id=article.id,
            status="pending",
            author_name="Quiet Reader",
            author_email=email,
            body=body,
        )
        db.session.add(comment)
        db.session.commit()
        return comment.id


def log_in(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill(STAFF_USERNAME)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_an_editor_approves_a_comment_and_readers_see_it_without_the_email(
    browser: Browser, live_app, live_server, screenshot
):
    comment_id = add_pending(live_app, "Approved through the browser.")
    editor = browser.new_context()
    page = editor.new_page()
    log_in(page, live_server)
    page.get_by_role("link", name="Comments").first.click()
    row = page.locator(f"#row-{comment_id}")
    expect(row).to_contain_text("Approved through the browser.")
    expect(row).to_contain_text("hidden.reader@example.com")
    screenshot(page, "queue")
    row.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator(".flash")).to_have_text("Comment approved.")
    expect(page.locator(f"#row-{comment_id}")).to_have_count(0)

    reader = browser.new_context()
    public = reader.new_page()
    public.goto(f"{live_server}/articles/{IMPORTED_SLUG}")
    expect(public.locator(f"#comment-{comment_id}")).to_contain_text(
        "Approved through the browser."
    )
    assert "hidden.reader" not in public.content()
    editor.close()
    reader.close()


def test_bulk_approve_of_three_comments(browser: Browser, live_app, live_server, screenshot):
    ids = [add_pending(live_app, f"Bulk comment {n}.", f"bulk{n}@example.com") for n in range(3)]
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server)
    page.goto(live_server + "/admin/comments?status=pending")
    for comment_id in ids:
        page.locator(f"#select-{comment_id}").check()
    page.get_by_label("With the ticked comments").select_option("approve")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".flash")).to_have_text("3 comments approved.")
    screenshot(page, "bulk")
    with live_app.app_context():
        statuses = db.session.scalars(sa.select(Comment.status).where(Comment.id.in_(ids))).all()
    assert statuses == ["approved"] * 3
    context.close()


def test_a_get_to_an_action_url_is_405(browser: Browser, live_app, live_server):
    comment_id = add_pending(live_app, "Left alone by a GET.")
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server)
    response = page.goto(f"{live_server}/admin/comments/{comment_id}/approve")
    assert response.status == 405
    expect(page.locator("h1")).to_have_text("Method Not Allowed")
    with live_app.app_context():
        assert db.session.get(Comment, comment_id).status == "pending"
    context.close()
