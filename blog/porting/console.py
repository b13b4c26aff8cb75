"""What an import shows on the terminal: a progress bar over the bytes of the file it reads,
and counts in words for its summary."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import click


class CountingReader:
    """A binary file that reports how far it has been read (for a progress bar)."""

    def __init__(self, raw: BinaryIO, advanced: Callable[[int], None]) -> None:
        self.raw = raw
        self.advanced = advanced

    def read(self, size: int = -1) -> bytes:
        """Read as the file would, then report the bytes read."""
        data = self.raw.read(size)
        self.advanced(len(data))
        return data


@contextmanager
def reading_with_progress(path: Path, label: str) -> Iterator[CountingReader]:
    """The file, read with a progress bar over its bytes on stderr (stdout keeps the summary)."""
    with (
        path.open("rb") as raw,
        click.progressbar(length=path.stat().st_size, label=label, file=sys.stderr) as bar,
    ):
        yield CountingReader(raw, bar.update)


def counted(number: int, one: str, many: str | None = None) -> str:
    """ "1 post", "2 posts"; many for a plural that is not one + "s"."""
    return f"{number} {one if number == 1 else (many or one + 's')}"
