"""The demo authors' photos, drawn here: an illustrated bust on a flat ground, in the house
style of the lead illustrations (blog.demo.illustrations), 800 × 800."""

from __future__ import annotations

from dataclasses import dataclass

from blog.demo.canvas import Canvas

SIZE = 800


@dataclass(frozen=True)
class Sitter:
    """How one author is drawn."""

    background: str
    skin: str
    hair: str
    #: "bob", "crop" or "curls".
    hairstyle: str
    clothes: str
    collar: str
    glasses: bool = False


def portrait(sitter: Sitter) -> bytes:
    """A head-and-shoulders portrait, as PNG bytes."""
    c = Canvas(SIZE, SIZE, sitter.background)
    c.circle(400, 430, 300, _lighter(sitter.background))  # a halo of the ground's own colour
    if sitter.hairstyle == "bob":  # hair that falls behind the neck comes first
        c.rect(250, 230, 550, 540, sitter.hair, 110)
    if sitter.hairstyle == "curls":
        for x, y, r in [(262, 360, 70), (538, 360, 70), (280, 470, 62), (520, 470, 62)]:
            c.circle(x, y, r, sitter.hair)
    if sitter.hairstyle == "crop":  # a rim of it shows above the face
        c.ellipse(270, 176, 530, 340, sitter.hair)
    c.rect(110, 570, 690, 1000, sitter.clothes, 180)  # shoulders
    c.rect(355, 460, 445, 600, sitter.skin, 30)  # the neck, the chin's shadow on it
    c.ellipse(350, 470, 450, 530, _darker(sitter.skin))
    c.polygon([(330, 572), (355, 572), (400, 640), (445, 572), (470, 572), (400, 670)],
              sitter.collar)  # fmt: skip
    c.ellipse(280, 210, 520, 520, sitter.skin)  # the face
    c.ellipse(262, 340, 300, 410, sitter.skin)  # ears
    c.ellipse(500, 340, 538, 410, sitter.skin)
    _hair(c, sitter)
    for x in (350, 450):  # eyes, brows, a quiet smile
        c.ellipse(x - 11, 352, x + 11, 376, "#2a2a33")
        c.line([(x - 26, 328), (x + 22, 322)], sitter.hair, 9)
    c.arc(400, 418, 38, 30, 150, _darker(sitter.skin, 0.7), 7)
    if sitter.glasses:
        for x in (350, 450):
            c.arc(x, 364, 40, 0, 360, "#22303c", 8)
        c.line([(390, 360), (410, 360)], "#22303c", 8)
    c.ellipse(318, 400, 350, 428, "#e8906f40")  # cheeks
    c.ellipse(450, 400, 482, 428, "#e8906f40")
    return c.png()


def _hair(c: Canvas, sitter: Sitter) -> None:
    """The hair over the head, in the sitter's style."""
    if sitter.hairstyle == "bob":
        c.ellipse(262, 180, 538, 340, sitter.hair)
        c.polygon([(290, 280), (520, 250), (532, 300), (420, 282), (300, 306)], sitter.hair)
    elif sitter.hairstyle == "crop":
        c.ellipse(278, 178, 522, 292, sitter.hair)
        c.polygon([(282, 240), (520, 240), (516, 286), (470, 268), (400, 276), (330, 262),
                   (286, 290)], sitter.hair)  # fmt: skip
    else:
        for x, y, r in [(300, 250, 62), (360, 200, 66), (440, 200, 66), (500, 250, 62),
                        (280, 320, 52), (520, 320, 52), (400, 190, 60)]:  # fmt: skip
            c.circle(x, y, r, sitter.hair)


def _shade(colour: str, factor: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{min(255, max(0, round(v * factor))):02x}" for v in (red, green, blue))


def _darker(colour: str, factor: float = 0.85) -> str:
    return _shade(colour, factor)


def _lighter(colour: str) -> str:
    return _shade(colour, 1.12)
