"""Pictures for the reader tests, drawn here with Pillow: a sky, a sun and hills in one hue."""

from __future__ import annotations

import colorsys
import io
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask
from PIL import Image, ImageDraw

from blog.extensions import db
from blog.media.library import add_picture
from blog.models import Article
from tests.factories import make_article, make_author, make_category

PICTURED_SLUG = "a-lock-keepers-last-season"


def _rgb(hue: float, saturation: float, lightness: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hls_to_rgb(hue % 1, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


def landscape(width: int = 1800, height: int = 1200, hue: float = 0.58, fmt: str = "JPEG") -> bytes:
    """A JPEG (or PNG, WebP) of a simple landscape, its colours turned by hue (0 to 1)."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):  # the sky, lighter towards the horizon
        draw.line([(0, y), (width, y)], fill=_rgb(hue, 0.55, 0.35 + 0.45 * y / height))
    radius = height // 7
    sun = (width * 2 // 3, height // 3)
    draw.ellipse(
        [sun[0] - radius, sun[1] - radius, sun[0] + radius, sun[1] + radius],
        fill=_rgb(hue + 0.45, 0.9, 0.75),
    )
    for n, lightness in enumerate((0.3, 0.22, 0.15)):  # three ridges, the nearest darkest
        top = height * (55 + 12 * n) // 100
        points = [(0, height)]
        for x in range(0, width + 1, max(width // 12, 1)):
            points.append((x, top + ((x * (n + 3)) % (height // 6))))
        points.append((width, height))
        draw.polygon(points, fill=_rgb(hue + 0.08 * (n + 1), 0.45, lightness))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def portrait(size: int = 600, hue: float = 0.05) -> bytes:
    """A square JPEG of a head and shoulders in silhouette, for an author's photo."""
    image = Image.new("RGB", (size, size), _rgb(hue, 0.35, 0.8))
    draw = ImageDraw.Draw(image)
    colour = _rgb(hue, 0.3, 0.3)
    draw.ellipse([size * 0.33, size * 0.18, size * 0.67, size * 0.58], fill=colour)
    draw.ellipse([size * 0.15, size * 0.62, size * 0.85, size * 1.3], fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def pictured_story(app: Flask) -> dict[str, str]:
    """On a shared site (the browser tests' live one): a featured article with a captioned
    lead image, by an author with a photo, in a category of its own; made once. Dated before
    the demo's newest, so it leads the front page as featured and changes no feed's order."""
    with app.app_context():
        article = db.session.scalar(sa.select(Article).where(Article.slug == PICTURED_SLUG))
        if article is None:
            author = make_author("Ines Harrow", bio="Ines writes about the river and its boats.")
            author.photo = add_picture(portrait(300, 0.6))
            article = make_article(
                title="A lock keeper's last season",
                slug=PICTURED_SLUG,
                author=author,
                category=make_category("River"),
                featured=True,
                published_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
                lead_image=add_picture(landscape(1200, 800, 0.35)),
                lead_image_alt="A lock gate half open, a narrowboat waiting",
                lead_image_caption="Lock 14 at dusk, the last boat of the day.",
                lead_image_credit="Photo: The Ledger",
            )
            db.session.commit()
        return {
            "article": f"/articles/{article.slug}",
            "author": f"/authors/{article.author.slug}",
            "category": f"/category/{article.category.slug}",
        }
