"""The upload rules, as plain functions without HTTP: what picture is accepted, and the files
made from it.

An upload is judged by its content, never by its name: Pillow reads its header, the size is
bounded before a pixel is decoded (a decompression bomb never is), and only JPEG, PNG and WebP
stills are taken. What is kept is turned upright from its EXIF orientation and written again
without EXIF (no camera serial, no GPS position), keeping only its colour profile.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, replace

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from blog.media.names import DIGEST_LENGTH, EXTENSIONS, WIDTHS, FileName, file_names, largest_size
from blog.refusals import Refused

#: Pillow's names for the formats taken (blog.media.names.EXTENSIONS has ours). MPO is a JPEG
#: with a preview or a second view after it, as many cameras write: its first picture is taken.
ACCEPTED = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp"}
#: The longest side a WebP file can have: a picture that would be taller when stored is refused.
MAX_STORED_SIDE = 16383
#: Modes whose colour profile describes RGB pixels, so it still fits them once written.
RGB_MODES = {"RGB", "RGBA", "P", "PA"}
#: Encoder settings per extension: good quality at a fraction of a camera's bytes.
SAVE_OPTIONS = {
    "jpg": {"format": "JPEG", "quality": 85, "optimize": True, "progressive": True},
    # zlib's default level: "optimize" tries every filter and halves the speed for a few percent.
    "png": {"format": "PNG", "compress_level": 6},
    "webp": {"format": "WEBP", "quality": 80, "method": 4},
}
#: Files a field's message names as not taken.
LANCZOS = Image.Resampling.LANCZOS
NOT_A_PICTURE = "This file is not a picture we can use: please upload a JPEG, PNG or WebP image."


@dataclass(frozen=True)
class Limits:
    """The bounds an upload is held to (MEDIA_MAX_UPLOAD_BYTES, MEDIA_MAX_PIXELS)."""

    max_bytes: int
    max_pixels: int


@dataclass
class Processed:
    """A picture made ready to store: its digest, format, widest size, and every file's bytes."""

    digest: str
    format: str
    width: int
    height: int
    files: dict[FileName, bytes]

    @property
    def stored_bytes(self) -> int:
        return sum(len(data) for data in self.files.values())


def upload_digest(data: bytes) -> str:
    """The digest that names an upload's files: the same bytes always give the same name."""
    return hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]


def open_checked(data: bytes, limits: Limits) -> Image.Image:
    """The upload opened by its content and checked against every rule, not yet decoded;
    Refused with a message for the person who uploaded it otherwise."""
    if not data:
        raise Refused("The file is empty: please choose a picture.")
    if len(data) > limits.max_bytes:
        raise Refused(f"The file is larger than {limits.max_bytes // (1024 * 1024)} MB.")
    try:
        with warnings.catch_warnings():
            # Pillow warns of large images at open; our own bound below is the judge.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise Refused(_too_many_pixels(limits)) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise Refused(NOT_A_PICTURE) from None
    if image.format not in ACCEPTED:
        raise Refused(NOT_A_PICTURE)
    width, height = image.size
    if width < 1 or height < 1 or width * height > limits.max_pixels:
        raise Refused(_too_many_pixels(limits))
    if getattr(image, "n_frames", 1) > 1 and image.format != "MPO":
        raise Refused("Animated pictures are not taken: please upload a still image.")
    return image


def _too_many_pixels(limits: Limits) -> str:
    return (
        f"The picture is too large: at most {limits.max_pixels // 1_000_000} million pixels "
        "(for example 8000 × 6000)."
    )


def upright(image: Image.Image) -> tuple[Image.Image, bytes | None]:
    """The picture decoded, turned as its EXIF orientation says, in a mode every format writes:
    RGB, or RGBA where it has transparency; with the colour profile its files keep.

    An RGB picture keeps its own profile. A CMYK one with a profile is converted through it to
    sRGB (the web's default, so no profile is written); other modes are converted plainly and
    lose theirs (a CMYK or grey profile would misdescribe RGB pixels).
    """
    profile = image.info.get("icc_profile")
    try:
        image.load()
        turned = ImageOps.exif_transpose(image) or image
    except (OSError, ValueError, SyntaxError):
        raise Refused("The picture could not be read: the file may be damaged.") from None
    has_alpha = turned.mode in ("RGBA", "LA", "PA") or "transparency" in turned.info
    wanted = "RGBA" if has_alpha else "RGB"
    if turned.mode == "CMYK" and profile:
        return _cmyk_to_srgb(turned, profile), None
    kept = profile if turned.mode in RGB_MODES else None
    return (turned if turned.mode == wanted else turned.convert(wanted)), kept


def _cmyk_to_srgb(image: Image.Image, profile: bytes) -> Image.Image:
    """A CMYK picture's colours through its own profile into sRGB (plainly, if it is unusable)."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        converted = None
    return converted if converted is not None else image.convert("RGB")


def encode(image: Image.Image, ext: str, icc_profile: bytes | None) -> bytes:
    """One file's bytes: no EXIF, no XMP, no comments; the colour profile kept."""
    if ext == "jpg" and image.mode == "RGBA":
        image = image.convert("RGB")  # never: a picture with transparency is kept as PNG
    image.info = {}
    out = io.BytesIO()
    options = dict(SAVE_OPTIONS[ext])
    if icc_profile:
        options["icc_profile"] = icc_profile
    try:
        image.save(out, **options)
    except (OSError, ValueError):  # beyond what an encoder can write
        raise Refused(
            "The picture could not be made ready for the web: please try another."
        ) from None
    return out.getvalue()


def process_upload(data: bytes, limits: Limits, widths: tuple[int, ...] = WIDTHS) -> Processed:
    """Check an upload and make its files: each width in WebP and in the format it came in."""
    image = open_checked(data, limits)
    fmt = ACCEPTED[image.format]
    picture, icc_profile = upright(image)
    if fmt == "jpeg" and picture.mode == "RGBA":
        fmt = "png"  # cannot happen for a JPEG today; kept so transparency is never flattened
    width, height = largest_size(*picture.size, widths)
    if height > MAX_STORED_SIDE:
        raise Refused(
            f"The picture is too tall for its width: at most {MAX_STORED_SIDE:,} pixels high "
            f"once it is {width:,} wide."
        )
    digest = upload_digest(data)
    files: dict[FileName, bytes] = {}
    extensions = [EXTENSIONS[fmt]] + ([] if fmt == "webp" else ["webp"])
    for name in file_names(digest, width, height, "webp"):
        size = (name.file_width, name.file_height)
        scaled = picture if size == picture.size else picture.resize(size, LANCZOS, reducing_gap=3)
        for ext in extensions:
            files[replace(name, ext=ext)] = encode(scaled, ext, icc_profile)
    return Processed(digest, fmt, width, height, files)
