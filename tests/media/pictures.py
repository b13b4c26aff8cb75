"""Picture files for the upload tests, made here with Pillow (or by hand, for the bomb)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

#: Where the GPS EXIF test photo claims it was taken; its bytes must never be published.
CAMERA = "SecretCam-Serial-4711"


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    """An image's file bytes in a format."""
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png(width: int = 64, height: int = 48, colour: tuple = (200, 60, 30)) -> bytes:
    """A plain PNG."""
    return encoded(Image.new("RGB", (width, height), colour), "PNG")


def jpeg(width: int = 64, height: int = 48, colour: tuple = (30, 90, 200), **options) -> bytes:
    """A plain JPEG."""
    return encoded(Image.new("RGB", (width, height), colour), "JPEG", **options)


def with_gps(width: int = 120, height: int = 80) -> bytes:
    """A JPEG with a camera's EXIF: its make, and the GPS position it was taken at."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 8.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 41.0)
    return jpeg(width, height, exif=exif.tobytes())


def sideways(width: int = 300, height: int = 200) -> bytes:
    """A JPEG stored landscape whose EXIF says to turn it 90° (a phone held upright): its
    left half dark, so the turn can be seen."""
    image = Image.new("RGB", (width, height), (240, 240, 240))
    image.paste((10, 10, 10), (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to view
    return encoded(image, "JPEG", exif=exif.tobytes())


def cmyk_red(size: int = 64) -> bytes:
    """A CMYK JPEG of pure red (no cyan, no black: full magenta and yellow)."""
    return encoded(Image.new("CMYK", (size, size), (0, 255, 255, 0)), "JPEG", quality=95)


def animated_webp() -> bytes:
    """A WebP of two frames."""
    frames = [Image.new("RGB", (32, 32), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    return encoded(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A real PNG of width × height black 1-bit pixels, a few tens of KB compressed: decoded, it
    would take 400 million pixels of memory."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + (width + 7) // 8)  # filter byte, then the row's bits
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def padded_jpeg(total_bytes: int, colour: tuple = (90, 140, 60)) -> bytes:
    """A small JPEG made total_bytes long by comment segments (a camera file's size, without a
    camera file's pixels to process)."""
    picture = jpeg(64, 48, colour)
    segment_data = 65_000
    needed = max(0, total_bytes - len(picture))
    segments = []
    while needed > 4:
        size = min(segment_data, needed - 4)
        segments.append(b"\xff\xfe" + struct.pack(">H", size + 2) + b"c" * size)
        needed -= size + 4
    return picture[:2] + b"".join(segments) + picture[2:]


def multipart(fields) -> dict:
    """Keyword arguments for a test client's post of these fields as multipart/form-data, a
    browser's encoding of a form with a file. Encoded here, in memory: the test client spools
    a large body to a temporary file it never closes."""
    parts = MultiDict()
    for name, value in fields.items(multi=True):
        if isinstance(value, tuple):  # (stream or bytes, file name): a chosen file
            stream, filename = value
            stream = io.BytesIO(stream) if isinstance(stream, bytes) else stream
            value = FileStorage(stream, filename, content_type="application/octet-stream")
        parts.add(name, value)
    boundary, body = encode_multipart(parts)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}
