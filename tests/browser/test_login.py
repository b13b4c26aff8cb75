"""Logging in and out in a real browser: what the browser keeps afterwards, and the owner's
way in while someone guesses at the account."""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from werkzeug.serving import make_server

from blog.extensions import db, limiter
from tests.browser.conftest import STAFF_PASSWORD, STAFF_USERNAME
from tests.conftest import build_app, dispose_when_idle, fresh_database, serving
from tests.factories import STAFF_PASSWORD as OWNER_PASSWORD
from tests.factories import make_staff


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


class Guesser:
    """Someone guessing a staff password from another address (127.0.0.2), with no browser:
    fetches the form for its token and posts wrong passwords."""

    def __init__(self, base_url: str) -> None:
        self.host, port = urlsplit(base_url).netloc.split(":")
        self.port = int(port)
        self.cookie = ""

    def request(self, method: str, path: str, body: str = "") -> tuple[int, str]:
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=10, source_address=("127.0.0.2", 0)
        )
        headers = {"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        set_cookie = response.getheader("Set-Cookie")
        if set_cookie:
            self.cookie = set_cookie.split(";")[0]
        connection.close()
        return response.status, text

    def guess(self, username: str, password: str) -> int:
        """One login attempt; returns the status."""
        _, html = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        body = urlencode({"csrf_token": token, "username": username, "password": password})
        return self.request("POST", "/login", body)[0]


@pytest.fixture
def guarded_site(tmp_path) -> Iterator[str]:
    """A site of its own with the login limits on (the shared live site runs without them),
    and the staff account; its base URL."""
    was_enabled = limiter.enabled
    with fresh_database(tmp_path) as database:
        app = build_app(database, TESTING=False, RATELIMIT_ENABLED=True)
        limiter.reset()
        with app.app_context():
            db.create_all()
            make_staff(STAFF_USERNAME)  # with the factories' password, OWNER_PASSWORD
            db.session.commit()
        try:
            with serving(make_server("127.0.0.1", 0, app, threaded=True)) as url:
                yield url
        finally:
            limiter.reset()
            limiter.enabled = was_enabled  # the limiter is one object for every app in the run
            dispose_when_idle(app)


def test_the_owner_logs_in_while_the_account_is_under_attack(
    browser: Browser, guarded_site, screenshot
):
    owner = browser.new_context()
    page = owner.new_page()
    log_in_remembered(page, guarded_site, STAFF_USERNAME, OWNER_PASSWORD)
    assert "login_device" in cookie_names(owner)
    page.get_by_role("navigation", name="Staff").get_by_role("button", name="Log out").click()

    guesser = Guesser(guarded_site)
    codes = [guesser.guess(STAFF_USERNAME, f"guess number {n}") for n in range(6)]
    assert codes == [422] * 5 + [429]

    stranger = browser.new_context()  # the right password, from a browser never used here
    other = stranger.new_page()
    other.goto(guarded_site + "/login")
    other.get_by_label("Username").fill(STAFF_USERNAME)
    other.get_by_label("Password").fill(OWNER_PASSWORD)
    other.get_by_role("button", name="Log in").click()
    expect(other.get_by_text("Too many requests.")).to_be_visible()

    log_in_remembered(page, guarded_site, STAFF_USERNAME, OWNER_PASSWORD)
    screenshot(page, "owner-in")
    stranger.close()
    owner.close()
