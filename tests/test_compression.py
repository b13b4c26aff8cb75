"""gzip assembled from runs compressed once and bytes that change per request."""

from __future__ import annotations

import gzip
import zlib

import pytest

from blog.compression import Run, accepts_gzip, gzip_bytes, gzip_of, stored


def test_runs_and_changing_bytes_make_one_ordinary_gzip_member():
    head, tail = Run.of(b"<html>" + b"kept words " * 5000), Run.of(b"</form></html>")
    for stamp in (b"stamp-one", b"another.stamp.value", b""):
        body = gzip_of([head, stamp, tail])
        assert gzip.decompress(body) == head.raw + stamp + tail.raw
        # As a browser's zlib reads it: one member, nothing left over.
        reader = zlib.decompressobj(16 + zlib.MAX_WBITS)
        assert reader.decompress(body) == head.raw + stamp + tail.raw
        assert reader.eof and reader.unused_data == b""
    assert len(gzip_of([head, b"x", tail])) < len(head.raw) // 20  # the runs stay compressed


def test_changing_bytes_longer_than_a_stored_block_are_split():
    big = bytes(range(256)) * 300  # 76,800 bytes: two stored blocks
    assert len(stored(big)) == len(big) + 2 * 5
    assert gzip.decompress(gzip_of([Run.of(b"a"), big, Run.of(b"z")])) == b"a" + big + b"z"


def test_a_whole_body_compressed_once():
    assert gzip.decompress(gzip_bytes(b"body { color: black }")) == b"body { color: black }"
    assert gzip.decompress(gzip_bytes(b"")) == b""


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip, deflate, br, zstd", True),  # what Chromium sends
        ("GZIP", True),
        ("*", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("deflate, *;q=0", False),
        ("identity", False),
        ("", False),
        (None, False),
    ],
)
def test_what_counts_as_accepting_gzip(header, accepted):
    assert accepts_gzip(header) is accepted
