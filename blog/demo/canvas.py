"""A small drawing surface for the demo's illustrations: flat shapes in a picture's own
coordinates, drawn at twice the size and reduced once (each pixel the mean of four), so edges
come out smooth (Pillow's ImageDraw does not antialias). Nothing random unless a scene asks for
its own seeded Random, so the same demo always draws the same bytes (and so the same file
names)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from PIL import Image, ImageDraw

#: Drawn this many times larger than the picture, then scaled down: the antialiasing.
SUPERSAMPLE = 2

Point = tuple[float, float]


class Canvas:
    """A width × height picture, drawn on in its own coordinates (floats welcome)."""

    def __init__(self, width: int, height: int, background: str) -> None:
        self.width, self.height = width, height
        size = (width * SUPERSAMPLE, height * SUPERSAMPLE)
        self.image = Image.new("RGB", size, background)
        self.draw = ImageDraw.Draw(self.image, "RGBA")

    @staticmethod
    def _xy(points: Sequence[Point]) -> list[tuple[float, float]]:
        return [(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in points]

    def rect(
        self, x0: float, y0: float, x1: float, y1: float, fill: str, radius: float = 0
    ) -> None:
        """A rectangle, its corners rounded by radius."""
        box = self._xy([(x0, y0), (x1, y1)])
        if radius:
            self.draw.rounded_rectangle(box, radius * SUPERSAMPLE, fill=fill)
        else:
            self.draw.rectangle(box, fill=fill)

    def polygon(self, points: Sequence[Point], fill: str) -> None:
        self.draw.polygon(self._xy(points), fill=fill)

    def ellipse(self, x0: float, y0: float, x1: float, y1: float, fill: str) -> None:
        self.draw.ellipse(self._xy([(x0, y0), (x1, y1)]), fill=fill)

    def circle(self, x: float, y: float, r: float, fill: str) -> None:
        self.ellipse(x - r, y - r, x + r, y + r, fill)

    def line(self, points: Sequence[Point], fill: str, width: float) -> None:
        """A line through the points, with round joints."""
        self.draw.line(self._xy(points), fill=fill, width=round(width * SUPERSAMPLE), joint="curve")

    def arc(
        self, x: float, y: float, r: float, start: float, end: float, fill: str, width: float
    ) -> None:
        """Part of a circle's outline, from start to end degrees (clockwise from three o'clock)."""
        box = self._xy([(x - r, y - r), (x + r, y + r)])
        self.draw.arc(box, start, end, fill=fill, width=round(width * SUPERSAMPLE))

    def bands(self, colours: Sequence[str], y0: float, y1: float) -> None:
        """Horizontal bands of flat colour from y0 to y1: a sky, the editorial way."""
        step = (y1 - y0) / len(colours)
        for i, colour in enumerate(colours):
            self.rect(0, y0 + i * step, self.width, y0 + (i + 1) * step + 1, colour)

    def wave(
        self, y: float, amplitude: float, length: float, fill: str, bottom: float, phase: float = 0
    ) -> None:
        """Water: everything below a wavy line at y, filled down to bottom."""
        points = [
            (x, y + amplitude * math.sin((x / length) * 2 * math.pi + phase))
            for x in range(-10, self.width + 20, 10)
        ]
        self.polygon([*points, (self.width + 10, bottom), (-10, bottom)], fill)

    def png(self) -> bytes:
        """The picture at its own size, as PNG bytes (the flat colours' own format), compressed
        lightly: it is an upload, which the media library decodes and encodes again."""
        out = io.BytesIO()
        self.image.reduce(SUPERSAMPLE).save(out, format="PNG", compress_level=1)
        return out.getvalue()
