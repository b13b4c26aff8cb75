"""The device-cookie rule, without HTTP: which failed logins count against whom."""

from __future__ import annotations

import base64

import pytest
from itsdangerous import URLSafeSerializer

from blog.auth.devices import SALT, issue_device_cookie, login_limit_key, read_device_cookie

SECRET = "test-secret-key"
YEAR = 365 * 24 * 3600
NOW = 1_800_000_000.0


def test_a_browser_without_a_device_cookie_shares_the_accounts_lock():
    assert login_limit_key("maren", None, SECRET) == "login-account:maren"
    assert login_limit_key("maren", "", SECRET) == "login-account:maren"


def test_a_browser_with_a_device_cookie_for_the_account_is_counted_on_its_own():
    cookie = issue_device_cookie("maren", SECRET, YEAR, now=NOW)
    key = login_limit_key("maren", cookie, SECRET, now=NOW + 60)
    assert key.startswith("login-device:") and key != "login-device:"
    assert key == login_limit_key("maren", cookie, SECRET, now=NOW + YEAR - 1)


def test_every_login_issues_a_new_device_so_each_browser_has_its_own_count():
    first, second = (issue_device_cookie("maren", SECRET, YEAR, now=NOW) for _ in range(2))
    assert login_limit_key("maren", first, SECRET, now=NOW) != login_limit_key(
        "maren", second, SECRET, now=NOW
    )


def test_a_device_cookie_for_another_account_does_not_help():
    cookie = issue_device_cookie("sam", SECRET, YEAR, now=NOW)
    assert login_limit_key("maren", cookie, SECRET, now=NOW) == "login-account:maren"


def test_an_expired_device_cookie_counts_as_none():
    cookie = issue_device_cookie("maren", SECRET, YEAR, now=NOW)
    assert read_device_cookie(cookie, SECRET, now=NOW + YEAR) is None
    assert login_limit_key("maren", cookie, SECRET, now=NOW + YEAR) == "login-account:maren"


def tampered(cookie: str) -> list[str]:
    """Forgeries: a flipped character, another key's signature, a payload of another shape."""
    flipped = cookie[:5] + ("A" if cookie[5] != "A" else "B") + cookie[6:]
    return [
        flipped,
        issue_device_cookie("maren", "another-secret", YEAR, now=NOW),
        URLSafeSerializer(SECRET, salt=SALT).dumps({"account": "maren"}),
        URLSafeSerializer(SECRET, salt=SALT).dumps(["x", "y", "never"]),
        URLSafeSerializer(SECRET, salt="another-use").dumps(["x", "y", int(NOW + YEAR)]),
        "not a cookie at all",
    ]


@pytest.mark.parametrize("index", range(6))
def test_a_forged_or_tampered_device_cookie_counts_as_none(index):
    forged = tampered(issue_device_cookie("maren", SECRET, YEAR, now=NOW))[index]
    assert read_device_cookie(forged, SECRET, now=NOW) is None
    assert login_limit_key("maren", forged, SECRET, now=NOW) == "login-account:maren"


def test_the_cookie_does_not_show_the_username():
    cookie = issue_device_cookie("maren.holt", SECRET, YEAR, now=NOW)
    payload = cookie.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert b"maren" not in decoded
