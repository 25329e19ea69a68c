"""Chinese line breaking (禁则), character tracking and per-character font fallback.

One implementation for every official document: :class:`Paragraph` replaces ReportLab's
paragraph (``styles()`` and ``ruled_table`` in :mod:`app.reports.official` build with it, and
the documents import it from here). Its line breaking, for every paragraph and table cell:

- no line starts with closing punctuation (:data:`CANNOT_START`) or ends with opening
  punctuation (:data:`CANNOT_END`): the character before is pushed down with it instead;
- nothing hangs past the available width (ReportLab's CJK wrap lets one mark hang);
- numbers stay with their units ("4 场", "30%", "2018年"), Latin words and figures stay whole,
  "——" and "……" stay whole, a last line never holds a single character alone;
- a paragraph of at most :data:`SHORT` characters (a header such as 序号, a short name) never
  breaks: if it does not fit, its size is reduced until it does;
- characters joined with :data:`JOIN` (see :func:`unbreakable`, for names in captions) stay on
  one line.

A style's ``tracking`` (points added after every character, negative to tighten) sets the
character pitch: the body style uses it so that 28 characters of 3号 fill the 156 mm line.
Characters that the style's face lacks (rare name characters such as 喆 in a GB 2312 face) are
drawn in the fallback face of :func:`app.reports.fonts.font_set`, or the first face of
:data:`app.reports.fonts.FALLBACKS` that has them (CJK Extensions B–F), never dropped; one no
font has is printed as 〓 and told to the clerk (:mod:`app.reports.glyphs`), never a blank box.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import groupby
from typing import TYPE_CHECKING, Any, TypeAlias

from reportlab.lib.enums import TA_JUSTIFY
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.platypus import paragraph as _rl
from reportlab.rl_config import _FUZZ

from app.reports.glyphs import MISSING_MARK, note_missing

CANNOT_START = (
    "，。、；：？！）》」』”’〕］｝〉】〗…—·％‰℃,.;:?!)]}%"
    "々ゝゞヽヾーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
)
"""Characters that may not begin a line (closing punctuation and marks)."""
CANNOT_END = "（《「『“‘〔［｛〈【〖([{"
"""Characters that may not end a line (opening punctuation)."""
SQUEEZABLE = "，。、；：？！）》」』”’（《「『“‘〔〕［］【】〖〗"
"""Full-width punctuation squeezed to half an em when another follows it."""
JOIN = "\u2060"
"""WORD JOINER: no line break between the characters around it; never drawn."""
SHORT = 4
"""A paragraph of at most this many characters never breaks."""
UNIT_FOLLOWERS = CANNOT_START  # a figure also binds to the punctuation after it

_PAIRS = ("——", "……", "──")


def unbreakable(text: str) -> str:
    """``text`` with :data:`JOIN` between its characters: kept on one line (e.g. a name)."""
    return JOIN.join(text)


def unit_name(text: str) -> str:
    """A unit's name for a narrow cell: it may break only after "、" or before "（" (公证管理科、/
    公证处, 办公室/（政治处）), never inside a word."""
    parts = re.split(r"(?<=、)|(?=（)", text)
    return "".join(unbreakable(part) for part in parts if part)


def _is_cjk(ch: str) -> bool:
    return ord(ch) >= 0x2E80


def _is_figure(ch: str) -> bool:
    return ch.isascii() and (ch.isdigit() or ch in ".%")


def _is_word(ch: str) -> bool:
    return ch.isascii() and not ch.isspace()


def _may_break(earlier: str, before: str, after: str, joined: bool) -> bool:
    """Whether a line may end after ``before`` (preceded by ``earlier``) and the next begin with
    ``after``."""
    if joined or not before or not after:
        return not joined
    if after.isspace():  # a line may end with a space, not start with one
        return False
    if before.isspace() and _is_figure(earlier):  # "4 场"
        return False
    if after in CANNOT_START or before in CANNOT_END:
        return False
    if _is_word(before) and _is_word(after):  # Latin words, figures, "30%", "12.5"
        return False
    if (before + after) in _PAIRS:
        return False
    return not (_is_figure(before) and _is_cjk(after))  # 4场, 2018年, 30%以上


@cache
def _coverage(font_name: str) -> frozenset[int] | None:
    """Code points the registered TrueType font ``font_name`` has, or None if unknown."""
    face = getattr(getFont(font_name), "face", None)
    mapping = getattr(face, "charToGlyph", None)
    return frozenset(mapping) if mapping else None


def _fallback_name() -> str:
    from app.reports.fonts import font_set

    return font_set().fallback


@cache
def face_having(code: int) -> str | None:
    """The first fallback face (:data:`app.reports.fonts.FALLBACKS`) that has the character
    ``code``; None when no font here has it."""
    from app.reports.fonts import FALLBACKS, fallback_face

    for position in range(len(FALLBACKS)):
        name = fallback_face(position)
        cover = _coverage(name) if name is not None else None
        if cover is not None and code in cover:
            return name
    return None


_MISSING = ""  # the face of a character no font has: printed as MISSING_MARK, and told


def _split(text: str, font: str, cover: frozenset[int]) -> list[tuple[str, str]]:
    """``text`` as (face, piece) runs: its own ``font`` where it has the character, else the
    first fallback face that has it; a character none has becomes :data:`MISSING_MARK` (in the
    fallback face) and is noted for the clerk (:mod:`app.reports.glyphs`)."""

    def face(char: str) -> str:
        if ord(char) in cover or char.isspace() or char == JOIN:
            return font
        found = face_having(ord(char))
        if found is None:
            note_missing(char, text)
            return _MISSING
        return found

    parts = []
    for name, chars in groupby(text, key=face):
        piece = "".join(chars)
        if name == _MISSING:
            name, piece = _fallback_name(), MISSING_MARK * len(piece)
        parts.append((name, piece))
    return parts


def with_fallback(frags: list[Any]) -> list[Any]:
    """``frags`` with every run of characters its font lacks moved to a face that has them."""
    out: list[Any] = []
    for frag in frags:
        text: str = getattr(frag, "text", None) or ""
        cover = _coverage(frag.fontName) if text and not hasattr(frag, "cbDefn") else None
        if cover is None or all(ord(c) in cover or c == JOIN for c in text):
            out.append(frag)
            continue
        parts = _split(text, frag.fontName, cover)
        for n, (name, chars) in enumerate(parts):
            piece = frag.clone(text=chars)
            piece.fontName = name
            if n < len(parts) - 1 and hasattr(piece, "lineBreak"):
                del piece.lineBreak  # only the last piece ends a <br/> line
            out.append(piece)
    return out


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """``text`` as (piece, font) runs: characters ``font`` lacks go to a face that has them."""
    cover = _coverage(font)
    if cover is None or all(ord(c) in cover for c in text):
        return [(text, font)] if text else []
    return [(piece, name) for name, piece in _split(text, font, cover)]


def text_width(text: str, font: str, size: float) -> float:
    """Width of ``text`` as :func:`draw_right` draws it (with fallback)."""
    return float(sum(stringWidth(piece, name, size) for piece, name in runs(text, font)))


def draw_left(canvas: Any, x: float, y: float, text: str, font: str, size: float) -> None:
    """Draw ``text`` starting at ``x`` (like ``drawString``), never dropping a character its
    font lacks."""
    for piece, name in runs(text, font):
        canvas.setFont(name, size)
        canvas.drawString(x, y, piece)
        x += stringWidth(piece, name, size)


def draw_right(canvas: Any, x: float, y: float, text: str, font: str, size: float) -> None:
    """Draw ``text`` ending at ``x`` (like ``drawRightString``), never dropping a character
    its font lacks."""
    left = x - text_width(text, font, size)
    for piece, name in runs(text, font):
        canvas.setFont(name, size)
        canvas.drawString(left, y, piece)
        left += stringWidth(piece, name, size)


def _units(frags: list[Any], tracking: float) -> tuple[list[Any], list[bool]]:
    """One cjkU per character with its width (+ tracking), and for each whether it is joined
    to the one before (:data:`JOIN`)."""
    units: list[Any] = []
    joined: list[bool] = []
    join_next = False
    for frag in frags:
        if getattr(getattr(frag, "cbDefn", None), "name", None) == _CHAR_SPACE:
            continue  # a justification mark of an earlier wrap (a split paragraph's rest)
        text = frag.text if hasattr(frag, "text") else ""
        if isinstance(text, bytes):
            text = text.decode("utf8")
        if not text:
            units.append(_rl.cjkU(text, frag, "utf8"))
            joined.append(join_next)
            join_next = False
            continue
        for ch in text:
            if ch == JOIN:
                join_next = True
                continue
            unit = _rl.cjkU(ch, frag, "utf8")
            if tracking and not hasattr(frag, "cbDefn"):
                unit._width += tracking
            units.append(unit)
            joined.append(join_next)
            join_next = False
    return units, joined


def _breaks(units: list[Any], joined: list[bool], widths: list[float]) -> list[int]:
    """Start index of each line after the first (greedy fill, 禁则 applied)."""
    n = len(units)
    visible = sum(1 for u in units if str(u).strip())
    allowed = [False] + [
        visible > SHORT
        and _may_break(
            str(units[k - 2]) if k > 1 else "", str(units[k - 1]), str(units[k]), joined[k]
        )
        for k in range(1, n)
    ]
    starts: list[int] = []
    start = i = 0
    used = 0.0
    while i < n:
        unit = units[i]
        width = widths[min(len(starts), len(widths) - 1)]
        if hasattr(unit.frag, "lineBreak"):  # <br/>: the line ends after this unit
            i += 1
            if i < n:
                starts.append(i)
            start, used = i, 0.0
            continue
        used += unit.width
        if used > width + _FUZZ and i > start:
            brk = next((k for k in range(i, start, -1) if allowed[k]), None)
            if brk is None:  # nowhere allowed: break after the overflow instead
                brk = next((k for k in range(i + 1, n) if allowed[k]), n)
            if brk >= n:
                break
            starts.append(brk)
            start = i = brk
            used = 0.0
            continue
        i += 1
    if starts:  # no last line of a single character when the line above can give one
        last = starts[-1]
        previous = starts[-2] if len(starts) > 1 else 0
        tail = [u for u in units[last:] if str(u).strip()]
        if len(tail) == 1 and last - 1 > previous + 1 and allowed[last - 1]:
            starts[-1] = last - 1
    return starts


_CHAR_SPACE = "bj_char_space"  # onDraw callback setting a line's character spacing


def _set_char_space(canvas: Any, _kind: str, label: str) -> None:
    canvas._curr_tx_info["tx"].setCharSpace(float(label))


def _char_space_mark(unit: Any, char_space: float) -> Any:
    """A zero-width unit that sets the character spacing (Tc) for the rest of its line."""
    from reportlab.lib.abag import ABag

    frag = unit.frag.clone(text="")
    for attribute in ("lineBreak", "cbDefn"):
        if hasattr(frag, attribute):
            delattr(frag, attribute)
    frag.cbDefn = ABag(kind="onDraw", name=_CHAR_SPACE, label=f"{char_space:.4f}")
    return _rl.cjkU("", frag, "utf8")


def _squeeze(units: list[Any]) -> list[float]:
    """For each unit, how much its advance is cut: half an em for full-width punctuation
    followed by more punctuation ("）（", "。”", "）、"), whose blank halves would otherwise
    leave a visible gap (标点挤压)."""
    cuts = [0.0] * len(units)
    for i in range(len(units) - 1):
        here, after = units[i], units[i + 1]
        if (
            str(here) in SQUEEZABLE
            and str(after) in SQUEEZABLE
            and not hasattr(here.frag, "cbDefn")
        ):
            size = here.frag.fontSize
            if stringWidth(str(here), here.frag.fontName, size) > 0.9 * size:  # full width
                cuts[i] = size / 2
    return cuts


def kinsoku_split(frags: list[Any], widths: list[float], calc_bounds: bool,
                  tracking: float = 0.0, justify: bool = False) -> Any:  # fmt: skip
    """ReportLab ParaLines (kind 1) for ``frags`` broken into lines of ``widths``. Adjacent
    punctuation is squeezed (:func:`_squeeze`). With ``justify`` every line but the last (and
    those ended by <br/>) is spread flush to both edges by its own character spacing."""
    units, joined = _units(frags, tracking)
    cuts = _squeeze(units)
    for unit, cut in zip(units, cuts, strict=True):
        unit._width -= cut
    starts = _breaks(units, joined, widths)
    ends = [*starts, len(units)]
    lines = []
    for n, (a, b) in enumerate(zip([0, *starts], ends, strict=True)):
        width = widths[min(n, len(widths) - 1)]
        chunk = units[a:b]
        # the ink: the last glyph's tracking is no part of it (right and centred lines)
        used = sum(u.width for u in chunk) - (tracking if any(str(u) for u in chunk) else 0)
        line_break = bool(chunk) and hasattr(chunk[-1].frag, "lineBreak")
        char_space = tracking
        if justify and chunk:
            glyphs = sum(1 for u in chunk if str(u))
            spread = n < len(ends) - 1 and not line_break and glyphs > 1
            spread = spread and _FUZZ < width - used < width / 4  # a short line stays short
            if spread:
                # ink from the first glyph to the last = widths + (glyphs - 1) × Tc
                char_space += (width - used - cuts[b - 1]) / (glyphs - 1)
                used = width
        if chunk and (justify or any(cuts)):  # Tc carries over: every line sets its own
            marked = [_char_space_mark(chunk[0], char_space)]
            for unit, cut in zip(chunk, cuts[a:b], strict=True):
                if cut:
                    marked += [_char_space_mark(unit, char_space - cut), unit,
                               _char_space_mark(unit, char_space)]  # fmt: skip
                else:
                    marked.append(unit)
            chunk = marked
        lines.append(_rl.makeCJKParaLine(chunk, width, used, width - used, line_break,
                                         calc_bounds))  # fmt: skip
    return _rl.ParaLines(kind=1, lines=lines)


class CJKParagraph(_rl.Paragraph):  # type: ignore[misc]  # reportlab is untyped
    """ReportLab's paragraph with Chinese line breaking, tracking and font fallback."""

    frags: list[Any]

    def _setup(self, *args: Any, **kwargs: Any) -> None:
        super()._setup(*args, **kwargs)
        if self.frags:
            self.frags = with_fallback(self.frags)

    def _text_length(self) -> int:
        return sum(
            len((getattr(f, "text", "") or "").replace(JOIN, "").strip()) for f in self.frags
        )

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        result: tuple[float, float] = super().wrap(availWidth, availHeight)
        if 0 < self._text_length() <= SHORT and not getattr(self, "_splitpara", 0):
            lines = self.blPara.lines
            if lines and lines[0].extraSpace < -_FUZZ:  # too wide and may not break: shrink
                scale = max(0.5, lines[0].maxWidth / (lines[0].currentWidth or 1))
                for frag in self.frags:
                    frag.fontSize *= scale
                result = super().wrap(availWidth, availHeight)
        return result

    def breakLines(self, width: Any) -> Any:  # ReportLab's name
        """Every paragraph breaks the Chinese way, whatever its style's ``wordWrap``."""
        return self.breakLinesCJK(width)

    def breakLinesCJK(self, maxWidths: Any) -> Any:  # ReportLab's names
        """Lines by :func:`kinsoku_split` (replaces ReportLab's Japanese-oriented wrap)."""
        if not isinstance(maxWidths, (list, tuple)):
            maxWidths = [maxWidths]
        style = self.style
        self.height = 0
        _rl._handleBulletWidth(self.bulletText, style, maxWidths)
        if hasattr(self, "blPara") and getattr(self, "_splitpara", False):
            return self.blPara
        if not self.frags:
            return _rl.ParaLines(kind=0, fontSize=style.fontSize, fontName=style.fontName,
                                 textColor=style.textColor, lines=[], ascent=style.fontSize,
                                 descent=-0.2 * style.fontSize)  # fmt: skip
        auto = getattr(self, "autoLeading", getattr(style, "autoLeading", ""))
        tracking = float(getattr(style, "tracking", 0.0) or 0.0)
        justify = style.alignment == TA_JUSTIFY
        return kinsoku_split(self.frags, list(maxWidths), auto not in ("", "off"), tracking,
                             justify)  # fmt: skip

    def _get_split_blParaFunc(self) -> Any:  # ReportLab's name
        """Lines ``start:stop`` back to frags, as they are: ReportLab's own adds a space at each
        line end (right for Latin text, a stray space in Chinese)."""

        def frags_of(para: Any, start: int, stop: int) -> list[Any]:
            return [
                word
                for line in para.lines[start:stop]
                for word in line.words
                if getattr(getattr(word, "cbDefn", None), "name", None) != _CHAR_SPACE
            ]

        return frags_of

    def draw(self) -> None:
        self.canv.setNamedCB(_CHAR_SPACE, _set_char_space)
        super().draw()

    def beginText(self, x: float, y: float) -> Any:  # ReportLab's name
        text = super().beginText(x, y)
        tracking = float(getattr(self.style, "tracking", 0.0) or 0.0)
        if tracking:
            text.setCharSpace(tracking)
        return text


if TYPE_CHECKING:  # as untyped as ReportLab's own, so a Paragraph mixes with strings in rows
    Paragraph: TypeAlias = Any
else:
    Paragraph = CJKParagraph
