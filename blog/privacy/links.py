"""The "Your data" link: what it carries, how long it holds, and the email that sends it.

A link must name an address (everything held for it is found by the address), yet no address
may land in a URL: URLs reach the web server's access log, proxies and browser histories, and
after an erasure nothing the site keeps should name the person. itsdangerous signs a token but
does not hide what it carries (its payload is base64), so the address is sealed first: XORed
with a keystream of HMAC-SHA256 blocks (a pseudo-random function in counter mode) under a key
derived from SECRET_KEY, with a random nonce per link; the signature over the sealed bytes then
makes any change to them a forged link. The standard library has no cipher and the site no
cryptography dependency; this construction needs nothing else and is tested in
tests/privacy/test_links.py.

The link holds YOUR_DATA_LINK_HOURS. It may be opened and used to download any number of times
in that while; erasing spends it (blog.signing.spend), so a second erase, or a download after
the erasure, finds it used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from email.message import EmailMessage

from flask import current_app, render_template

from blog.outbox.messages import compose
from blog.signing import LinkProblem, is_spent, make_token, read_token
from blog.subscriptions.mail import link as site_link

#: The purpose the links are signed for (blog.signing salts each).
YOUR_DATA = "your-data"
#: The outbox's kind for the email.
MAIL_KIND = "your-data"
NONCE_BYTES = 12


def _keystream(nonce: bytes, length: int) -> bytes:
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"blog-your-data-seal", hashlib.sha256
    ).digest()
    blocks = (length + 31) // 32
    stream = b"".join(
        hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        for counter in range(blocks)
    )
    return stream[:length]


def seal(address: str) -> str:
    """The address, unreadable without SECRET_KEY (a new nonce each time), as URL-safe text."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    plain = address.encode()
    sealed = bytes(a ^ b for a, b in zip(plain, _keystream(nonce, len(plain)), strict=True))
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(text: str) -> str | None:
    """The address seal() hid, or None for text it did not make."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return None
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    if len(nonce) != NONCE_BYTES or not sealed:
        return None
    plain = bytes(a ^ b for a, b in zip(sealed, _keystream(nonce, len(sealed)), strict=True))
    try:
        return plain.decode()
    except UnicodeDecodeError:
        return None


def data_token(address: str) -> str:
    """The signed token of a link for address, stamped now."""
    return make_token(YOUR_DATA, seal(address))


def link_hours() -> float:
    return float(current_app.config["YOUR_DATA_LINK_HOURS"])


def address_in(token: str) -> str | LinkProblem:
    """The address a link names, or why it cannot be used: forged (not ours, or altered), used
    (its erasure was done), or older than YOUR_DATA_LINK_HOURS."""
    sealed = read_token(YOUR_DATA, token)
    address = unseal(sealed) if isinstance(sealed, str) else None
    if address is None:
        return LinkProblem.FORGED
    if is_spent(YOUR_DATA, token):
        return LinkProblem.USED
    if read_token(YOUR_DATA, token, max_age=link_hours() * 3600) is None:
        return LinkProblem.EXPIRED
    return address


def data_message(address: str) -> EmailMessage:
    """The email with the link: what it opens, for how long, and what to do if it was not you."""
    site = current_app.config["SITE_NAME"]
    return compose(
        f"[{site}] Your data",
        [address],
        render_template(
            "privacy/email.txt",
            link=site_link("privacy.link_page", token=data_token(address)),
            hours=current_app.config["YOUR_DATA_LINK_HOURS"],
            privacy_url=site_link("privacy.privacy"),
            site_name=site,
        ),
    )
