"""gzip for kept pages: compressed once, with room for a few bytes that change per request.

A kept page is the same for every reader but for a few small pieces (the comment form's time
stamp, a reader's own flash or form). Compressing the whole page on every request would cost
more than serving it. Instead each unchanging run of the page is deflated once, on its own,
ending on a full flush (byte-aligned, no reference to anything before it), and the pieces that
change are sent as stored (uncompressed) deflate blocks between them. Deflate allows blocks of
any kind in any order, so the result is one ordinary gzip member (RFC 1951, RFC 1952); a
request only computes the CRC-32 from the first changing piece on, and writes a few headers.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from werkzeug.http import parse_accept_header

#: The fixed gzip header: magic, deflate, no flags, no time, no extra flags, unknown OS.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
#: An empty stored block with the final bit set: how every assembled stream ends.
FINAL_BLOCK = b"\x01\x00\x00\xff\xff"
#: A stored block holds at most this many bytes.
_STORED_MAX = 0xFFFF
#: The level for what is compressed once; the cost is paid when a page is kept, not per request.
LEVEL = 6


@dataclass(frozen=True)
class Run:
    """An unchanging run of a page: its bytes, and the same deflated on its own."""

    raw: bytes
    deflated: bytes

    @classmethod
    def of(cls, raw: bytes) -> Run:
        compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        return cls(raw, compressor.compress(raw) + compressor.flush(zlib.Z_FULL_FLUSH))


def stored(data: bytes) -> bytes:
    """data as non-final stored deflate blocks (byte-aligned, as every Run ends)."""
    blocks = []
    for start in range(0, len(data), _STORED_MAX):
        chunk = data[start : start + _STORED_MAX]
        blocks.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(blocks)


def gzip_of(pieces: Iterable[Run | bytes], crc: int = 0, length: int = 0) -> bytes:
    """One gzip member of the pieces in order: Runs as deflated once, bytes as stored blocks.

    crc and length may carry the CRC-32 and size of Runs already counted (see Prefix).
    """
    out = [GZIP_HEADER]
    for piece in pieces:
        if isinstance(piece, Run):
            out.append(piece.deflated)
            crc, length = zlib.crc32(piece.raw, crc), length + len(piece.raw)
        else:
            out.append(stored(piece))
            crc, length = zlib.crc32(piece, crc), length + len(piece)
    out.append(FINAL_BLOCK)
    out.append(struct.pack("<II", crc, length & 0xFFFFFFFF))
    return b"".join(out)


def gzip_bytes(data: bytes) -> bytes:
    """A whole body compressed once (a static file, a page with nothing that changes)."""
    return gzip_of([Run.of(data)])


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip (werkzeug reads q-values and *)."""
    return parse_accept_header(accept_encoding).quality("gzip") > 0
