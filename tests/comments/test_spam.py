"""Spam signals, without HTTP: listed words and the form's traps (honeypot, stamp)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from blog.comments.spam import (
    FormExpired,
    find_listed_word,
    form_stamp_signal,
    honeypot_signal,
    issue_form_stamp,
)
from blog.models import utcnow


def test_listed_words_match_whole_words_only():
    assert find_listed_word("Stop the press now", ["press"]) == "press"
    assert find_listed_word("I run WordPress", ["press"]) is None
    assert find_listed_word("PRESS release", ["press"]) == "press"
    assert find_listed_word("buy crypto coin today", ["crypto coin"]) == "crypto coin"
    assert find_listed_word("anything", ["", "  "]) is None


def test_honeypot_signal():
    assert honeypot_signal("") is None and honeypot_signal(None) is None
    assert honeypot_signal("http://spam.example") == "honeypot field filled"


def test_form_stamp_catches_fast_missing_and_forged_forms_and_expires_old_ones():
    stamp = issue_form_stamp("secret")
    soon = utcnow() + timedelta(seconds=1)
    later = utcnow() + timedelta(seconds=10)
    kwargs = {"min_seconds": 3, "max_age_seconds": 3600}
    assert form_stamp_signal(stamp, "secret", now=later, **kwargs) is None
    assert "after the form was served" in form_stamp_signal(stamp, "secret", now=soon, **kwargs)
    assert form_stamp_signal(stamp, "secret", now=soon, min_seconds=0, max_age_seconds=3600) is None
    assert form_stamp_signal("", "secret", **kwargs) == "form stamp missing"
    assert form_stamp_signal(stamp, "another secret", **kwargs) == "form stamp forged"
    assert form_stamp_signal(stamp + "x", "secret", **kwargs) == "form stamp forged"
    old = issue_form_stamp("secret")
    with pytest.raises(FormExpired):
        form_stamp_signal(old, "secret", min_seconds=0, max_age_seconds=-1)


# --- closing ---------------------------------------------------------------------------------
