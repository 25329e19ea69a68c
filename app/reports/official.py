"""The official-document page (GB/T 9704-2012): A4, margins, styles and "— 1 —" page numbers.

Text block 156 × 225 mm (top 37 mm, left 28 mm); body 3号 (16 pt) at 22 lines a page, title
2号 (22 pt), headings "一、" in 黑体; page numbers in 4号 宋体 7 mm below the text block,
right on odd pages and left on even ones. Several documents can share one file: a
:class:`RestartPageNumbers` flowable starts the numbering of the next one at 1.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Table,
    TableStyle,
)
from reportlab.platypus import Paragraph as ReportLabParagraph

from app.reports.fonts import FontSet, font_set
from app.reports.typesetting import Paragraph as Paragraph  # re-exported: use it for every text
from app.reports.typesetting import draw_right, text_width
from app.services.wording import cn_date as cn_date  # re-exported
from app.services.wording import cn_numeral as cn_numeral  # re-exported

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

rl_config.useA85 = 0  # binary streams: ASCII85 (pure Python here) only makes photos slow and big

PAGE_WIDTH, PAGE_HEIGHT = A4
TOP, LEFT = 37 * mm, 28 * mm
TEXT_WIDTH, TEXT_HEIGHT = 156 * mm, 225 * mm
BOTTOM = PAGE_HEIGHT - TOP - TEXT_HEIGHT
BODY_SIZE, TITLE_SIZE, PAGE_NUMBER_SIZE = 16, 22, 14
LEADING = TEXT_HEIGHT / 22  # 22 lines a page
LINE_CHARS = 28  # characters a full body line holds
TRACKING = (TEXT_WIDTH - LINE_CHARS * BODY_SIZE) / (LINE_CHARS - 1)  # ≈ -0.21 pt after each
PITCH = BODY_SIZE + TRACKING  # body character pitch: 28 characters fill the 156 mm line

Styles = dict[str, ParagraphStyle]  # paragraph styles by name
Story = list[Flowable]  # what a document is built from


def styles(fonts: FontSet | None = None) -> Styles:
    """Paragraph styles of an official document (build them with :class:`Paragraph`).

    ``body`` 仿宋 3号 on the 28 × 22 grid, first line indented two characters; ``title``
    小标宋 2号; ``heading`` (= ``heading1``, "一、") 黑体, ``heading2`` ("（一）") 楷体,
    ``heading3`` ("1.", "（1）") 仿宋, each kept with the lines after it; ``cell*`` for tables,
    ``note`` 宋体 5号."""
    f = fonts or font_set()
    body = ParagraphStyle(
        "body", fontName=f.body, fontSize=BODY_SIZE, leading=LEADING, firstLineIndent=2 * PITCH,
        alignment=TA_JUSTIFY, wordWrap="CJK", tracking=TRACKING,
    )  # fmt: skip
    cell = ParagraphStyle(
        "cell", fontName=f.body, fontSize=12, leading=16, alignment=TA_LEFT, wordWrap="CJK"
    )
    heading1 = ParagraphStyle("heading", parent=body, fontName=f.heading1, keepWithNext=1)
    return {
        "title": ParagraphStyle(
            "title",
            fontName=f.title,
            fontSize=TITLE_SIZE,
            leading=TITLE_SIZE * 1.6,
            alignment=TA_CENTER,
            spaceAfter=LEADING * 0.6,
            wordWrap="CJK",
        ),
        "body": body,
        "plain": ParagraphStyle("plain", parent=body, firstLineIndent=0),
        "heading": heading1,
        "heading1": heading1,
        "heading2": ParagraphStyle("heading2", parent=body, fontName=f.heading2, keepWithNext=1),
        "heading3": ParagraphStyle("heading3", parent=body, fontName=f.heading3, keepWithNext=1),
        "right": ParagraphStyle("right", parent=body, firstLineIndent=0, alignment=TA_RIGHT),
        "cell": cell,
        "cell_center": ParagraphStyle("cell_center", parent=cell, alignment=TA_CENTER),
        "cell_head": ParagraphStyle(
            "cell_head", parent=cell, fontName=f.heading1, alignment=TA_CENTER
        ),
        "note": ParagraphStyle(
            "note", fontName=f.song, fontSize=10.5, leading=15, alignment=TA_LEFT, wordWrap="CJK"
        ),
    }


TABLE_GRID = "#444444"
TABLE_HEAD_BACKGROUND = "#eef1f6"


def ruled_table(
    rows: Sequence[Sequence[object]], widths: list[float], st: Styles,
    left: tuple[int, ...] = (0,), extra: list[tuple[Any, ...]] | None = None,
    header: bool = True,
) -> Table:  # fmt: skip
    """A ruled table with a shaded header row that repeats on each page. Text cells become
    wrapped paragraphs (centred, but left-aligned in the ``left`` columns); flowables are kept;
    ``extra`` adds TableStyle commands. ``header=False``: rows only (the rest of a table)."""
    from reportlab.lib import colors

    def cell(r: int, i: int, value: object) -> Flowable:
        if isinstance(value, Flowable):
            return value
        head = header and r == 0
        style = st["cell_head"] if head else (st["cell"] if i in left else st["cell_center"])
        return Paragraph(escape(str(value)).replace("\n", "<br/>"), style)

    table = Table([[cell(r, i, v) for i, v in enumerate(row)] for r, row in enumerate(rows)],
                  colWidths=widths, repeatRows=1 if header else 0)  # fmt: skip
    shade = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(TABLE_HEAD_BACKGROUND))]
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),  # else Helvetica joins the file
        ("GRID", (0, 0), (-1, -1), 0.6, colors.HexColor(TABLE_GRID)),
        *(shade if header else []),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        *(extra or []),
    ]))  # fmt: skip
    return table


class Closing(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """落款 (GB/T 9704 7.3.5): the date ``date_text`` ends four characters from the text block's
    right edge; the issuer is centred over it (moved left only as far as a long name needs);
    ``seal`` leaves room for the seal above the date. Body size, one line each."""

    def __init__(self, issuer: str, date_text: str, font: str, *, seal: bool = False) -> None:
        super().__init__()
        self.issuer, self.date_text, self.font, self.seal = issuer, date_text, font, seal

    def wrap(self, available_width: float, _height: float) -> tuple[float, float]:
        self.width = available_width
        lines = 2 + (2 if self.seal else 1)  # a blank line after the text (three with a seal)
        return available_width, lines * LEADING

    def draw(self) -> None:
        canvas = self.canv
        canvas.setFont(self.font, BODY_SIZE)
        date_right = self.width - 4 * PITCH  # four characters of the body grid
        date_width = text_width(self.date_text, self.font, BODY_SIZE)
        centre = date_right - date_width / 2
        issuer_width = text_width(self.issuer, self.font, BODY_SIZE)
        issuer_right = min(centre + issuer_width / 2, self.width)
        baseline = (LEADING - BODY_SIZE) / 2 + BODY_SIZE * 0.12
        draw_right(canvas, date_right, baseline, self.date_text, self.font, BODY_SIZE)
        draw_right(canvas, issuer_right, baseline + LEADING, self.issuer, self.font, BODY_SIZE)


def closing(last: Flowable | Sequence[Flowable] | None, issuer: str, date_text: str, st: Styles,
            *, seal: bool = False) -> Story:  # fmt: skip
    """The document's 落款 kept on one page with its last paragraph ``last`` (or the last few
    flowables, in order; never a KeepTogether: nested, it always breaks the page)."""
    from reportlab.platypus import KeepTogether

    block = Closing(issuer, date_text, st["body"].fontName, seal=seal)
    before = [] if last is None else [last] if isinstance(last, Flowable) else list(last)
    return [KeepTogether([*before, block])]


class RestartPageNumbers(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Zero-size marker: the page it lands on is page 1 of the next document."""

    def wrap(self, *_args: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        doc = self.canv._doctemplate
        doc.number_offset = self.canv.getPageNumber() - 1


class Watermark(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Zero-size marker switching the diagonal watermark (e.g. 草稿) on or off from its page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def wrap(self, *_args: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._doctemplate.watermark = self.text


class KeepWithNextLines(KeepTogether):  # type: ignore[misc]  # reportlab is untyped
    """What ``keepWithNext`` groups (headings and the flowable after them): the headings stay
    on the page with at least the first two lines of a following paragraph (or the first rows
    of a table), which may go on across the page break; anything else is kept whole as
    ReportLab does."""

    def split(self, aW: float, aH: float) -> list[Flowable]:  # ReportLab names the sizes so
        *heads, last = self._content
        if heads and isinstance(last, (ReportLabParagraph, Table)):
            used = 0.0
            for n, flowable in enumerate(heads):
                used += flowable.wrap(aW, aH)[1] + flowable.getSpaceAfter()
                used += flowable.getSpaceBefore() if n else 0
            room = aH - used - last.getSpaceBefore() - 1  # 1 pt for rounding
            parts = last.split(aW, room) if room > 0 else []
            if len(parts) == 2:  # two lines fit (no orphan), or a table's head and a row
                return [*heads, *parts]
        result: list[Flowable] = super().split(aW, aH)
        return result


class OfficialDocument(BaseDocTemplate):  # type: ignore[misc]  # reportlab is untyped
    """A4 document with the GB/T 9704 text block and page numbers."""

    def __init__(
        self, target: IO[bytes] | str, title: str, author: str, fonts: FontSet | None = None
    ) -> None:
        super().__init__(
            target, pagesize=A4, leftMargin=LEFT, rightMargin=PAGE_WIDTH - LEFT - TEXT_WIDTH, topMargin=TOP,
            bottomMargin=BOTTOM, title=title, author=author, creator="大帮教工作台", lang="zh-CN",
            initialFontName=(fonts or font_set()).body, initialFontSize=BODY_SIZE,
        )  # fmt: skip
        self.fonts = fonts or font_set()
        self.keepTogetherClass = KeepWithNextLines  # headings keep with next lines, not sections
        self.number_offset = 0
        self.watermark = ""
        frame = Frame(LEFT, BOTTOM, TEXT_WIDTH, TEXT_HEIGHT, 0, 0, 0, 0, id="text")
        self.addPageTemplates([PageTemplate("official", [frame], onPageEnd=self._page_end)])

    def _page_end(self, canvas: Canvas, _doc: BaseDocTemplate) -> None:
        number = canvas.getPageNumber() - self.number_offset
        text = f"— {number} —"
        canvas.saveState()
        canvas.setFont(self.fonts.song, PAGE_NUMBER_SIZE)
        y = BOTTOM - 7 * mm - PAGE_NUMBER_SIZE * 0.8
        if number % 2:
            canvas.drawRightString(LEFT + TEXT_WIDTH - PAGE_NUMBER_SIZE, y, text)
        else:
            canvas.drawString(LEFT + PAGE_NUMBER_SIZE, y, text)
        if self.watermark:
            canvas.setFont(self.fonts.heading, 96)
            canvas.setFillColorRGB(0.6, 0.6, 0.6, alpha=0.18)  # drawn last, so translucent
            canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, self.watermark)
        canvas.restoreState()


def build_pdf(title: str, author: str, make_story: Callable[[Styles], Story]) -> bytes:
    """Build a document whose flowables ``make_story(styles)`` returns; the PDF bytes."""
    buffer = io.BytesIO()
    doc = OfficialDocument(buffer, title, author)
    doc.build(make_story(styles(doc.fonts)))
    return buffer.getvalue()
