"""An editor moderates in a real browser; readers see the result."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from blog.extensions import db
from blog.models import Article, Ban, Comment
from tests.browser.conftest import IMPORTED_SLUG, STAFF_PASSWORD, STAFF_USERNAME


def add_pending(app, body: str, email: str = "hidden.reader@example.com") -> int:
    return add_comment(app, body, email=email)


def add_comment(
    app,
    body: str,
    *,
    status: str = "pending",
    author_name: str = "Quiet Reader",
    email: str = "hidden.reader@example.com",
) -> int:
    """A comment on the imported article; returns its id."""
    with app.app_context():
        article = db.session.scalar(sa.select(Article).where(Article.slug == IMPORTED_SLUG))
        comment = Comment(
            article_id=article.id,
            status=status,
            author_name=author_name,
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


SHOTS = Path("/tmp/shots-bans")
WIDTHS = (1280, 390)


def add_comment_from(app, body: str, email: str, ip: str, status: str = "pending") -> int:
    """A comment from an address, as the comment form would have stored it."""
    comment_id = add_pending(app, body, email)
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        comment.ip_address, comment.status = ip, status
        db.session.commit()
    return comment_id


def shoot(page: Page, name: str, width: int) -> None:
    """A full-page screenshot for a person to look at (see the brief: /tmp/shots-bans)."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_banning_from_the_queue_shows_what_it_catches_then_lists_the_ban_with_its_end(
    browser: Browser, live_app, live_server, width
):
    network = f"198.18.{width % 250}"
    add_comment_from(
        live_app,
        "A regular's approved comment.",
        f"regular{width}@example.com",
        f"{network}.4",
        "approved",
    )
    add_comment_from(
        live_app, "The regular again, waiting.", f"regular{width}@example.com", f"{network}.4"
    )
    caught = add_comment_from(
        live_app, "Flooding from the office.", f"flood{width}@example.com", f"{network}.9"
    )
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, live_server)
    page.goto(live_server + "/admin/comments?status=pending")
    shoot(page, "queue", width)
    page.locator(f"#row-{caught}").get_by_role("button", name="Ban IP…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ban {network}.9/32?")
    impact = page.locator(".ban-impact")
    expect(impact).to_contain_text("1 comment came from")
    with live_app.app_context():
        assert db.session.scalar(sa.select(Ban.id).where(Ban.value.like(f"{network}.%"))) is None
    # The moderator widens it to the network: the Cancel link and the form on the bans page.
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(live_server + "/admin/comments?status=pending")
    page.goto(live_server + "/admin/bans")
    page.get_by_label("Ban", exact=True).select_option("ip")
    page.get_by_label("Email, address or network").fill(f"{network}.0/24")
    page.get_by_role("button", name="Continue").click()
    expect(impact).to_contain_text(f"3 comments came from {network}.0/24")
    expect(impact).to_contain_text("2 different commenters (by email) wrote them.")
    expect(impact).to_contain_text("1 of them has approved comments")
    ends = page.get_by_label("Ends on")
    expected_end = date.today() + timedelta(days=30)
    expect(ends).to_have_value(expected_end.isoformat())
    page.get_by_label("Reason (staff only)").fill("Flooding the harbour story")
    shoot(page, "ban-confirm", width)
    page.get_by_role("button", name="Confirm ban").click()

    row = page.locator("tr", has_text=f"{network}.0/24")
    day = f"{expected_end.day} {expected_end:%B} {expected_end.year}"
    expect(row).to_contain_text(f"ends {day}")
    expect(row).to_contain_text("Flooding the harbour story")
    expect(page.locator(".flash")).to_have_text(f"Banned {network}.0/24 (ends {day}).")
    shoot(page, "bans", width)
    context.close()


def test_select_all_ticks_every_row_and_follows_single_ticks(
    browser: Browser, live_app, live_server
):
    ids = [
        add_pending(live_app, f"Select-all comment {n}.", f"all{n}@example.com") for n in range(3)
    ]
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server)
    page.goto(live_server + "/admin/comments?status=pending")
    select_all = page.get_by_label("Select all")
    rows = page.locator('input[name="ids"]')
    select_all.check()
    expect(rows.and_(page.locator(":checked"))).to_have_count(rows.count())
    page.locator(f"#select-{ids[0]}").uncheck()
    expect(select_all).not_to_be_checked()
    assert select_all.evaluate("box => box.indeterminate")
    page.locator(f"#select-{ids[0]}").check()
    expect(select_all).to_be_checked()
    page.get_by_label("With the ticked comments").select_option("trash")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".flash")).to_contain_text("moved to the trash.")
    expect(page.locator(".queue-row")).to_have_count(0)
    with live_app.app_context():
        statuses = db.session.scalars(sa.select(Comment.status).where(Comment.id.in_(ids))).all()
    assert statuses == ["trash"] * 3
    # Put them back where the other tests expect pending comments to be.
    page.goto(live_server + "/admin/comments?status=trash")
    page.get_by_label("Select all").check()
    page.get_by_label("With the ticked comments").select_option("restore")
    page.get_by_role("button", name="Apply").click()
    context.close()


def test_without_javascript_there_is_no_select_all_and_ticking_still_works(
    browser: Browser, live_app, live_server
):
    comment_id = add_pending(live_app, "Ticked by hand.", "byhand@example.com")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server)
    page.goto(live_server + "/admin/comments?status=pending")
    expect(page.get_by_label("Select all")).to_be_hidden()
    page.locator(f"#select-{comment_id}").check()
    page.get_by_label("With the ticked comments").select_option("spam")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".flash")).to_have_text("Comment marked as spam.")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_approving_on_the_dashboard_returns_to_the_dashboard(
    browser: Browser, live_app, live_server, width
):
    comment_id = add_pending(live_app, f"Approved from the dashboard at {width}px.")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, live_server)
    row = page.locator(f"#pending-{comment_id}")
    expect(row).to_contain_text(f"Approved from the dashboard at {width}px.")
    shoot(page, "dashboard", width)
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator(".flash")).to_have_text("Comment approved.")
    expect(page.locator(f"#pending-{comment_id}")).to_have_count(0)
    with live_app.app_context():
        assert db.session.get(Comment, comment_id).status == "approved"
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_ban_pages_dashboard_and_queue_have_no_accessibility_violations(
    browser: Browser, live_app, live_server, scheme
):
    from tests.browser.test_accessibility import AXE, violations

    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `npm ci --prefix tests/browser`")
    add_comment_from(live_app, "Checked by axe.", "axe@example.com", "192.0.2.77")
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    page = context.new_page()
    log_in(page, live_server)
    found = {}
    for name, path in (
        ("dashboard", "/admin/"),
        ("queue", "/admin/comments"),
        ("bans", "/admin/bans"),
    ):
        page.goto(live_server + path)
        found[name] = violations(page, AXE.read_text())
    page.goto(live_server + "/admin/comments")
    page.get_by_role("button", name="Ban IP…").first.click()
    found["ban confirmation"] = violations(page, AXE.read_text())
    page.get_by_label("Ends on").fill("2020-01-01")
    page.get_by_role("button", name="Confirm ban").click()
    expect(page.locator("#ends_on-error")).to_be_visible()
    found["refused ban"] = violations(page, AXE.read_text())
    context.close()
    assert found == {name: [] for name in found}
