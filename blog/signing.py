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
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from blog.database import begin_write
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


def link_key(purpose: str, token: str) -> str | None:
    """What a token says, as one string, or None when it is not a token of purpose: its
    payload and time stamp. Single use is kept by this, never by the token's text: base64 and
    the signature's padding let one token be spelt several ways that all verify."""
    try:
        payload, stamp = _serializer(purpose).loads(token, return_timestamp=True)
    except BadData:
        return None
    return f"{purpose}:{json.dumps(payload, sort_keys=True)}:{stamp.timestamp():.0f}"


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def is_spent(purpose: str, token: str) -> bool:
    """Whether a single-use token of purpose has been used (a token that is not one counts as
    used: it can never be)."""
    key = link_key(purpose, token)
    return key is None or is_used(key)


def spend(purpose: str, token: str) -> bool:
    """Use a single-use token of purpose up in the session's transaction: True the first time,
    False when it was spent already, by this or a concurrent transaction, in any spelling (the
    caller then acts on nothing), or is not a token of purpose."""
    key = link_key(purpose, token)
    return key is not None and use_once(key)


def forget_spent(before: datetime) -> int:
    """Delete the marks of links spent before `before` (a link that old reads as expired
    anyway) and of keys used then; how many. Commits."""
    begin_write(db.session)
    try:
        result = db.session.execute(sa.delete(SpentToken).where(SpentToken.spent_at < before))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result.rowcount


def spent_links_kept(config: Mapping[str, Any]) -> timedelta:
    """How long a spent link's mark is kept: a day longer than any single-use link holds."""
    longest = max(
        timedelta(days=config["MODERATION_LINK_DAYS"]),
        timedelta(minutes=config["PASSWORD_RESET_MINUTES"]),
    )
    return longest + timedelta(days=1)


def is_used(key: str) -> bool:
    """Whether use_once(key) has been committed."""
    return db.session.get(SpentToken, key_digest(key)) is not None


def use_once(key: str) -> bool:
    """Mark key used in the session's transaction: True the first time, False when it was
    already (by this or a concurrent transaction). Keys are kept as digests only."""
    digest = key_digest(key)
    if db.session.get(SpentToken, digest) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(SpentToken(digest=digest))
    except sa.exc.IntegrityError:
        return False
    return True
