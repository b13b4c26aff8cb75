"""Pictures for the reader tests, drawn here with Pillow: a sky, a sun and hills in one hue."""

from __future__ import annotations

import colorsys
import io

from PIL import Image, ImageDraw


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
