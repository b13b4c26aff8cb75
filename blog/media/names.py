"""What a picture's files are called and which widths it has: the one place that knows.

Every stored file is named `<digest>-<width>x<height>-<file width>.<ext>`: the digest is of the
upload's bytes (so a name changes whenever the content could, and a year's caching is safe),
width × height is the picture's widest file, and the file width says which of its files this
is. Any one name is enough to write a picture's srcset without asking the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The address every picture's files are served under (blog.media.routes).
MEDIA_PATH = "/media/"
#: The widths a picture is stored in, narrowest first; a picture narrower than the widest
#: is stored at its own width instead of being enlarged.
WIDTHS = (480, 960, 1600)
#: Formats by the extension their files have; every picture is stored in WebP and in the
#: format it was uploaded in (one file when that is WebP).
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
#: Hex digits of the SHA-256 kept in a name: 80 bits, no collision among any site's uploads.
DIGEST_LENGTH = 20

_NAME = re.compile(
    rf"(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})-(?P<width>[1-9][0-9]{{0,4}})"
    r"x(?P<height>[1-9][0-9]{0,4})-(?P<file_width>[1-9][0-9]{0,4})\.(?P<ext>jpg|png|webp)"
)


@dataclass(frozen=True)
class FileName:
    """One stored file of a picture: the picture's digest and widest size, this file's width."""

    digest: str
    width: int
    height: int
    ext: str
    file_width: int

    def __str__(self) -> str:
        return f"{self.digest}-{self.width}x{self.height}-{self.file_width}.{self.ext}"

    @property
    def file_height(self) -> int:
        """This file's height: the widest file's, scaled to its width."""
        return max(1, round(self.height * self.file_width / self.width))

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.ext]

    @property
    def url(self) -> str:
        """Its address on this site, from the root."""
        return f"{MEDIA_PATH}{self}"


def parse_name(name: str) -> FileName | None:
    """The parts of a stored file's name, or None for anything else."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    parsed = FileName(
        match["digest"],
        int(match["width"]),
        int(match["height"]),
        match["ext"],
        int(match["file_width"]),
    )
    return parsed if parsed.file_width in file_widths(parsed.width) else None


def largest_size(width: int, height: int, widths: tuple[int, ...] = WIDTHS) -> tuple[int, int]:
    """The size of a picture's widest file: its own, or scaled down to the widest width."""
    if width <= widths[-1]:
        return width, height
    return widths[-1], max(1, round(height * widths[-1] / width))


def file_widths(width: int, widths: tuple[int, ...] = WIDTHS) -> list[int]:
    """The widths of a picture's files, narrowest first, from its widest file's width."""
    return [w for w in widths if w < width] + [width]


def file_names(digest: str, width: int, height: int, ext: str) -> list[FileName]:
    """A picture's files in one format, narrowest first, from its widest file's size."""
    return [FileName(digest, width, height, ext, w) for w in file_widths(width)]


def srcset(names: list[FileName]) -> str:
    """The srcset attribute's value for these files."""
    return ", ".join(f"{name.url} {name.file_width}w" for name in names)
