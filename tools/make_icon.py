"""Draw the program's icon (an official-looking red emblem with 帮教 in gold) with Pillow from a
shipped font: resources/icons/bangjiao-desk.png (256 px), bangjiao-desk-48.png and
bangjiao-desk.ico (16–256 px, for the Windows build). Run: uv run python tools/make_icon.py"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
FONT = ROOT / "resources" / "fonts" / "NotoSerifSC-Bold.ttf"
RED = (200, 16, 46, 255)
DARK_RED = (150, 10, 30, 255)
GOLD = (250, 204, 72, 255)
SCALE = 4  # drawn at 4× and reduced, for smooth edges


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: tuple) -> None:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=fill)


def draw(size: int = 256) -> Image.Image:
    """The emblem at ``size`` pixels square, transparent around the disc."""
    s = size * SCALE
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    m = s * 0.02
    d.ellipse((m, m, s - m, s - m), fill=GOLD)  # gold rim
    m2 = s * 0.065
    d.ellipse((m2, m2, s - m2, s - m2), fill=DARK_RED)
    m3 = s * 0.085
    d.ellipse((m3, m3, s - m3, s - m3), fill=RED)
    m4 = s * 0.125
    d.ellipse((m4, m4, s - m4, s - m4), outline=GOLD, width=max(1, int(s * 0.012)))
    _star(d, s / 2, s * 0.27, s * 0.095, GOLD)
    font = ImageFont.truetype(str(FONT), int(s * 0.27))
    text = "帮教"
    box = d.textbbox((0, 0), text, font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    d.text(((s - w) / 2 - box[0], s * 0.60 - h / 2 - box[1]), text, font=font, fill=GOLD)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    """Write the PNGs and the ICO."""
    ICONS.mkdir(parents=True, exist_ok=True)
    big = draw(256)
    big.save(ICONS / "bangjiao-desk.png", optimize=True)
    draw(48).save(ICONS / "bangjiao-desk-48.png", optimize=True)
    big.save(
        ICONS / "bangjiao-desk.ico",
        sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)],
    )
    print(f"written: {ICONS}")


if __name__ == "__main__":
    main()
