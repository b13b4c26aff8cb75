"""The "Your data" link: what it carries, how long it holds, and the email that sends it.

A link must name an address (everything held for it is found by the address), yet no address
may land in a URL: URLs reach the web server's access log, proxies and browser histories, and
after an erasure nothing the site keeps should name the person. itsdangerous signs a token but
does not hide what it carries (its payload is base64), so the address is sealed first, under a
key derived from SECRET_KEY, with a random IV per link; the signature over the sealed text then
makes any change to them a forged link. The sealing is the cryptography package's Fernet
(authenticated encryption), never a cipher of our own; tested in tests/privacy/test_links.py.

The link holds YOUR_DATA_LINK_HOURS. It may be opened and used to download any number of times
in that while; erasing spends it (blog.signing.spend), so a second erase, or a download after
the erasure, finds it used.
"""

from __future__ import annotations

import base64
from email.message import EmailMessage

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, render_template

from blog.outbox.messages import compose
from blog.signing import LinkProblem, is_spent, make_token, read_token
from blog.subscriptions.mail import link as site_link

#: The purpose the links are signed for (blog.signing salts each).
YOUR_DATA = "your-data"
#: The outbox's kind for the email.
MAIL_KIND = "your-data"


def _sealer() -> Fernet:
    """Authenticated encryption (Fernet: AES-CBC with HMAC-SHA256) under a key derived from
    SECRET_KEY for this use only."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"blog-your-data-seal")
    return Fernet(base64.urlsafe_b64encode(key.derive(current_app.config["SECRET_KEY"].encode())))


def seal(address: str) -> str:
    """The address, unreadable without SECRET_KEY (different each time), as URL-safe text."""
    return _sealer().encrypt(address.encode()).decode()


def unseal(text: str) -> str | None:
    """The address seal() hid, or None for text it did not make."""
    try:
        return _sealer().decrypt(text.encode()).decode()
    except (InvalidToken, UnicodeError, ValueError):
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
