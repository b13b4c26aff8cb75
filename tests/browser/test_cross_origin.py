"""The comment form needs no token: Chromium says where a post came from, and the site refuses
a post made by another origin's page (here: the same host on another port)."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from blog.extensions import db
from blog.models import Comment
from tests.browser.conftest import IMPORTED_SLUG
from tests.conftest import serving


def hostile_page(target: str, body: str, *, auto: bool) -> bytes:
    """A page on another origin that posts a comment to the site, by a click or by itself."""
    script = "<script>document.forms[0].submit()</script>" if auto else ""
    return f"""<!doctype html><html lang="en"><title>Claim your prize</title>
<form method="post" action="{target}">
  <input name="name" value="Mallory"><input name="email" value="mallory@example.com">
  <textarea name="body">{body}</textarea>
  <button>Claim the prize</button>
</form>{script}</html>""".encode()


@pytest.fixture
def other_origin(live_server: str) -> Iterator[str]:
    """A second local server: the same host as the site, another port, so another origin."""
    target = f"{live_server}/articles/{IMPORTED_SLUG}/comments"
    pages = {
        "/click": hostile_page(target, "Forged by a click elsewhere.", auto=False),
        "/auto": hostile_page(target, "Forged by a script elsewhere.", auto=True),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = pages.get(self.path, b"")
            self.send_response(200 if page else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as url:
        yield url


def stored(live_app, body: str) -> int:
    with live_app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).where(Comment.body == body))


def test_a_form_on_another_origin_cannot_post_a_comment(
    browser: Browser, live_app, other_origin, screenshot
):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{other_origin}/click")
    page.get_by_role("button", name="Claim the prize").click()
    expect(page.locator("h1")).to_contain_text("Forbidden")
    expect(page.get_by_text("sent from another website")).to_be_visible()
    screenshot(page, "refused")
    page.goto(f"{other_origin}/auto")
    page.wait_for_load_state()
    expect(page.get_by_text("sent from another website")).to_be_visible()
    assert stored(live_app, "Forged by a click elsewhere.") == 0
    assert stored(live_app, "Forged by a script elsewhere.") == 0
    assert context.cookies() == []  # nothing was started for the forger either
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_sites_own_form_posts_with_and_without_javascript(
    browser: Browser, live_app, live_server, javascript
):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server}/articles/{IMPORTED_SLUG}")
    assert context.cookies() == []  # reading left nothing in the browser
    body = f"Posted from the article itself (JavaScript {'on' if javascript else 'off'})."
    page.get_by_role("textbox", name="Comment", exact=True).fill(body)
    page.get_by_role("textbox", name="Name", exact=True).fill("Morwenna")
    page.get_by_role("textbox", name="Email", exact=True).fill("mor@example.com")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator(".comment-flash")).to_have_text("Your comment is awaiting moderation.")
    assert stored(live_app, body) == 1
    assert [cookie["name"] for cookie in context.cookies()] == ["session"]  # posting starts it
    context.close()
