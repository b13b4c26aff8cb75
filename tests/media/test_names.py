"""The names of pictures' files and the widths a picture has, without a database."""

from __future__ import annotations

from blog.media.names import (
    WIDTHS,
    FileName,
    file_names,
    file_widths,
    largest_size,
    parse_name,
    srcset,
)


def test_a_name_says_the_picture_its_widest_size_and_which_file_it_is():
    name = FileName("0123456789abcdef0123", 1600, 1067, "jpg", 480)
    assert str(name) == "0123456789abcdef0123-1600x1067-480.jpg"
    assert name.url == "/media/0123456789abcdef0123-1600x1067-480.jpg"
    assert name.content_type == "image/jpeg"
    assert name.file_height == 320
    assert parse_name(str(name)) == name


def test_names_that_are_not_ours_are_not_parsed():
    for stranger in (
        "0123456789abcdef0123-1600x1067-480.gif",  # a format we never store
        "0123456789abcdef0123-1600x1067-500.jpg",  # a width the picture has no file in
        "0123456789abcdef0123-1600x1067-3200.jpg",  # wider than its widest
        "0123456789ABCDEF0123-1600x1067-480.jpg",  # digests are lower case
        "0123456789abcdef012-1600x1067-480.jpg",  # a digest too short
        "../0123456789abcdef0123-1600x1067-480.jpg",
        "0123456789abcdef0123-0x1067-480.jpg",
        "0123456789abcdef0123-1600x1067-480.jpg.php",
    ):
        assert parse_name(stranger) is None, stranger


def test_a_large_picture_is_kept_at_the_widest_width_and_never_enlarged():
    assert largest_size(4000, 3000) == (1600, 1200)
    assert largest_size(1200, 800) == (1200, 800)
    assert largest_size(300, 200) == (300, 200)
    assert file_widths(1600) == [480, 960, 1600]
    assert file_widths(1200) == [480, 960, 1200]
    assert file_widths(300) == [300]
    assert WIDTHS[-1] == 1600


def test_every_file_of_a_picture_follows_from_any_one_of_its_names():
    files = file_names("0123456789abcdef0123", 1600, 1067, "webp")
    for name in files:
        found = parse_name(str(name))
        assert file_names(found.digest, found.width, found.height, found.ext) == files
    assert srcset(files) == (
        "/media/0123456789abcdef0123-1600x1067-480.webp 480w, "
        "/media/0123456789abcdef0123-1600x1067-960.webp 960w, "
        "/media/0123456789abcdef0123-1600x1067-1600.webp 1600w"
    )
