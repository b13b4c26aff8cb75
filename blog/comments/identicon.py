"""Avatars made here: a symmetric 5x5 SVG pattern keyed by HMAC-SHA256(secret key, email).

No Gravatar and no request to anyone. The key means the picture cannot be used to test a guess
of someone's email, as an unsalted hash (Gravatar's MD5 or SHA-256) can. A page names an avatar
by the first 8 bytes of that digest (/avatars/<16 hex digits>.svg), and the picture is drawn
from those bytes alone, so the image URL is long-lived and cached by browsers for a year, and
drawing it needs neither the database nor the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

GRID = 5
KEY_PATTERN = re.compile(r"^[0-9a-f]{16}$")


@lru_cache(maxsize=4096)
def avatar_key(secret_key: str, email: str) -> str:
    """The public name of a commenter's avatar: the keyed digest's first 8 bytes, in hex."""
    digest = hmac.new(secret_key.encode(), email.strip().lower().encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1024)
def identicon_svg(key: str) -> str:
    """The picture: mirrored cells on a light ground, in a colour taken from the key."""
    if not KEY_PATTERN.match(key):
        raise ValueError("not an avatar key")
    value = bytes.fromhex(key)
    hue = int.from_bytes(value[:2], "big") % 360
    bits = int.from_bytes(value[2:4], "big")
    half = (GRID + 1) // 2
    cells = []
    for index in range(GRID * half):
        if bits >> index & 1:
            row, column = divmod(index, half)
            cells.append((column, row))
            if column != GRID - 1 - column:
                cells.append((GRID - 1 - column, row))
    path = "".join(f"M{x + 1} {y + 1}h1v1h-1z" for x, y in sorted(cells))
    box = GRID + 2
    # Every value interpolated here is a number computed from hex digits: nothing else.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {box} {box}">'
        f'<rect width="{box}" height="{box}" fill="hsl({hue} 45% 92%)"/>'
        f'<path fill="hsl({hue} 55% 38%)" d="{path}"/></svg>'
    )
