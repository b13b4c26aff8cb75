"""A picture as HTML: <picture> with WebP first, srcset and sizes, and its width and height set
so the page never shifts as it loads. The one place that writes it, for a lead image, a
thumbnail, an author's photo and a picture in an article's body alike."""

from __future__ import annotations

import re
from html import unescape
from typing import TYPE_CHECKING

from markupsafe import Markup

from blog.media.names import EXTENSIONS, MEDIA_PATH, file_names, parse_name, srcset

if TYPE_CHECKING:
    from blog.models import Media

#: The width a picture in an article is shown at, its lead image's and its body's: the reading
#: column of blog/static/style.css, or the screen less its margins.
BODY_SIZES = "(min-width: 64rem) 47.5rem, (min-width: 46rem) 43.5rem, calc(100vw - 2.5rem)"
#: How an <img> ends: lazy below the fold, asked for first when it is the page's main picture.
LAZY = Markup(' loading="lazy" decoding="async">')
EAGER = Markup(' fetchpriority="high">')

_BODY_IMG = re.compile(r"<img ([^>]*)>")
_ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')


def picture_markup(
    digest: str,
    width: int,
    height: int,
    ext: str,
    *,
    alt: str,
    sizes: str,
    lazy: bool = True,
    css_class: str | None = None,
    title: str | None = None,
) -> Markup:
    """The <picture> for a picture whose widest file is width × height in ext."""
    own = file_names(digest, width, height, ext)
    fallback = own[min(1, len(own) - 1)]  # the middle width, for a browser without srcset
    webp = Markup("")
    if ext != "webp":
        webp_files = srcset(file_names(digest, width, height, "webp"))
        source = Markup('<source type="image/webp" srcset="{}" sizes="{}">')
        webp = source.format(webp_files, sizes)
    img = Markup(
        '<img src="{src}" srcset="{srcset}" sizes="{sizes}" width="{width}" height="{height}" '
        'alt="{alt}"'
    ).format(src=fallback.url, srcset=srcset(own), sizes=sizes, width=width, height=height, alt=alt)
    if css_class:
        img += Markup(' class="{}"').format(css_class)
    if title:
        img += Markup(' title="{}"').format(title)
    img += LAZY if lazy else EAGER
    return Markup("<picture>{}{}</picture>").format(webp, img)


def media_picture(
    media: Media, alt: str, sizes: str, *, lazy: bool = True, css_class: str | None = None
) -> Markup:
    """A stored picture (a blog.models.Media) as <picture>."""
    return picture_markup(
        media.digest,
        media.width,
        media.height,
        EXTENSIONS[media.format],
        alt=alt,
        sizes=sizes,
        lazy=lazy,
        css_class=css_class,
    )


def body_pictures(html: str) -> str:
    """An article body's HTML with each of our pictures (an <img> of a /media/ file, as the
    media library's Markdown puts it) written as a lazy, responsive <picture>; other images
    are left as they are."""

    def expand(match: re.Match[str]) -> str:
        attributes = {name: unescape(value) for name, value in _ATTRIBUTE.findall(match[1])}
        src = attributes.get("src", "")
        name = parse_name(src.removeprefix(MEDIA_PATH)) if src.startswith(MEDIA_PATH) else None
        if name is None or "srcset" in attributes:  # not ours, or written out already
            return match[0]
        return picture_markup(
            name.digest,
            name.width,
            name.height,
            name.ext,
            alt=attributes.get("alt", ""),
            sizes=BODY_SIZES,
            title=attributes.get("title"),
        )

    return _BODY_IMG.sub(expand, html)
