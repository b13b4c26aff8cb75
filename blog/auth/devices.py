"""Device cookies: the per-account login lock holds unknown browsers, not the owner's.

OWASP's "Slow Down Online Guessing Attacks with Device Cookies": a browser that logs in to an
account is given a signed cookie naming that account. Failed logins to the account from
browsers without such a cookie share one lock, so guessing from anywhere stops after a few
tries; a browser with a valid cookie for the account is counted on its own, so the owner still
gets in while the account is under attack, and a stolen cookie buys only a few guesses more.

The cookie names the account by a keyed digest of its username (readable base64 would show the
username to anyone at the keyboard), carries a random nonce that is its identity for the limit,
and an expiry, all signed with the app's secret key. A new one is issued at every login.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import NamedTuple

from itsdangerous import BadData, URLSafeSerializer

#: Keeps device-cookie signatures apart from every other use of the secret key.
SALT = "login-device"


class DeviceCookie(NamedTuple):
    """What a valid device cookie says: which account (as a digest) and which browser."""

    account: str
    nonce: str
    expires: int


def account_digest(username: str, secret_key: str | bytes) -> str:
    """A keyed digest of a (normalized) username: names the account without showing it."""
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(key, b"device:" + username.encode(), hashlib.sha256).hexdigest()[:32]


def issue_device_cookie(
    username: str, secret_key: str | bytes, max_age: int, *, now: float | None = None
) -> str:
    """A signed device cookie value for this (normalized) username, good for max_age seconds."""
    issued = time.time() if now is None else now
    payload = [
        account_digest(username, secret_key),
        secrets.token_urlsafe(16),
        int(issued + max_age),
    ]
    return URLSafeSerializer(secret_key, salt=SALT).dumps(payload)


def read_device_cookie(
    value: str | None, secret_key: str | bytes, *, now: float | None = None
) -> DeviceCookie | None:
    """The device cookie's contents if its signature holds and it has not expired, else None."""
    if not value:
        return None
    try:
        account, nonce, expires = URLSafeSerializer(secret_key, salt=SALT).loads(value)
    except (BadData, TypeError, ValueError):
        return None
    if not (isinstance(account, str) and isinstance(nonce, str) and isinstance(expires, int)):
        return None
    if expires <= (time.time() if now is None else now):
        return None
    return DeviceCookie(account, nonce, expires)


def login_limit_key(
    username: str, cookie_value: str | None, secret_key: str | bytes, *, now: float | None = None
) -> str:
    """The key failed logins are counted under, per account: the browser's own when it holds a
    valid device cookie for this (normalized) username, else the one all unknown browsers share.
    """
    device = read_device_cookie(cookie_value, secret_key, now=now)
    if device is not None and hmac.compare_digest(
        device.account, account_digest(username, secret_key)
    ):
        return "login-device:" + device.nonce
    return "login-account:" + username
