"""The demo articles' lead illustrations, drawn here: one flat-colour scene per story, in the
house style (a few muted colours each, banded skies, no outlines, no text), 1600 × 900.

Each function returns the picture as PNG bytes; blog.demo.pictures says which story has which.
"""

from __future__ import annotations

import math
import random

from blog.demo.canvas import Canvas

WIDTH, HEIGHT = 1600, 900
INK = "#22303c"  # the darkest colour of every scene
PAPER = "#f4eee2"  # the lightest


def _stars(canvas: Canvas, seed: int, count: int, bottom: float) -> None:
    """Small stars scattered over the sky, the same ones every time."""
    rng = random.Random(seed)  # noqa: S311 (where stars go, not a secret)
    for _ in range(count):
        x, y = rng.uniform(0, WIDTH), rng.uniform(0, bottom) ** 1.1 / bottom**0.1
        canvas.circle(x, y, rng.choice((1.5, 2, 2.5, 3.5)), "#f6eccf")


def _person(
    canvas: Canvas, x: float, ground: float, height: float, coat: str, head: str = INK
) -> None:
    """A figure seen from afar: a head and a coat, feet on the ground."""
    r = height * 0.16
    canvas.rect(x - height * 0.17, ground - height * 0.78, x + height * 0.17, ground, coat, r)
    canvas.circle(x, ground - height * 0.86, r * 0.62, head)


def harbour_ferry() -> bytes:
    """A small ferry crossing the harbour at dawn, gulls over it, the pier behind."""
    c = Canvas(WIDTH, HEIGHT, PAPER)
    c.bands(["#a9c8d6", "#bcd3d9", "#d6dcd4", "#ead9bf", "#f3c99c"], 0, 560)
    c.circle(1210, 520, 110, "#f29f5c")
    rng = random.Random(1)  # noqa: S311
    x = 0.0
    while x < WIDTH:  # the far shore: the town, low and blue
        w = rng.uniform(40, 110)
        c.rect(x, 560 - rng.uniform(20, 90), x + w, 560, "#7f9cab")
        x += w
    c.rect(0, 530, 260, 560, "#6d8b9b")
    c.wave(560, 4, 400, "#2f6f8f", HEIGHT)
    for i, y in enumerate(range(600, 900, 38)):  # light on the water
        c.wave(y, 6, 260, "#3b7f9e" if i % 2 else "#2a6686", y + 14, phase=i)
    for i in range(7):  # the sun's path
        w = 160 - i * 18
        c.rect(1210 - w / 2, 590 + i * 30, 1210 + w / 2, 598 + i * 30, "#f2b27a", 4)
    # The pier on the left.
    for px in (40, 130, 220):
        c.rect(px, 600, px + 22, 760, "#4a3f38")
    c.rect(0, 588, 300, 612, "#5d4e44")
    # The wake behind the ferry.
    c.polygon([(1010, 688), (1250, 705), (1500, 700), (1260, 716), (1010, 702)], "#dfe9e6")
    c.polygon([(1000, 700), (1180, 735), (1380, 742), (1170, 748), (990, 712)], "#c5dad9")
    # The ferry: hull, stripe, decks, wheelhouse, funnel.
    c.polygon([(430, 620), (1060, 620), (1010, 712), (500, 712)], "#b5443a")
    c.polygon([(440, 636), (1053, 636), (1046, 650), (447, 650)], PAPER)
    c.rect(520, 540, 960, 622, "#f3efe6", 8)
    for wx in range(545, 930, 52):
        c.rect(wx, 560, wx + 34, 590, "#35566e", 6)
    c.rect(600, 480, 800, 542, "#f3efe6", 8)
    for wx in (618, 676, 734):
        c.rect(wx, 494, wx + 46, 522, "#35566e", 6)
    c.rect(850, 430, 910, 542, "#e8b04a", 6)
    c.rect(850, 430, 910, 452, INK, 6)
    for i, (sx, sy, r) in enumerate([(895, 400, 26), (930, 360, 34), (980, 326, 40)]):
        c.circle(sx, sy, r, "#eee6d8" if i % 2 else "#e2dccf")
    c.line([(640, 480), (640, 430)], INK, 5)  # the mast
    # Gulls.
    for gx, gy, s in [(340, 250, 1.0), (420, 300, 0.8), (1420, 210, 1.2), (1340, 280, 0.7)]:
        c.line([(gx - 30 * s, gy - 12 * s), (gx, gy), (gx + 30 * s, gy - 12 * s)], INK, 6 * s)
    return c.png()


def night_library() -> bytes:
    """The library lit up at night, its doors open, a reader walking in."""
    c = Canvas(WIDTH, HEIGHT, "#1b2a44")
    c.bands(["#16233a", "#1b2a44", "#223352", "#2a3d5f"], 0, 720)
    _stars(c, 2, 90, 420)
    c.circle(1350, 150, 62, "#f3e6c0")
    c.circle(1378, 132, 58, "#16233a")  # the crescent
    # The building: steps, columns, pediment, lit windows.
    c.rect(0, 720, WIDTH, HEIGHT, "#2b2f3a")
    c.rect(380, 300, 1220, 700, "#c9b48f")
    c.polygon([(340, 300), (800, 150), (1260, 300)], "#b8a27c")
    c.polygon([(420, 284), (800, 178), (1180, 284)], "#c9b48f")
    c.rect(340, 290, 1260, 318, "#a68f6a")
    for i, y in enumerate(range(700, 740, 14)):
        c.rect(340 - i * 30, y, 1260 + i * 30, y + 14, "#9a8565" if i % 2 else "#b09a76")
    for wx in (430, 560, 960, 1090):  # the reading rooms' windows, shelves inside
        c.rect(wx, 370, wx + 80, 620, "#f5c86a", 40)
        for sy in range(430, 610, 36):
            c.rect(wx + 8, sy, wx + 72, sy + 8, "#c58f3d")
            for bx in range(wx + 12, wx + 68, 9):
                c.rect(bx, sy - 24, bx + 6, sy, "#a85f38" if (bx + sy) % 3 else "#6f7f55")
    for cx in (405, 535, 665, 935, 1065, 1195):
        c.rect(cx - 14, 330, cx + 14, 700, "#d9c7a3")
    c.rect(720, 440, 880, 700, "#ffd98a", 80)  # the open door
    c.polygon([(720, 740), (880, 740), (1000, 900), (600, 900)], "#7a6a45")  # its light
    _person(c, 780, 712, 150, "#8c3b3b")
    # A street lamp.
    c.rect(1390, 420, 1402, 760, INK)
    c.circle(1396, 410, 26, "#ffe3a3")
    return c.png()


def field_sensors() -> bytes:
    """Rows of crops running to the horizon, sensor posts among them sending their readings."""
    c = Canvas(WIDTH, HEIGHT, PAPER)
    c.bands(["#cfe0dc", "#dde6d8", "#eee5c9", "#f4dcae"], 0, 420)
    c.circle(300, 250, 90, "#f2b45c")
    vanish = (800, 420)
    rows = 48
    for i in range(rows):  # the rows, widening towards us, wide enough to reach both edges
        x0 = -5600 + i * (12800 / rows)
        x1 = -5600 + (i + 1) * (12800 / rows)
        colour = ("#6f8f4e", "#9c7a4f", "#84a35a", "#b08b5a")[i % 4]
        c.polygon([vanish, (x0, HEIGHT), (x1, HEIGHT)], colour)
    c.polygon([(0, 400), (300, 360), (700, 392), (1100, 350), (1600, 388), (1600, 440), (0, 440)],
              "#8fa878")  # fmt: skip
    c.rect(0, 430, WIDTH, 446, "#7c9768")
    for sx, ground, s in [(430, 800, 1.0), (1120, 800, 0.9), (820, 560, 0.45)]:  # sensor posts
        top = ground - 280 * s
        c.ellipse(sx - 40 * s, ground - 8 * s, sx + 40 * s, ground + 8 * s, "#4e5e3a")
        c.rect(sx - 6 * s, top, sx + 6 * s, ground, INK)
        c.rect(sx - 34 * s, top - 40 * s, sx + 34 * s, top, "#e9e2d2", 6 * s)
        c.rect(sx - 26 * s, top - 32 * s, sx + 26 * s, top - 8 * s, "#3d6b5a", 4 * s)
        panel = [(-44, -60), (44, -78), (44, -66), (-44, -48)]  # its solar panel
        c.polygon([(sx + dx * s, top + dy * s) for dx, dy in panel], "#2f4b6e")
        for k, r in enumerate((40, 68, 96)):  # its signal
            colour = "#2f4b6e" if k % 2 else "#c0533c"
            c.arc(sx, top - 90 * s, r * s, 220, 320, colour, 7 * s)
    return c.png()


def car_park_stars() -> bytes:
    """A telescope on a tripod in an empty car park, the Milky Way overhead."""
    c = Canvas(WIDTH, HEIGHT, "#101a30")
    c.bands(["#0d1528", "#101a30", "#15213b", "#1c2a48", "#243457"], 0, 640)
    glow = random.Random(5)  # noqa: S311
    for i in range(90):  # the Milky Way: faint clouds along a diagonal, thicker in the middle
        t = i / 89
        x, y = 380 + 1000 * t + glow.uniform(-60, 60), -20 + 660 * t + glow.uniform(-40, 40)
        r = 50 + 70 * math.sin(math.pi * t) * glow.uniform(0.6, 1.2)
        c.ellipse(x - r * 1.4, y - r * 0.8, x + r * 1.4, y + r * 0.8, "#c9d4ff09")
    _stars(c, 4, 260, 620)
    for sx, sy in [(1180, 140), (1240, 190), (1300, 170), (1360, 220), (1430, 200)]:
        c.circle(sx, sy, 5, "#fff4d6")  # a constellation, joined up
    c.line([(1180, 140), (1240, 190), (1300, 170), (1360, 220), (1430, 200)], "#fff4d655", 2)
    # Tree line and the car park.
    rng = random.Random(3)  # noqa: S311
    for tx in range(-40, WIDTH + 40, 70):
        h = rng.uniform(40, 110)
        c.ellipse(tx - 60, 640 - h, tx + 60, 660, "#0b1322")
    c.rect(0, 650, WIDTH, HEIGHT, "#2c3138")
    for i in range(-6, 14):  # parking lines
        x = 120 * i
        c.polygon([(x + 400, 650), (x + 406, 650), (x * 1.9 + 60, HEIGHT), (x * 1.9 + 48, HEIGHT)],
                  "#d8d4c4aa")  # fmt: skip
    # A car, parked, and a lamp post, off.
    c.rect(1080, 640, 1400, 712, "#6b2f3a", 26)
    c.polygon([(1140, 644), (1190, 590), (1300, 590), (1350, 644)], "#6b2f3a")
    c.polygon([(1160, 642), (1198, 602), (1240, 602), (1240, 642)], "#9db4c8")
    c.polygon([(1252, 602), (1292, 602), (1330, 642), (1252, 642)], "#9db4c8")
    c.circle(1140, 714, 26, "#12161c")
    c.circle(1340, 714, 26, "#12161c")
    # The telescope on its tripod, and the person looking through it.
    c.line([(600, 560), (540, 800)], "#c9ccd2", 9)
    c.line([(600, 560), (650, 805)], "#c9ccd2", 9)
    c.line([(600, 560), (606, 810)], "#aab0b8", 9)
    c.polygon([(520, 600), (560, 560), (760, 410), (780, 440), (590, 590)], "#e7e2d5")
    c.polygon([(740, 400), (790, 378), (810, 420), (764, 448)], "#c0533c")
    _person(c, 470, 810, 240, "#3f6f73", head="#b98467")
    c.rect(449, 578, 491, 598, "#b5443a", 10)  # a woolly hat
    return c.png()


def bakery_window() -> bytes:
    """A bakery's window in the early morning: the striped awning, loaves on the shelves."""
    c = Canvas(WIDTH, HEIGHT, "#e9dcc4")
    c.rect(0, 0, WIDTH, 120, "#d6c3a3")
    for i in range(0, WIDTH, 200):  # the awning's stripes and scalloped edge
        c.polygon([(i, 120), (i + 100, 120), (i + 100, 250), (i, 250)], "#b5443a")
        c.polygon([(i + 100, 120), (i + 200, 120), (i + 200, 250), (i + 100, 250)], PAPER)
    for i in range(0, WIDTH + 100, 100):
        c.circle(i + 50, 250, 50, "#b5443a" if (i // 100) % 2 == 0 else PAPER)
    c.rect(0, 110, WIDTH, 128, "#8b2f28")
    c.rect(120, 330, 1160, 800, "#f7e7c4", 6)  # the window, warm inside
    c.rect(120, 330, 1160, 350, "#5b4636")
    for row, y in enumerate((470, 620, 770)):  # shelves, and loaves on them
        c.rect(140, y, 1140, y + 14, "#8a6446")
        for col, lx in enumerate(range(190, 1000, 155)):
            k = (row + col) % 3
            if k == 0:  # a long loaf, scored
                c.ellipse(lx, y - 62, lx + 130, y + 4, "#c7843f")
                for sx in range(lx + 28, lx + 110, 26):
                    c.line([(sx, y - 44), (sx + 18, y - 18)], "#e9b773", 6)
            elif k == 1:  # a round loaf
                c.ellipse(lx + 10, y - 86, lx + 120, y + 4, "#b46f34")
                c.arc(lx + 65, y - 40, 34, 200, 340, "#e3a866", 6)
            else:  # a plait
                for j in range(4):
                    c.ellipse(lx + j * 28, y - 56, lx + j * 28 + 52, y + 2, "#d19450")
    c.rect(1240, 330, 1480, 860, "#2f4b6e", 8)  # the door
    c.rect(1270, 360, 1450, 600, "#f7e7c4", 6)
    c.circle(1430, 640, 10, "#e8b04a")
    c.rect(1310, 440, 1410, 600, "#f3efe6", 30)  # the baker behind the glass, in whites
    c.circle(1360, 420, 34, "#b98467")
    c.ellipse(1318, 350, 1402, 400, "#f3efe6")
    c.rect(1330, 380, 1390, 400, "#f3efe6")
    c.line([(1536, 250), (1536, 310)], INK, 6)  # a hanging sign with an ear of wheat
    c.circle(1536, 362, 54, "#8b2f28")
    c.line([(1536, 404), (1536, 324)], "#e8b04a", 5)
    for j in range(4):
        for side in (-1, 1):
            gx, gy = 1536 + side * 11, 334 + j * 17
            c.ellipse(gx - 9, gy - 14, gx + 9, gy + 14, "#e8b04a")
    c.rect(0, 800, 1240, 860, "#b8a88e")
    c.rect(0, 860, WIDTH, HEIGHT, "#8f8472")
    return c.png()


def repair_bench() -> bytes:
    """A repair café's bench: an old radio opened up, a toaster, a lamp, tools on the wall."""
    c = Canvas(WIDTH, HEIGHT, "#3f6f73")
    c.rect(80, 90, 1520, 440, "#4d8084", 12)  # the pegboard and its tools
    for px in range(110, 1500, 40):
        for py in range(120, 430, 40):
            c.circle(px, py, 4, "#3a6569")
    c.line([(260, 150), (260, 360)], "#d9d4c6", 18)  # a spanner
    c.circle(260, 150, 34, "#d9d4c6")
    c.circle(260, 140, 18, "#4d8084")
    c.rect(420, 140, 444, 290, "#e8b04a", 10)  # a screwdriver
    c.rect(426, 290, 438, 390, "#d9d4c6")
    c.polygon([(620, 150), (700, 150), (690, 260), (630, 260)], "#c0533c")  # pliers
    c.line([(645, 255), (610, 390)], "#c0533c", 16)
    c.line([(675, 255), (710, 390)], "#c0533c", 16)
    for i, w in enumerate((180, 150, 120)):  # a coil of cable
        c.arc(1200, 270, w / 2 + 20, 0, 360, "#22303c" if i % 2 else "#e8b04a", 10)
    c.rect(0, 600, WIDTH, 640, "#a8744a")  # the bench
    c.rect(0, 640, WIDTH, HEIGHT, "#8a5a36")
    for dx in range(60, WIDTH - 100, 380):  # its drawers, a label on each
        c.rect(dx, 680, dx + 340, 860, "#9a6a44", 8)
        c.rect(dx + 130, 740, dx + 210, 756, "#d9c7a3", 6)
        c.rect(dx + 140, 700, dx + 200, 724, "#f3efe6", 3)
    c.rect(736, 578, 836, 604, "#c9ccd2", 6)  # a tray of screws
    for sx in range(752, 830, 18):
        c.circle(sx, 590, 6, "#8a8f96")
    c.rect(220, 400, 720, 604, "#d7b98d", 26)  # the radio
    c.rect(250, 430, 470, 580, "#7a5a43", 18)
    for gx in range(272, 460, 26):
        for gy in range(450, 570, 26):
            c.circle(gx, gy, 7, "#5c4230")
    c.rect(500, 440, 690, 500, "#f3efe6", 8)
    c.line([(560, 446), (560, 494)], "#c0533c", 4)
    c.circle(540, 548, 26, "#7a5a43")
    c.circle(640, 548, 26, "#7a5a43")
    c.rect(850, 470, 1130, 604, "#c9ccd2", 40)  # the toaster
    c.rect(900, 458, 980, 476, INK, 4)
    c.rect(1000, 458, 1080, 476, INK, 4)
    c.rect(1130, 520, 1160, 540, INK, 4)
    c.line([(1300, 600), (1360, 420), (1460, 360)], "#22303c", 14)  # the lamp
    c.polygon([(1420, 330), (1540, 300), (1560, 420), (1470, 430)], "#e8b04a")
    c.polygon([(1470, 430), (1560, 420), (1600, 600), (1380, 600)], "#ffffff1c")
    c.ellipse(1250, 584, 1350, 612, INK)
    return c.png()


def school_garden() -> bytes:
    """Raised beds in a school's yard, sunflowers along the fence, the school behind."""
    c = Canvas(WIDTH, HEIGHT, PAPER)
    c.bands(["#cfe0dc", "#dce8dc", "#e9ecd8"], 0, 420)
    c.rect(900, 150, 1600, 430, "#c9785a")  # the school, its windows and clock
    c.polygon([(880, 150), (1250, 60), (1600, 150)], "#9c5a44")
    c.circle(1250, 120, 34, PAPER)
    c.line([(1250, 120), (1250, 98)], INK, 5)
    c.line([(1250, 120), (1266, 126)], INK, 5)
    for wx in range(950, 1580, 110):
        for wy in (200, 310):
            c.rect(wx, wy, wx + 70, wy + 80, "#f3efe6", 4)
            c.rect(wx + 6, wy + 6, wx + 64, wy + 74, "#7fa3b5", 2)
    c.rect(0, 420, WIDTH, HEIGHT, "#a7b77a")  # the yard
    for fx in range(0, 900, 44):  # the fence
        c.rect(fx, 300, fx + 26, 430, "#e6dcc8", 6)
    c.rect(0, 340, 900, 356, "#e6dcc8")
    for sx, top in [(90, 190), (210, 230), (330, 170), (470, 250), (610, 210), (760, 240)]:
        c.line([(sx, 430), (sx, top)], "#5d7c3f", 10)  # sunflowers
        c.ellipse(sx - 40, top + 90, sx, top + 110, "#5d7c3f")
        for a in range(0, 360, 30):
            dx, dy = math.cos(math.radians(a)) * 36, math.sin(math.radians(a)) * 36
            c.ellipse(sx + dx - 14, top + dy - 14, sx + dx + 14, top + dy + 14, "#f2b33d")
        c.circle(sx, top, 24, "#6b4226")
    for bx0, by0, bx1, by1 in [(120, 520, 700, 640), (820, 500, 1420, 620), (260, 700, 1300, 840)]:
        c.rect(bx0, by0, bx1, by1, "#8a5a36", 8)  # the raised beds
        c.rect(bx0 + 14, by0 + 10, bx1 - 14, by1 - 30, "#5b3b24", 6)
        for px in range(bx0 + 50, bx1 - 30, 70):
            green = "#4f8a3c" if (px // 70) % 2 else "#6ea24a"
            for dx, dy, r in [(0, -28, 24), (-20, -10, 20), (20, -10, 20)]:
                c.circle(px + dx, by0 + 30 + dy, r, green)
    c.polygon([(1420, 760), (1520, 760), (1500, 860), (1440, 860)], "#2f6f8f")  # a watering can
    c.line([(1510, 780), (1580, 720)], "#2f6f8f", 14)
    c.arc(1470, 760, 40, 180, 360, "#2f6f8f", 10)
    return c.png()


def budget_chart() -> bytes:
    """The town's spending as a chart: bars by department, a share of the whole, the town hall
    behind."""
    c = Canvas(WIDTH, HEIGHT, PAPER)
    c.rect(0, 640, WIDTH, HEIGHT, "#e5dcc9")
    c.rect(1250, 40, 1270, 100, "#c9bb9f")  # the town hall: dome, columns
    c.ellipse(1140, 90, 1380, 330, "#c9bb9f")
    c.rect(1020, 230, 1500, 640, "#d8ccb4")
    c.rect(1000, 220, 1520, 250, "#c2b396")
    for cx in range(1060, 1480, 70):
        c.rect(cx, 260, cx + 30, 640, "#e8dfcc")
    c.line([(150, 120), (150, 700), (940, 700)], INK, 6)  # the axes, gridlines and bars
    for gy in range(180, 700, 104):
        c.line([(150, gy), (940, gy)], "#d9cfbd", 3)
    bars = [
        (420, "#2f6f8f"),
        (300, "#c0533c"),
        (520, "#e8b04a"),
        (220, "#3f6f73"),
        (360, "#7f9cab"),
    ]
    for i, (h, colour) in enumerate(bars):
        x = 200 + i * 150
        c.rect(x, 700 - h, x + 100, 700, colour, 6)
        c.rect(x, 694, x + 100, 700, colour)
    # A pie, a share of the whole, over the town hall.
    cx, cy, r = 1260, 560, 170
    angles = [0, 130, 210, 290, 360]
    colours = ["#2f6f8f", "#c0533c", "#e8b04a", "#3f6f73"]
    c.circle(cx, cy, r + 12, PAPER)
    for (a0, a1), colour in zip(zip(angles, angles[1:], strict=False), colours, strict=True):
        points = [(cx, cy)] + [
            (cx + r * math.cos(math.radians(a - 90)), cy + r * math.sin(math.radians(a - 90)))
            for a in range(a0, a1 + 1, 2)
        ]
        c.polygon(points, colour)
    c.circle(cx, cy, 70, PAPER)
    for i in range(6):  # a stack of coins beside the chart
        c.ellipse(980, 790 - i * 22, 1120, 830 - i * 22, "#c99a3a" if i % 2 else "#e8b04a")
    return c.png()
