"""Chinese fonts for PDFs: Windows' own 仿宋/宋体/黑体 when present, else the shipped ones.

ReportLab embeds TrueType outlines only (subset per document), so every face here is a
.ttf/.ttc with glyf outlines and full CJK coverage (rare name characters included).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.paths import RESOURCES_DIR

FONTS_DIR = RESOURCES_DIR / "fonts"
WINDOWS_FONTS = Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"

# role → candidates (file, sub-font index), first found wins
CANDIDATES: dict[str, list[tuple[Path, int]]] = {
    "title": [
        (WINDOWS_FONTS / "FZXBSJW.TTF", 0),  # 方正小标宋简体, when installed
        (WINDOWS_FONTS / "simsun.ttc", 0),
        (FONTS_DIR / "NotoSerifSC-Bold.ttf", 0),
        (FONTS_DIR / "NotoSerifSC-Regular.ttf", 0),
    ],
    "body": [
        (WINDOWS_FONTS / "simfang.ttf", 0),  # 仿宋
        (FONTS_DIR / "NotoSerifSC-Regular.ttf", 0),
    ],
    "heading": [
        (WINDOWS_FONTS / "simhei.ttf", 0),  # 黑体
        (FONTS_DIR / "wqy-microhei.ttc", 0),
        (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    ],
    "song": [
        (WINDOWS_FONTS / "simsun.ttc", 0),
        (FONTS_DIR / "NotoSerifSC-Regular.ttf", 0),
    ],
}
FALLBACK = [
    (FONTS_DIR / "wqy-microhei.ttc", 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
]


@dataclass(frozen=True)
class FontSet:
    """ReportLab font names for each role."""

    title: str
    body: str
    heading: str
    song: str


@cache
def _register(path: str, index: int) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = f"BJ-{Path(path).stem}-{index}"
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    return name


@cache
def font_set() -> FontSet:
    """Register (once) and return the fonts for official documents."""
    chosen = {}
    for role, candidates in CANDIDATES.items():
        for path, index in [*candidates, *FALLBACK]:
            if path.exists():
                chosen[role] = _register(str(path), index)
                break
        else:
            from app.services.errors import UserError

            raise UserError(f"找不到可用的中文字体（{FONTS_DIR}）。请重新安装大帮教工作台。")
    return FontSet(**chosen)
