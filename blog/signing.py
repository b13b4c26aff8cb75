"""Signed links sent by email: what they carry, for how long they hold, and using one up.

A link in an email stands in for a login or a form: it confirms an address, unsubscribes it,
moderates a comment, resets a password. Each is an itsdangerous token signed with SECRET_KEY
and a salt per purpose, so a token made for one purpose never reads as another. A token never
acts by being opened (mail scanners open links): the page behind it shows a button, and the
button's POST acts. A single-use token is spent by that POST (spend), in the POST's own
transaction: the table keeps a digest of it, so a second POST finds it spent.
"""

from __future__ import annotations

import enum
import hashlib
from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from blog.extensions import db
from blog.models import SpentToken


class LinkProblem(enum.StrEnum):
    """Why a link from an email cannot be used, in the order it is checked."""

    FORGED = "forged"
    USED = "used"
    EXPIRED = "expired"


#: The status of the page saying why a link cannot be used: never ours, or no longer.
LINK_PROBLEM_STATUS = {LinkProblem.FORGED: 404, LinkProblem.USED: 410, LinkProblem.EXPIRED: 410}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"blog-link:{purpose}")


def make_token(purpose: str, payload: Any) -> str:
    """A URL-safe token carrying payload (JSON-able), signed for purpose and stamped now."""
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: float | None = None) -> Any | None:
    """The payload of a token made for purpose, or None when it was not (forged, altered,
    made for another purpose, or older than max_age seconds)."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except BadData:
        return None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_spent(token: str) -> bool:
    """Whether a single-use token has been used."""
    return db.session.get(SpentToken, token_digest(token)) is not None


def spend(token: str) -> bool:
    """Use a single-use token up in the session's transaction: True the first time, False when
    it was spent already (by this or a concurrent transaction; the caller then acts on nothing)."""
    digest = token_digest(token)
    if db.session.get(SpentToken, digest) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(SpentToken(digest=digest))
    except sa.exc.IntegrityError:
        return False
    return True
