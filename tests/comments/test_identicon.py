"""Identicons, without HTTP: keyed, revealing no plain hash of the email."""

from __future__ import annotations

import hashlib

import pytest

from blog.comments.identicon import avatar_key, identicon_svg


def test_avatars_are_keyed_and_reveal_no_plain_hash():
    one = avatar_key("key", "Ada@Example.com")
    assert one == avatar_key("key", "ada@example.com ")
    assert one != avatar_key("other key", "ada@example.com")
    assert len(one) == 16 and int(one, 16) >= 0
    for plain in (hashlib.md5, hashlib.sha1, hashlib.sha256):
        assert one not in plain(b"ada@example.com").hexdigest()
    svg = identicon_svg(one)
    assert svg.startswith("<svg") and "<script" not in svg
    assert identicon_svg(one) == svg != identicon_svg(avatar_key("key", "bob@example.com"))
    with pytest.raises(ValueError):
        identicon_svg("<script>")
