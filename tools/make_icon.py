"""Draw the program's icon (帮教 in white on the banner's navy) with Pillow from a
shipped font: resources/icons/bangjiao-desk.png (256 px), bangjiao-desk-48.png and
bangjiao-desk.ico (16–256 px, for the Windows build). Run: uv run python tools/make_icon.py"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
FONT = ROOT / "resources" / "fonts" / "NotoSerifSC-Bold.ttf"
NAVY = (29, 63, 114, 255)  # #1d3f72, the window's banner colour (resources/style.qss)
LIGHT_NAVY = (45, 88, 150, 255)
WHITE = (255, 255, 255, 255)
GOLD = (240, 190, 60, 255)
SCALE = 4  # drawn at 4× and reduced, for smooth edges


def draw(size: int = 256) -> Image.Image:
    """The icon at ``size`` pixels square: 帮教 in white on the banner's navy, a rounded square
    with a gold rule (deliberately not a red disc with a star: nothing that looks like a seal)."""
    s = size * SCALE
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    m = s * 0.04
    d.rounded_rectangle((m, m, s - m, s - m), radius=s * 0.18, fill=NAVY)
    d.rounded_rectangle(
        (m, m, s - m, s * 0.30),
        radius=s * 0.18,
        fill=LIGHT_NAVY,
        corners=(True, True, False, False),
    )
    d.rectangle((m, s * 0.22, s - m, s * 0.30), fill=NAVY)
    font = ImageFont.truetype(str(FONT), int(s * 0.34))
    text = "帮教"
    box = d.textbbox((0, 0), text, font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    d.text(((s - w) / 2 - box[0], s * 0.52 - h / 2 - box[1]), text, font=font, fill=WHITE)
    d.rectangle((s * 0.22, s * 0.76, s * 0.78, s * 0.79), fill=GOLD)
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
