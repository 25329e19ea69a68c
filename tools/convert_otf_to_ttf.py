"""Convert a CFF-flavoured OpenType font (.otf) to TrueType outlines (.ttf).

ReportLab embeds only TrueType ('glyf') outlines; CFF fonts such as Noto Serif SC fail with
"postscript outlines are not supported". This script redraws every glyph through fontTools'
Cu2QuPen (cubic → quadratic curves, within 1 font unit by default) into a TTGlyphPen, i.e. the
fontTools "otf2ttf" snippet (fontTools/Snippets/otf2ttf.py), with a few additions:

- the left side bearings in 'hmtx' are set to each new glyph's xMin, as TrueType expects;
- the CFF-only tables 'VORG' and the (now invalid) 'DSIG' signature are dropped;
- 'post' defaults to format 3 (no glyph names: a CID-keyed CJK font only has names like
  "cid12345", and ReportLab and PDF readers do not need them), which saves ≈ 0.3 MB;
- the 'head' modified date is kept, so the same input and fontTools version give the same bytes.

Every glyph and the whole character map are kept (no subsetting).

Build-time tool, not a dependency of the app. Run from the project root:

    uv run --with fonttools python tools/convert_otf_to_ttf.py IN.otf OUT.ttf
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

MAX_ERR = 1.0  # approximation error, in font units (1/1000 em for Noto CJK)
POST_FORMAT = 3.0


def glyphs_to_quadratic(glyph_set, max_err: float = MAX_ERR, reverse_direction: bool = True):
    """Return {glyph name: glyf Glyph} with every CFF glyph redrawn as quadratic contours.

    CFF contours run counter-clockwise, TrueType ones clockwise: hence reverse_direction.
    """
    quad_glyphs = {}
    for name in glyph_set:
        tt_pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(tt_pen, max_err, reverse_direction=reverse_direction))
        quad_glyphs[name] = tt_pen.glyph()
    return quad_glyphs


def otf_to_ttf(font: TTFont, post_format: float = POST_FORMAT, max_err: float = MAX_ERR) -> None:
    """Convert `font` in place from CFF to TrueType outlines."""
    if font.sfntVersion != "OTTO" or "CFF " not in font:
        raise ValueError("not a CFF-flavoured OpenType font (no 'CFF ' table)")

    glyph_order = font.getGlyphOrder()

    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs_to_quadratic(font.getGlyphSet(), max_err=max_err)
    del font["CFF "]
    for tag in ("VORG", "DSIG"):
        if tag in font:
            del font[tag]
    glyf.compile(font)  # computes each glyph's bounding box

    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)

    font["maxp"] = maxp = newTable("maxp")  # version 1.0 (TrueType), recalculated on save
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    maxp.maxTwilightPoints = 0
    maxp.maxStorage = 0
    maxp.maxFunctionDefs = 0
    maxp.maxInstructionDefs = 0
    maxp.maxStackElements = 0
    maxp.maxSizeOfInstructions = 0
    maxp.maxComponentElements = max(
        (len(getattr(g, "components", None) or []) for g in glyf.glyphs.values()), default=0
    )
    maxp.compile(font)

    post = font["post"]
    post.formatType = post_format
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = glyph_order
    try:
        post.compile(font)
    except OverflowError:
        post.formatType = 3.0
        print("warning: glyph names do not fit in 'post'; using format 3", file=sys.stderr)

    font.sfntVersion = "\000\001\000\000"


def _cmap_by_glyph_id(font: TTFont) -> dict[int, int]:
    """Code point → glyph index (glyph names change when 'post' has none)."""
    return {code: font.getGlyphID(name) for code, name in font.getBestCmap().items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", type=Path, help="CFF-flavoured .otf")
    parser.add_argument("output", type=Path, help="TrueType .ttf to write")
    parser.add_argument("--max-error", type=float, default=MAX_ERR, help="in font units")
    parser.add_argument("--post-format", type=float, default=POST_FORMAT, choices=(2.0, 3.0))
    parser.add_argument("--face-index", type=int, default=0, help="face in a .ttc/.otc")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    font = TTFont(args.input, fontNumber=args.face_index, recalcTimestamp=False)
    cmap_before = _cmap_by_glyph_id(font)
    glyphs_before = font["maxp"].numGlyphs
    otf_to_ttf(font, post_format=args.post_format, max_err=args.max_error)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    font.save(args.output)
    font.close()

    check = TTFont(args.output)
    if "glyf" not in check or "CFF " in check:
        raise SystemExit("conversion failed: output has no 'glyf' table")
    if _cmap_by_glyph_id(check) != cmap_before or check["maxp"].numGlyphs != glyphs_before:
        raise SystemExit("conversion failed: glyph count or character map changed")
    print(
        f"{args.output}: {glyphs_before} glyphs, {len(cmap_before)} characters, "
        f"{args.output.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
