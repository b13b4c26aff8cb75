"""Spam signals: what says a new comment came from a bot or a spammer.

The form's traps (an invisible field, a signed stamp of when the form was served) and listed
words. A ban is the other signal; what it catches is decided beside the bans screen
(admin/bans.py, ban_reason). submission.initial_verdict weighs them all, with the number of
links and whether the commenter is known, into the comment's status.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from blog.models import utcnow
from blog.refusals import Refused


class FormExpired(Refused):
    """The form was served too long ago; a fresh one must be sent."""


def _stamp_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="comment-form-stamp")


def issue_form_stamp(secret_key: str) -> str:
    """A signed note of when the form was served."""
    return _stamp_serializer(secret_key).dumps("comment-form")


#: The stamp of the current second, per secret key: every form served within a second gets it.
_this_second: dict[str, tuple[int, str]] = {}


def current_form_stamp(secret_key: str) -> str:
    """issue_form_stamp, made once a second (a stamp's resolution is one second anyway)."""
    second = int(time.time())
    made = _this_second.get(secret_key)
    if made is None or made[0] != second:
        made = (second, issue_form_stamp(secret_key))
        _this_second[secret_key] = made
    return made[1]


def form_stamp_signal(
    stamp: str | None,
    secret_key: str,
    *,
    min_seconds: float,
    max_age_seconds: int,
    now: datetime | None = None,
) -> str | None:
    """A spam signal from the form's stamp, or None when a person plausibly filled it.

    Raises FormExpired when the form is older than max_age_seconds.
    """
    if not stamp:
        return "form stamp missing"
    try:
        _, signed_at = _stamp_serializer(secret_key).loads(
            stamp, max_age=max_age_seconds, return_timestamp=True
        )
    except SignatureExpired:
        raise FormExpired(
            "This form was open for too long, so the comment was not sent. "
            "Please check it and send it again."
        ) from None
    except BadSignature:
        return "form stamp forged"
    elapsed = ((now or utcnow()) - signed_at).total_seconds()
    if min_seconds and elapsed < min_seconds:
        return f"sent {elapsed:.1f}s after the form was served"
    return None


def honeypot_signal(value: str | None) -> str | None:
    """Anything typed into the invisible field came from a bot."""
    return "honeypot field filled" if value else None


def find_listed_word(text: str, words: Iterable[str]) -> str | None:
    """The first listed word that stands as a whole word in text (any case), or None.

    Whole words only: "press" is not found in "WordPress".
    """
    for word in words:
        word = word.strip()
        if word and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
            return word
    return None
