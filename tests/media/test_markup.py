"""A picture as HTML: <picture> with WebP first, srcset, sizes, width and height; our pictures
in an article's body written the same way."""

from __future__ import annotations

from blog.media.markup import BODY_SIZES, body_pictures, picture_markup
from blog.rendering import render_body

DIGEST = "0123456789abcdef0123"


def test_a_picture_offers_webp_first_and_sets_its_size():
    html = picture_markup(DIGEST, 1600, 900, "jpg", alt='A "quoted" <harbour>', sizes="100vw")
    assert html.startswith('<picture><source type="image/webp" srcset="/media/')
    assert f"/media/{DIGEST}-1600x900-1600.webp 1600w" in html
    assert f'<img src="/media/{DIGEST}-1600x900-960.jpg"' in html
    assert 'width="1600" height="900"' in html
    assert 'alt="A &#34;quoted&#34; &lt;harbour&gt;"' in html
    assert 'loading="lazy" decoding="async"' in html


def test_the_main_picture_is_asked_for_first_not_lazily():
    html = picture_markup(DIGEST, 1600, 900, "png", alt="", sizes="100vw", lazy=False)
    assert 'fetchpriority="high"' in html
    assert "loading=" not in html


def test_a_webp_upload_has_one_format():
    html = picture_markup(DIGEST, 800, 600, "webp", alt="x", sizes="100vw")
    assert "<source" not in html
    assert (
        f'srcset="/media/{DIGEST}-800x600-480.webp 480w, /media/{DIGEST}-800x600-800.webp 800w"'
        in html
    )


def test_our_pictures_in_a_body_become_responsive_and_others_stay_as_written():
    body = (
        f'![The quay at dawn](/media/{DIGEST}-1600x1067-1600.jpg "At dawn")\n\n'
        "![Elsewhere](https://example.org/picture.jpg)\n\n"
        "![Not ours](/media/not-a-name.jpg)"
    )
    html = render_body(body, "markdown")
    assert html.count("<picture>") == 1
    assert f'sizes="{BODY_SIZES}"' in html
    assert 'alt="The quay at dawn"' in html and 'title="At dawn"' in html
    assert 'width="1600" height="1067"' in html
    assert '<img src="https://example.org/picture.jpg" alt="Elsewhere">' in html
    assert '<img src="/media/not-a-name.jpg" alt="Not ours">' in html


def test_an_imported_html_body_gets_the_same_pictures():
    html = render_body(f'<p><img src="/media/{DIGEST}-1600x1067-480.jpg" alt="Quay"></p>', "html")
    assert "<picture>" in html and 'alt="Quay"' in html


def test_expanding_twice_changes_nothing():
    once = body_pictures(f'<p><img src="/media/{DIGEST}-960x640-960.jpg" alt="a"></p>')
    assert body_pictures(once) == once
