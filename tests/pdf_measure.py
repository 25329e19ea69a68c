"""Measure an official-document PDF from its character positions (PDFium) and fonts (pypdf).

Positions come from PDFium (pypdfium2), which applies the character spacing (Tc) after every
glyph as the PDF specification says; pdfminer/pdfplumber leave it out after the last glyph of
each text string and so shift every font change in a tracked line by 0.2 pt.

Everything is in PDF points from the page's top-left corner. The checks follow GB/T 9704 as
:mod:`app.reports.official` sets it out: text block 156 × 225 mm at 28 mm left / 37 mm top,
28 characters a full body line, 22 lines a page, 禁则 at every line start and end, fonts by role,
every font embedded.
"""

from __future__ import annotations

import ctypes
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pypdfium2
import pypdfium2.raw as pdfium_c
from pypdf import PdfReader

from app.reports.official import BODY_SIZE, LEADING, LEFT, TEXT_HEIGHT, TEXT_WIDTH, TOP
from app.reports.typesetting import CANNOT_END, CANNOT_START

MM = 72 / 25.4
RIGHT = LEFT + TEXT_WIDTH
BOTTOM_EDGE = TOP + TEXT_HEIGHT
TOLERANCE = 0.3 * MM  # rounding and glyph boxes
HEADING1 = re.compile(r"^[一二三四五六七八九十]+、")


@dataclass
class Char:
    """One drawn character."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    font: str  # base font name without the subset prefix
    size: float
    upright: bool
    baseline: float = 0.0


@dataclass
class Line:
    """Characters on one baseline that follow each other (a table row splits into cells)."""

    page: int
    chars: list[Char] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)

    @property
    def top(self) -> float:
        return self.chars[0].baseline

    @property
    def font(self) -> str:
        return self.chars[0].font

    @property
    def size(self) -> float:
        return self.chars[0].size


@dataclass
class Measured:
    """A PDF's characters by page, its lines and its fonts."""

    pages: list[list[Char]]
    fonts: dict[str, bool]  # base font → embedded
    page_size: tuple[float, float]

    def lines(self) -> Iterator[Line]:
        """Every text line of the text block (page numbers and watermarks left out)."""
        for n, chars in enumerate(self.pages, 1):
            rows: dict[float, list[Char]] = {}
            for c in chars:
                if not c.upright or c.top > BOTTOM_EDGE or not c.text.strip():
                    continue
                key = next((k for k in rows if abs(k - c.baseline) < 1.5), c.baseline)
                rows.setdefault(key, []).append(c)
            for key in sorted(rows):
                row = sorted(rows[key], key=lambda c: c.x0)
                line = Line(n, [row[0]])
                for c in row[1:]:
                    if c.x0 - line.chars[-1].x1 > 0.9 * c.size:  # a gap: next cell or column
                        yield line
                        line = Line(n)
                    line.chars.append(c)
                yield line


def _base(name: str) -> str:
    """A font name without its subset prefix ("AAAAAA+") or collection index ("-0")."""
    name = name.split("+", 1)[1] if "+" in name else name
    return re.sub(r"-\d+$", "", name)


def _chars(page: pypdfium2.PdfPage) -> list[Char]:
    height = page.get_height()
    text = page.get_textpage()
    out = []
    name = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    for i in range(text.count_chars()):
        ch = text.get_text_range(i, 1)
        if not ch.strip() or pdfium_c.FPDFText_IsGenerated(text.raw, i):
            continue
        left, bottom, right, top = text.get_charbox(i, loose=True)
        pdfium_c.FPDFText_GetFontInfo(text.raw, i, name, 256, ctypes.byref(flags))
        size = round(pdfium_c.FPDFText_GetFontSize(text.raw, i), 2)
        upright = abs(pdfium_c.FPDFText_GetCharAngle(text.raw, i)) < 1e-3
        font = _base(name.value.decode("latin-1"))
        x, y = ctypes.c_double(), ctypes.c_double()
        pdfium_c.FPDFText_GetCharOrigin(text.raw, i, ctypes.byref(x), ctypes.byref(y))
        out.append(Char(ch, left, right, height - top, height - bottom, font, size, upright,
                        height - y.value))  # fmt: skip
    return out


def measure(pdf: bytes) -> Measured:
    """Read ``pdf``'s characters and fonts."""
    doc = pypdfium2.PdfDocument(pdf)
    try:
        size = (float(doc[0].get_width()), float(doc[0].get_height()))
        pages = [_chars(doc[n]) for n in range(len(doc))]
    finally:
        doc.close()
    fonts: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[_base(str(font["/BaseFont"]).lstrip("/"))] = embedded
    return Measured(pages, fonts, size)


def outside_block(m: Measured) -> list[str]:
    """Characters drawn outside the text block, other than page numbers and watermarks."""
    bad = []
    for n, chars in enumerate(m.pages, 1):
        for c in chars:
            if not c.upright or not c.text.strip():
                continue
            footer = c.top > BOTTOM_EDGE and (c.text in "—-" or c.text.isdigit())
            inside = c.x0 >= LEFT - TOLERANCE and c.x1 <= RIGHT + TOLERANCE
            inside = inside and c.top >= TOP - TOLERANCE and c.bottom <= BOTTOM_EDGE + TOLERANCE
            if not inside and not footer:
                bad.append(f"p{n} {c.text!r} x {c.x0 / MM:.1f}–{c.x1 / MM:.1f} mm "
                           f"y {c.top / MM:.1f}–{c.bottom / MM:.1f} mm")  # fmt: skip
    return bad


def max_x_mm(m: Measured) -> float:
    """The right edge of the rightmost upright glyph above the page-number zone, in mm."""
    return (
        max(
            (
                c.x1
                for p in m.pages
                for c in p
                if c.upright and c.text.strip() and c.top < BOTTOM_EDGE
            ),
            default=0,
        )
        / MM
    )


def forbidden_breaks(m: Measured) -> list[str]:
    """Lines that start with closing punctuation or end with opening punctuation."""
    bad = []
    for line in m.lines():
        text = line.text
        if not text.strip("—－-"):  # a dash alone: an empty table cell's placeholder
            continue
        if text[0] in CANNOT_START or text[-1] in CANNOT_END:
            bad.append(f"p{line.page}: {text}")
    return bad


def body_lines(m: Measured, body_font: str) -> list[Line]:
    """Lines in the body face at body size."""
    return [
        line for line in m.lines()
        if line.font == body_font and abs(line.size - BODY_SIZE) < 0.1
    ]  # fmt: skip


def full_line_counts(m: Measured, body_font: str) -> list[int]:
    """Character counts of the full body lines made only of full-width characters at the
    natural pitch (not spread by justification after a character was pushed down): those
    reaching the right edge of the block (first lines counted with their two-character
    indent)."""
    counts = []
    pitch = TEXT_WIDTH / 28
    for line in body_lines(m, body_font):
        if any(abs(c.x1 - c.x0 - c.size) > 0.5 for c in line.chars):
            continue
        natural = (
            len(line.chars) < 2
            or abs((line.chars[-1].x0 - line.chars[0].x0) / (len(line.chars) - 1) - pitch) < 0.05
        )
        if natural and line.chars[-1].x1 >= RIGHT - pitch / 2:
            indent = round((line.chars[0].x0 - LEFT) / pitch)
            counts.append(len(line.chars) + indent)
    return counts


def lines_per_page(m: Measured) -> list[int]:
    """For each page, how many text lines of body size (any face) it holds."""
    counts = []
    for n in range(1, len(m.pages) + 1):
        tops = {
            round(line.top)
            for line in m.lines()
            if line.page == n and abs(line.size - BODY_SIZE) < 0.1
        }
        counts.append(len(tops))
    return counts


def off_grid(m: Measured, body_font: str) -> list[str]:
    """Consecutive body lines closer than the 22-line leading (more than 22 lines a page)."""
    bad = []
    previous: Line | None = None
    for line in body_lines(m, body_font):
        if previous is not None and previous.page == line.page:
            gap = line.top - previous.top
            if 0 < gap < LEADING - 0.2:
                bad.append(f"p{line.page}: {gap:.2f} pt before {line.text[:10]}")
        previous = line
    return bad


def ragged_lines(m: Measured, body_font: str) -> list[str]:
    """Body lines followed by a continuation line (not indented) that stop short of the right
    edge: in justified paragraphs of indented body text every such line is flush."""
    bad = []
    pitch = TEXT_WIDTH / 28
    lines = body_lines(m, body_font)
    for line, after in itertools.pairwise(lines):
        continued = after.chars[0].x0 < LEFT + pitch / 2
        if continued and abs(line.chars[-1].x1 - RIGHT) > 0.5:
            bad.append(f"p{line.page}: {line.text} ends at {line.chars[-1].x1 / MM:.1f} mm")
    return bad
