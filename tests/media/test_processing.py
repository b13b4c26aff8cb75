"""Every upload rule, without HTTP: the picture judged by its content, bounded before it is
decoded, turned upright, stripped of EXIF, its colours kept; and kept once in the library, in
whichever store the site uses (SQLite or PostgreSQL, as the suite runs)."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image, ImageCms, ImageFile

from blog.extensions import db
from blog.media.library import add_picture
from blog.media.processing import NOT_A_PICTURE, Limits, process_upload
from blog.media.store import current_store
from blog.models import Media, MediaFile
from blog.refusals import Refused
from tests.conftest import app_of_its_own
from tests.media import pictures

LIMITS = Limits(max_bytes=20 * 1024 * 1024, max_pixels=50_000_000)


def stored_files(app, media_id: int) -> dict[str, bytes]:
    """Every file kept for a picture, by name, read back from the store."""
    with app.app_context():
        media = db.session.get(Media, media_id)
        store = current_store()
        return {str(name): store.get(str(name)) for name in media.all_files()}


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def refusal(data: bytes, limits: Limits = LIMITS) -> str:
    with pytest.raises(Refused) as refused:
        process_upload(data, limits)
    return str(refused.value)


# --- By content, not by name ------------------------------------------------------------------


def test_a_png_named_jpg_is_taken_and_kept_as_a_png(app):
    with app.app_context():
        media = add_picture(pictures.png(), "holiday.jpg")
        db.session.commit()
        media_id, fmt, names = media.id, media.format, [str(n) for n in media.files()]
    assert fmt == "png"
    assert all(name.endswith(".png") for name in names)
    for name, data in stored_files(app, media_id).items():
        assert opened(data).format == ("WEBP" if name.endswith(".webp") else "PNG")


def test_a_text_file_named_png_is_refused_with_a_clear_message(app):
    with app.app_context():
        with pytest.raises(Refused) as refused:
            add_picture(b"Dear editor, this is not a picture.\n", "cat.png")
        assert str(refused.value) == NOT_A_PICTURE
        assert "JPEG, PNG or WebP" in NOT_A_PICTURE
        assert db.session.scalar(sa.select(sa.func.count(Media.id))) == 0


def test_a_gif_is_refused_as_not_taken():
    gif = pictures.encoded(Image.new("RGB", (8, 8)), "GIF")
    assert refusal(gif) == NOT_A_PICTURE


# --- Bounds -------------------------------------------------------------------------------------


def test_a_decompression_bomb_is_refused_before_it_is_decoded(monkeypatch):
    bomb = pictures.bomb()
    assert len(bomb) < 100_000  # small on the wire, 400 million pixels decoded

    def never(*_args, **_kwargs):
        raise AssertionError("the bomb was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    message = refusal(bomb)
    assert "too large" in message and "50 million pixels" in message


def test_a_file_over_the_byte_limit_is_refused():
    data = pictures.padded_jpeg(3 * 1024 * 1024)
    message = refusal(data, Limits(max_bytes=2 * 1024 * 1024, max_pixels=50_000_000))
    assert message == "The file is larger than 2 MB."
    assert process_upload(data, LIMITS).format == "jpeg"  # the same file is taken under 20 MB


def test_an_empty_file_is_refused():
    assert refusal(b"") == "The file is empty: please choose a picture."


def test_an_animated_webp_is_refused_with_its_message():
    assert refusal(pictures.animated_webp()) == (
        "Animated pictures are not taken: please upload a still image."
    )


def test_a_still_webp_is_taken_and_kept_once():
    still = pictures.encoded(Image.new("RGB", (40, 30), (1, 2, 3)), "WEBP")
    processed = process_upload(still, LIMITS)
    assert processed.format == "webp"
    assert [name.ext for name in processed.files] == ["webp"]


# --- What is kept -------------------------------------------------------------------------------


def test_gps_exif_is_taken_but_never_kept(app):
    upload = pictures.with_gps()
    assert pictures.CAMERA.encode() in upload and b"Exif" in upload  # the test's own premise
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(0x8825)
    with app.app_context():
        media = add_picture(upload, "where-i-live.jpg")
        db.session.commit()
        media_id = media.id
    files = stored_files(app, media_id)
    assert len(files) == 2  # JPEG and WebP at the picture's own width (120 px)
    for data in files.values():
        assert b"Exif" not in data and b"GPS" not in data
        assert pictures.CAMERA.encode() not in data
        assert not opened(data).getexif()


def test_an_exif_rotated_photo_is_stored_upright():
    processed = process_upload(pictures.sideways(300, 200), LIMITS)
    assert (processed.width, processed.height) == (200, 300)
    for name, data in processed.files.items():
        image = opened(data)
        assert image.size == (200, 300) and not image.getexif()
        # Turned clockwise, the dark left half is now the top half.
        assert image.convert("L").getpixel((100, 40)) < 60, name
        assert image.convert("L").getpixel((100, 260)) > 200, name


def test_a_cmyk_jpeg_is_taken_with_its_colours_right_in_rgb():
    processed = process_upload(pictures.cmyk_red(), LIMITS)
    assert processed.format == "jpeg"
    for name, data in processed.files.items():
        image = opened(data)
        assert image.mode == "RGB", name
        red, green, blue = image.getpixel((32, 32))
        assert red > 220 and green < 40 and blue < 40, (name, (red, green, blue))


def test_a_large_picture_is_kept_in_three_widths_and_two_formats():
    processed = process_upload(pictures.jpeg(2000, 1000), LIMITS)
    assert (processed.width, processed.height) == (1600, 800)
    sizes = sorted((n.ext, opened(d).size) for n, d in processed.files.items())
    assert sizes == [
        ("jpg", (480, 240)),
        ("jpg", (960, 480)),
        ("jpg", (1600, 800)),
        ("webp", (480, 240)),
        ("webp", (960, 480)),
        ("webp", (1600, 800)),
    ]


# --- The library ----------------------------------------------------------------------------------


def test_the_same_upload_twice_is_one_picture(app):
    with app.app_context():
        first = add_picture(pictures.png(), "a.png")
        db.session.commit()
        second = add_picture(pictures.png(), "copy of a.png")
        db.session.commit()
        assert first.id == second.id
        assert db.session.scalar(sa.select(sa.func.count(Media.id))) == 1


def test_the_database_store_keeps_the_files_in_media_files(tmp_path):
    folder = tmp_path / "db-store"
    with app_of_its_own(folder, MEDIA_STORE="database", MEDIA_DIR=str(folder / "media")) as app:
        with app.app_context():
            media = add_picture(pictures.jpeg(1000, 500), "wide.jpg")
            db.session.commit()
            names = {str(name) for name in media.all_files()}
            kept = set(db.session.scalars(sa.select(MediaFile.name)))
        assert kept == names and len(names) == 6  # 480, 960 and 1000 px; JPEG and WebP
        assert not (tmp_path / "db-store" / "media").exists()


# --- Found by the review ------------------------------------------------------------------------


def test_our_own_pixel_bound_refuses_what_pillow_would_still_open(monkeypatch):
    # 60 million pixels: under Pillow's own limit (about 89 million), over MEDIA_MAX_PIXELS.
    bomb = pictures.bomb(8_000, 7_500)
    assert Image.MAX_IMAGE_PIXELS > 8_000 * 7_500

    def never(*_args, **_kwargs):
        raise AssertionError("the picture was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    assert "at most 50 million pixels" in refusal(bomb)
    assert "at most 1 million pixels" in refusal(pictures.png(1200, 1000), Limits(10**9, 10**6))


def test_a_picture_too_tall_for_webp_is_refused_not_a_server_error():
    message = refusal(pictures.png(100, 20_000))
    assert message == (
        "The picture is too tall for its width: at most 16,383 pixels high once it is 100 wide."
    )
    # As tall, but wide enough to be scaled under the limit once 1,600 wide: taken.
    assert process_upload(pictures.png(1_700, 17_000), LIMITS).height == 16_000


def test_a_camera_jpeg_with_a_preview_after_it_is_taken_as_a_jpeg():
    views = [Image.new("RGB", (400, 300), (20, 120, 60)), Image.new("RGB", (160, 120), (0, 0, 0))]
    mpo = pictures.encoded(views[0], "MPO", save_all=True, append_images=views[1:])
    assert Image.open(io.BytesIO(mpo)).format == "MPO"
    processed = process_upload(mpo, LIMITS)
    assert (processed.format, processed.width, processed.height) == ("jpeg", 400, 300)
    first = opened(next(data for name, data in processed.files.items() if name.ext == "jpg"))
    assert first.getpixel((10, 10))[1] > 100  # the main view's green, not the preview's black


def test_a_cmyk_profile_is_never_written_onto_rgb_files():
    # A profile that does not fit CMYK pixels (an sRGB one) cannot be used to convert them: the
    # picture is converted plainly, and no file carries a profile describing other pixels.
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    cmyk = pictures.encoded(
        Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG", quality=95, icc_profile=srgb
    )
    assert Image.open(io.BytesIO(cmyk)).info.get("icc_profile")
    for name, data in process_upload(cmyk, LIMITS).files.items():
        stored = opened(data)
        assert stored.mode == "RGB", name
        assert not stored.info.get("icc_profile"), name
        red, green, blue = stored.getpixel((32, 32))
        assert red > 200 and green < 60 and blue < 60, name


def test_an_rgb_picture_keeps_its_own_colour_profile():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo = pictures.jpeg(200, 100, icc_profile=srgb)
    for data in process_upload(photo, LIMITS).files.values():
        assert opened(data).info.get("icc_profile") == srgb


def test_a_file_name_with_control_characters_is_kept_without_them(app):
    with app.app_context():
        media = add_picture(pictures.png(), "quay\x00\x1b[31m at dawn.png")
        db.session.commit()
        assert media.original_name == "quay[31m at dawn.png"
