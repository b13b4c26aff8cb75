"""Follow-ups by email in a real browser, with mail to a real SMTP server (aiosmtpd) sent by
the site's own sender thread: the box ticked → the confirmation email → its link → the button →
a reply approved by an editor in the queue → the notification with its RFC 8058 headers → the
one-click unsubscribe POST a mail provider sends → no more mail."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, expect
from werkzeug.serving import make_server

from blog.extensions import db
from blog.models import Article, Comment, OutboxMessage, Subscriber
from blog.signing import make_token
from blog.subscriptions.followers import follow
from blog.subscriptions.mail import CONFIRM, MANAGE
from tests.browser.conftest import IMPORTED_SLUG
from tests.browser.test_accessibility import axe_source, violations  # noqa: F401 (a fixture)
from tests.comments.test_notify import Inbox, free_port, smtp_server
from tests.conftest import build_app, dispose_when_idle, fresh_database, serving
from tests.factories import STAFF_PASSWORD, make_article, make_comment, make_staff

ADA = "ada.follows@example.com"
EDITOR = "editor"
SHOTS = Path("/work/shared16/shots")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str, Inbox]]:
    """The site on a port known before it starts (SITE_URL, so the emailed links lead to it),
    its mail sent by its own thread to a real SMTP server."""
    inbox = Inbox()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (
        smtp_server(inbox, free_port()) as smtp_port,
        fresh_database(tmp_path_factory.mktemp("follow")) as database,
    ):
        app = build_app(
            database,
            TESTING=False,
            SITE_URL=url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp_port,
            OUTBOX_POLL_SECONDS=0.5,
        )
        with app.app_context():
            db.create_all()
            article = make_article(title="Tide tables go digital", slug=IMPORTED_SLUG)
            make_comment(article, author_name="Harbour Master", body="The card will be ready.")
            make_staff(EDITOR, role="admin")
            db.session.commit()
        try:
            with serving(make_server("127.0.0.1", port, app, threaded=True)) as served:
                assert served == url
                yield app, url, inbox
        finally:
            dispose_when_idle(app)


def shoot(page: Page, name: str) -> None:
    """Screenshots at 1280 and 390 px wide, for the review (shared folder)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"C-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def comment(page: Page, url: str, *, body: str, name: str, email: str, reply_to: str = "") -> None:
    page.goto(f"{url}/articles/{IMPORTED_SLUG}")
    if reply_to:
        page.get_by_role("link", name=f"Reply to {reply_to}").click()
    page.get_by_role("textbox", name="Comment", exact=True).fill(body)
    page.get_by_role("textbox", name="Name", exact=True).fill(name)
    page.get_by_role("textbox", name="Email", exact=True).fill(email)


def approve_in_queue(page: Page, url: str, app: Flask, body: str) -> None:
    """The editor approves the waiting comment with this text from the moderation queue."""
    with app.app_context():
        comment_id = db.session.scalar(sa.select(Comment.id).where(Comment.body == body))
    page.goto(f"{url}/admin/comments?status=pending")
    page.locator(f"#row-{comment_id}").get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator(".flash")).to_have_text("Comment approved.")


def link_in(message, pattern: str) -> str:
    return re.search(pattern, message.get_content()).group(0)


def test_from_the_box_to_the_one_click_unsubscribe(
    browser: Browser, playwright: Playwright, site
) -> None:
    app, url, inbox = site
    ada = browser.new_context().new_page()
    comment(ada, url, body="Will the card list spring tides?", name="Ada", email=ADA)
    box = ada.get_by_role("checkbox", name="Notify me of follow-up comments by email")
    expect(box).not_to_be_checked()
    box.check()
    shoot(ada, "comment-form")
    ada.get_by_role("button", name="Post Comment").click()
    expect(ada.locator(".comment-flash").last).to_contain_text("look for our email")

    [(recipients, confirmation)] = inbox.wait_for(1)
    assert recipients == [ADA]
    confirm_link = link_in(confirmation, rf"{re.escape(url)}/notifications/confirm/\S+")
    ada.goto(confirm_link)
    expect(ada.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    assert ADA not in ada.content()
    shoot(ada, "confirm")
    ada.get_by_role("button", name="Confirm my address").click()
    expect(ada.get_by_text("your address is confirmed")).to_be_visible()
    expect(ada.get_by_role("button", name="Unsubscribe from everything")).to_be_visible()
    shoot(ada, "manage")

    editor = browser.new_context().new_page()
    editor.goto(f"{url}/login")
    editor.get_by_label("Username").fill(EDITOR)

    editor.get_by_label("Password").fill(STAFF_PASSWORD)
    editor.get_by_role("button", name="Log in").click()
    approve_in_queue(editor, url, app, "Will the card list spring tides?")
    [_, (_, approved)] = inbox.wait_for(2)
    assert "is published" in approved["Subject"]

    ben = browser.new_context().new_page()
    comment(ben, url, body="Yes, in bold.", name="Ben", email="ben@example.com", reply_to="Ada")
    ben.get_by_role("button", name="Post Reply").click()
    approve_in_queue(editor, url, app, "Yes, in bold.")
    [*_, (recipients, reply)] = inbox.wait_for(3)
    assert recipients == [ADA]
    assert reply["Subject"].endswith(
        "Ben replied to your comment on \u201cTide tables go digital\u201d"
    )
    assert "Yes, in bold." in reply.get_content()
    assert "ben@example.com" not in reply.as_string()
    assert reply["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = (part.strip(" <>") for part in reply["List-Unsubscribe"].split(","))
    assert https.startswith(f"{url}/notifications/") and mailto.startswith("mailto:")
    (SHOTS / "C-reply-headers.txt").write_text(
        "".join(f"{name}: {value}\n" for name, value in reply.items()), encoding="utf-8"
    )

    # What a mail provider's server sends when Ada presses its Unsubscribe button: a POST with
    # no cookie, no token, and an Origin (or none) that is not the site's.
    provider = playwright.request.new_context()
    done = provider.post(
        https,
        form={"List-Unsubscribe": "One-Click"},
        headers={"Origin": "https://mail.example.net"},
        max_redirects=0,
    )
    assert done.status == 200
    provider.dispose()

    cy = browser.new_context().new_page()
    comment(cy, url, body="And the neap tides?", name="Cy", email="cy@example.com", reply_to="Ada")
    cy.get_by_role("button", name="Post Reply").click()
    approve_in_queue(editor, url, app, "And the neap tides?")
    time.sleep(2)  # the sender thread polls every 0.5 s: anything written would be gone by now
    assert len(inbox.messages) == 3
    with app.app_context():
        to_ada = [
            row for row in db.session.scalars(sa.select(OutboxMessage)) if ADA in row.recipients
        ]
        assert len(to_ada) == 3

    ada.goto(https)
    expect(ada.get_by_text("gets no email from us")).to_be_visible()
    shoot(ada, "unsubscribed")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_follow_up_pages_have_no_accessibility_violations(
    browser: Browser,
    site,
    axe_source: str,  # noqa: F811 (the fixture, imported)
    scheme: str,
) -> None:
    app, url, _ = site
    with app.app_context():
        article = db.session.scalar(sa.select(Article).where(Article.slug == IMPORTED_SLUG))
        mine = make_comment(article, status="pending", author_email=f"axe-{scheme}@example.com")
        db.session.flush()
        follow(mine, replies=True, article=True, client=None, config=app.config)
        db.session.commit()
        subscriber = db.session.scalar(
            sa.select(Subscriber).where(Subscriber.email == f"axe-{scheme}@example.com")
        )
        paths = {
            "confirm": f"/notifications/confirm/{make_token(CONFIRM, subscriber.id)}",
            "manage": f"/notifications/{make_token(MANAGE, subscriber.id)}",
            "link problem": "/notifications/not-a-token",
        }
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    page = context.new_page()
    found = {}
    for name, path in paths.items():
        page.goto(url + path)
        found[name] = violations(page, axe_source)
    context.close()
    assert found == {name: [] for name in paths}
