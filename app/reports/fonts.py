"""Chinese fonts for PDFs by GB/T 9704 role: Windows' own faces when present, else shipped ones.

Roles: ``title`` 小标宋 (方正小标宋 where installed, else a heavy serif), ``body`` 仿宋,
``heading1`` 黑体, ``heading2`` 楷体, ``song`` 宋体 (page numbers, notes). Level-3/4 headings use
the body face. ReportLab embeds TrueType outlines only (subset per document), so every face
here is a .ttf/.ttc with glyf outlines. Faces that lack some characters (FandolFang and the
title subset cover GB 2312 and a little more) get per-character fallback in
:mod:`app.reports.typesetting`: a character missing from a face is drawn in ``fallback``
(full coverage, rare name characters such as 喆堃玥镕昇珺璟 included), never dropped.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.paths import RESOURCES_DIR

log = logging.getLogger(__name__)

FONTS_DIR = RESOURCES_DIR / "fonts"


def windows_fonts_dir() -> Path:
    """Windows' font folder, ``%WINDIR%\\Fonts`` (``C:\\Windows\\Fonts`` when WINDIR is unset;
    on other systems it does not exist and the shipped fonts are used)."""
    return Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"


WINDOWS_FONTS = windows_fonts_dir()

# role → candidates (file, sub-font index), first found wins; every shipped file exists
CANDIDATES: dict[str, list[tuple[Path, int]]] = {
    "title": [
        (WINDOWS_FONTS / "FZXBSJW.TTF", 0),  # 方正小标宋简体, when installed
        (FONTS_DIR / "NotoSerifSC-Bold.ttf", 0),
    ],
    "body": [
        (WINDOWS_FONTS / "simfang.ttf", 0),  # 仿宋
        (FONTS_DIR / "FandolFang-Regular.ttf", 0),
    ],
    "heading1": [
        (WINDOWS_FONTS / "simhei.ttf", 0),  # 黑体
        (FONTS_DIR / "wqy-microhei.ttc", 0),
    ],
    "heading2": [
        (WINDOWS_FONTS / "simkai.ttf", 0),  # 楷体
        (FONTS_DIR / "LXGWWenKai-Regular.ttf", 0),
    ],
    "song": [
        (WINDOWS_FONTS / "simsun.ttc", 0),  # 宋体
        (FONTS_DIR / "NotoSerifSC-Regular.ttf", 0),
    ],
    "fallback": [  # full coverage, for characters another face lacks
        (FONTS_DIR / "NotoSerifSC-Regular.ttf", 0),
    ],
}

# for a character even the fallback face lacks (CJK Extension B–F, rare name characters): the
# first of these that has it, registered only when such a character is met
FALLBACKS: list[tuple[Path, int]] = [
    (FONTS_DIR / "NotoSerifSC-Regular.ttf", 0),  # the fallback face above
    (WINDOWS_FONTS / "simsunb.ttf", 0),  # SimSun-ExtB, on Windows: Extension B
    (FONTS_DIR / "LXGWWenKai-Regular.ttf", 0),  # ≈ 940 more, Extensions B–F
    (FONTS_DIR / "wqy-microhei.ttc", 0),
]


@dataclass(frozen=True)
class FontSet:
    """ReportLab font names for each role (``heading`` is ``heading1``, kept for old callers)."""

    title: str
    body: str
    heading1: str
    heading2: str
    song: str
    fallback: str

    @property
    def heading(self) -> str:
        """The level-1 heading face (黑体)."""
        return self.heading1

    @property
    def heading3(self) -> str:
        """Level-3/4 headings: the body face (仿宋)."""
        return self.body


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode map of a font subset with every code point written as UTF-16BE,
    as PDF requires: ReportLab writes one beyond U+FFFF (CJK Extension B–F, rare name
    characters) as five hex digits, which readers reject, so such a name could not be copied,
    searched or extracted from the PDF."""
    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>", "endcodespacerange", f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{chr(v).encode('utf-16-be').hex().upper()}>" for i, v in enumerate(subset)),
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ]  # fmt: skip
    return "\n".join(lines)


@cache
def _register(path: str, index: int) -> str:
    from reportlab.pdfbase import pdfmetrics, ttfonts
    from reportlab.pdfbase.ttfonts import TTFont

    ttfonts.makeToUnicodeCMap = _to_unicode_cmap  # see _to_unicode_cmap

    name = f"BJ-{Path(path).stem}-{index}"
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    return name


def _usable(path: Path, index: int) -> str | None:
    """The registered name of the font at ``path``, or None when it is absent or cannot be
    used (e.g. a PC's .TTF with PostScript outlines, which ReportLab cannot embed): then the
    next candidate, in the end the shipped font, is used, never a document without text."""
    if not path.exists():
        return None
    try:
        return _register(str(path), index)
    except Exception as exc:  # ReportLab raises TTFError, struct.error, OSError…
        log.warning("字体“%s”无法使用（%s），改用下一个候选字体。", path, exc)
        return None


@cache
def fallback_face(position: int) -> str | None:
    """The registered name of the ``position``-th face of :data:`FALLBACKS`, None when it is
    absent or cannot be used."""
    path, index = FALLBACKS[position]
    return _usable(path, index)


@cache
def font_set() -> FontSet:
    """Register (once) and return the fonts for official documents."""
    chosen = {}
    for role, candidates in CANDIDATES.items():
        for path, index in candidates:
            name = _usable(path, index)
            if name is not None:
                chosen[role] = name
                break
        else:
            from app.services.errors import UserError

            raise UserError(f"找不到可用的中文字体（{FONTS_DIR}）。请重新安装大帮教工作台。")
    return FontSet(**chosen)
