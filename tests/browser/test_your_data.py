""" "Your data" in a real browser, the way a person goes through it: the footer's link, the
form, the email (written by the site's own sender thread into the pickup folder, as a site with
no MAIL_SERVER keeps its mail), its link, the download, the erasure, and the article page (kept
by the page cache) showing "Anonymous" where the name was."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from blog.extensions import db
from tests.comments.test_notify import free_port
from tests.conftest import build_app, dispose_when_idle, fresh_database, serving
from tests.factories import make_article, make_comment

ADA = "ada.lovelace@example.com"
SLUG = "the-harbour-ferry"
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str, Path]]:
    """The site on a port known before it starts (SITE_URL, so the emailed link leads to it),
    its mail written into a pickup folder by its own sender thread, its pages kept."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    tmp_path = tmp_path_factory.mktemp("your-data")
    folder = tmp_path / "mail"
    with fresh_database(tmp_path) as database:
        app = build_app(
            database,
            TESTING=False,
            SITE_URL=url,
            CACHE_TYPE="SimpleCache",
            MAIL_PICKUP_DIR=str(folder),
            OUTBOX_SENDER_THREAD=True,
            OUTBOX_POLL_SECONDS=0.5,
        )
        with app.app_context():
            db.create_all()
            article = make_article(title="The harbour ferry", slug=SLUG)
            make_comment(
                article,
                author_name="Ada Lovelace",
                author_email=ADA,
                ip_address="198.51.100.23",
                body="The ferry should stay.",
            )
            db.session.commit()
        try:
            with serving(make_server("127.0.0.1", port, app, threaded=True)) as served:
                yield app, served, folder  # served is url: the port was chosen before
        finally:
            dispose_when_idle(app)


def at_widths(page: Page) -> Iterator[int]:
    """Each width of the review's screenshots, the page set to it; a desk's width again after."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        yield width
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def emailed_link(folder: Path, url: str) -> str:
    """The link in the your-data email, once the sender thread has written it."""
    deadline = time.monotonic() + 10
    while not (files := list(folder.glob("*-your-data.eml"))):
        assert time.monotonic() < deadline, "no email written"
        time.sleep(0.1)
    message = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["To"] == ADA
    return re.search(rf"{re.escape(url)}/your-data/link/\S+", message.get_content()).group(0)


def test_from_the_footer_to_the_erasure(browser: Browser, site, screenshot) -> None:
    app, url, folder = site
    page = browser.new_context(accept_downloads=True).new_page()
    page.goto(f"{url}/articles/{SLUG}")
    expect(page.locator(".comment-author").first).to_have_text("Ada Lovelace")
    page.get_by_role("contentinfo").get_by_role("link", name="Privacy").click()
    expect(
        page.get_by_role("heading", name="Privacy: what we keep, and for how long")
    ).to_be_visible()
    for width in at_widths(page):
        screenshot(page, f"privacy-{width}")
    page.get_by_role("contentinfo").get_by_role("link", name="Your data").click()
    expect(page.get_by_role("heading", name="Your data", exact=True)).to_be_visible()
    page.get_by_label("Email address").fill(ADA)
    for width in at_widths(page):
        screenshot(page, f"your-data-{width}")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    page.goto(emailed_link(folder, url))
    expect(page.get_by_role("heading", name="What we hold for your address")).to_be_visible()
    expect(page.get_by_text("1 comment you wrote")).to_be_visible()
    assert ADA not in page.content()
    for width in at_widths(page):
        screenshot(page, f"link-{width}")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    [comment] = document["comments"]
    assert (comment["name"], comment["ip_address"]) == ("Ada Lovelace", "198.51.100.23")
    assert comment["article"]["title"] == "The harbour ferry"

    page.get_by_role("button", name="Erase my data").click()
    expect(page.get_by_role("heading", name="Done: your data is erased")).to_be_visible()
    page.goto(f"{url}/articles/{SLUG}")
    expect(page.locator(".comment-author").first).to_have_text("Anonymous")
    expect(page.get_by_text("The ferry should stay.")).to_be_visible()
    assert "Ada Lovelace" not in page.content()
