"""The emailed links in Chromium, as staff follow them: from the real message a real SMTP
server received, through the login, to the one button; and a forgotten password reset from
its email, then used to log in."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from blog.extensions import db
from blog.models import Comment, ModerationAction
from tests.browser.test_accessibility import axe_source, violations  # noqa: F401
from tests.comments.test_notify import Inbox, free_port, smtp_server
from tests.conftest import build_app, dispose_when_idle, fresh_database, serving
from tests.factories import STAFF_PASSWORD, make_article, make_staff

SHOTS = Path("/work/shared16/shots")
WIDTHS = (1280, 390)
EDITOR_EMAIL = "desk@newsroom.example"
NEW_PASSWORD = "tides turn twice a day"


class MailSite:
    """A site served from a thread, sending its mail on its own sender thread to a real SMTP
    server; its links are on its own address (SITE_URL)."""

    def __init__(self, app: Flask, url: str, inbox: Inbox, slug: str) -> None:
        self.app, self.url, self.inbox, self.slug = app, url, inbox, slug

    def received(self, subject: str, seconds: float = 10):
        """(recipients, message) of the one message received whose subject has this text,
        waiting for it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [m for m in self.inbox.messages if subject in m[1]["Subject"]]
            if found:
                [one] = found
                return one
            time.sleep(0.05)
        raise AssertionError(f"no message about {subject!r}")


@pytest.fixture(scope="module")
def mail_site(tmp_path_factory) -> Iterator[MailSite]:
    tmp_path = tmp_path_factory.mktemp("inbox-links")
    inbox, mail_port, port = Inbox(), free_port(), free_port()
    with smtp_server(inbox, mail_port), fresh_database(tmp_path) as database:
        app = build_app(
            database,
            TESTING=False,
            SITE_URL=f"http://127.0.0.1:{port}",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=mail_port,
            OUTBOX_POLL_SECONDS=0.2,
        )
        with app.app_context():
            db.create_all()
            slug = make_article(title="Ferry fares rise again").slug
            make_staff("desk", display_name="Night Editor", email=EDITOR_EMAIL)
            db.session.commit()
        try:
            with serving(make_server("127.0.0.1", port, app, threaded=True)) as url:
                yield MailSite(app, url, inbox, slug)
        finally:
            dispose_when_idle(app)


def shoot(page: Page, name: str, axe: str) -> None:
    """The page at each width, for a person to look at; axe finds no WCAG 2.1 AA violation."""
    assert violations(page, axe) == [], name
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"B-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def link_in(message, label: str) -> str:
    """The URL after `label: ` in a received message's text."""
    return re.search(rf"^{label}: (\S+?)\r?$", message.get_content(), re.M).group(1)


def test_a_moderator_approves_from_the_email_through_the_login(
    browser: Browser,
    mail_site,
    axe_source,  # noqa: F811
):
    reader = browser.new_context().new_page()
    reader.goto(f"{mail_site.url}/articles/{mail_site.slug}")
    reader.get_by_role("textbox", name="Comment", exact=True).fill("Is the night ferry spared?")
    reader.get_by_role("textbox", name="Name", exact=True).fill("Morwenna")
    reader.get_by_role("textbox", name="Email", exact=True).fill("mor@example.com")
    reader.get_by_role("button", name="Post Comment").click()
    expect(reader.locator(".comment-flash")).to_have_text("Your comment is awaiting moderation.")

    recipients, message = mail_site.received("awaits moderation")
    assert recipients == [EDITOR_EMAIL]
    approve = link_in(message, "Approve")
    assert approve.startswith(f"{mail_site.url}/admin/inbox?link=")

    context = browser.new_context(bypass_csp=True)  # (axe goes in inline)
    page = context.new_page()
    page.goto(approve)  # logged out: the login first, then back to the link
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Approve this comment?")).to_be_visible()
    expect(page.locator(".queue-body")).to_have_text("Is the night ferry spared?")
    expect(page.get_by_role("link", name="Ferry fares rise again")).to_be_visible()
    expect(page.locator(".badge-state")).to_have_text("pending")
    shoot(page, "inbox-approve", axe_source)
    with mail_site.app.app_context():
        assert db.session.scalar(sa.select(Comment.status)) == "pending"  # opened, not acted

    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".flash")).to_have_text("Comment approved.")
    assert page.url.endswith("/admin/comments?status=approved#row-1")
    with mail_site.app.app_context():
        assert db.session.scalar(sa.select(Comment.status)) == "approved"
        [entry] = db.session.scalars(sa.select(ModerationAction)).all()
        assert entry.action == "approve"

    page.goto(approve)  # the link is used up
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has already been used")
    shoot(page, "inbox-used", axe_source)
    page.goto(link_in(message, "Spam"))  # and the others find the comment decided
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Someone has already decided on this comment"
    )
    expect(page.locator(".staff-warning")).to_contain_text("Approved by Night Editor")
    expect(page.get_by_role("button", name="Spam")).to_have_count(0)
    shoot(page, "inbox-decided", axe_source)
    context.close()


def test_a_forgotten_password_is_reset_from_the_email_and_logs_in(
    browser: Browser,
    mail_site,
    axe_source,  # noqa: F811
):
    context = browser.new_context(bypass_csp=True)  # (axe goes in inline)
    page = context.new_page()
    page.goto(f"{mail_site.url}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    shoot(page, "forgot", axe_source)
    page.get_by_label("Username or email").fill(EDITOR_EMAIL.upper())
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    shoot(page, "reset-sent", axe_source)

    recipients, message = mail_site.received("Reset your password")
    assert recipients == [EDITOR_EMAIL]
    link = re.search(r"(http\S+/login/reset\?link=\S+?)\r?$", message.get_content(), re.M)[1]

    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    shoot(page, "reset-form", axe_source)
    page.get_by_label(re.compile(r"^New password\W*$")).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill("not the same at all")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator("#confirm-error")).to_contain_text("The passwords differ.")
    page.get_by_label(re.compile(r"^New password\W*$")).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator(".flash")).to_contain_text("Your password has been changed")

    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has already been used")
    shoot(page, "reset-used", axe_source)
    context.close()
