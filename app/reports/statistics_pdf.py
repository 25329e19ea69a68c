"""The county's statistics table (全县统计汇总表) as an official PDF for the city.

The title (小标宋), the period under it (楷体) and the 统计期间 / 报送截止 line, then a ruled
table in 五号: 序号 / 单位 / each figure with its unit / 状态 / 报送日期 / 是否按时, a 合计 row
(over the counted statuses), the on-time line, a note on the total and the 落款 (the issuer's
full name over the date, room for the seal). The page is A4 upright when the columns fit the
156 mm text block, else turned (GB/T 9704's text block turned a quarter: 225 × 156 mm). Long
unit names wrap; a table split over pages repeats its header, and its last rows always go with
the 落款, so the seal never sits on a page of its own. A table that would spill onto a second
page is set tight when that fits it on one (leading 1.2, thin padding, the period beside the
title, 小五 cells if need be, the seal's room one line: the 填表人/审核人/联系电话 line at its
left). Fonts are embedded (subsets).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Frame, PageTemplate, Spacer, Table

from app.reports.official import (
    LEADING,
    PAGE_NUMBER_SIZE,
    TEXT_HEIGHT,
    TEXT_WIDTH,
    Closing,
    OfficialDocument,
    Story,
    Styles,
    cn_date,
    ruled_table,
    styles,
)
from app.reports.statistics_common import (
    LATE,
    NOT_REPORTED,
    SIGNERS,
    column_decimals,
    figure_text,
    headers,
    on_time_word,
    period_line,
    rate_line,
    total_note,
    value_at,
)
from app.reports.typesetting import Paragraph, text_width, unbreakable, unit_name
from app.services.statistics_table import StatisticsTable

# GB/T 9704's 156 × 225 mm text block turned a quarter on a landscape A4 page: 28 mm at the
# top (the binding margin of the upright page), centred across
TURNED_WIDTH, TURNED_HEIGHT = TEXT_HEIGHT, TEXT_WIDTH
TURNED_TOP = 28 * mm
TURNED_LEFT = (landscape(A4)[0] - TURNED_WIDTH) / 2

CELL_SIZE, MIN_CELL_SIZE = 10.5, 6.5  # 五号, and no smaller than 小六
LEADING_RATIO = 13.5 / 10.5
TIGHT_LEADING_RATIO = 1.2
TIGHT_LINE_SIZE = 12  # 小四: the period and on-time lines of a table set tight
TIGHT_MIN_SIZE = 9  # 小五: the smallest a table is set to fit one page
LINE_SIZE = 14  # 4号: the period and on-time lines
PADDING = 4  # points each side of a cell's text
UNIT_MIN_CHARS, UNIT_MAX_CHARS = 6, 16  # the unit column's width in characters; longer wraps
FIGURE_MAX_MM = 28
SHORT_WORD = 4  # a label this short is never broken
TAIL_ROWS = 3  # the 合计 row and the two rows before it stay with the 落款
RED = colors.HexColor("#c00000")
NOT_REPORTED_SHADE = colors.HexColor("#d9d9d9")
TOTAL_SHADE = colors.HexColor("#f2f2f2")


class TurnedDocument(OfficialDocument):
    """The official document on a landscape A4 page: the text block turned a quarter, page
    numbers 7 mm under it as on an upright page (right on odd pages, left on even ones)."""

    def __init__(self, target: IO[bytes] | str, title: str, author: str) -> None:
        super().__init__(target, title, author)
        width, height = landscape(A4)
        self.pagesize = width, height
        self.leftMargin, self.rightMargin = TURNED_LEFT, width - TURNED_LEFT - TURNED_WIDTH
        self.topMargin, self.bottomMargin = TURNED_TOP, height - TURNED_TOP - TURNED_HEIGHT
        frame = Frame(self.leftMargin, self.bottomMargin, TURNED_WIDTH, TURNED_HEIGHT,
                      0, 0, 0, 0, id="text")  # fmt: skip
        del self.pageTemplates[:]  # OfficialDocument's upright page
        self.addPageTemplates(
            [PageTemplate("turned", [frame], onPageEnd=self._page_end, pagesize=self.pagesize)]
        )

    def _page_end(self, canvas: Any, _doc: Any) -> None:
        number = canvas.getPageNumber() - self.number_offset
        canvas.saveState()
        canvas.setFont(self.fonts.song, PAGE_NUMBER_SIZE)
        y = self.bottomMargin - 7 * mm - PAGE_NUMBER_SIZE * 0.8
        text = f"— {number} —"
        if number % 2:
            canvas.drawRightString(self.leftMargin + TURNED_WIDTH - PAGE_NUMBER_SIZE, y, text)
        else:
            canvas.drawString(self.leftMargin + PAGE_NUMBER_SIZE, y, text)
        canvas.restoreState()


class TableWithEnding(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A table and what follows it (the on-time line, the note, the 落款), split over pages as
    the table splits (its header repeated), except that the last page always holds the table's
    last :data:`TAIL_ROWS` rows with the ending: never a 落款 or a 合计 on a page alone."""

    def __init__(self, table: Table, ending: list[Flowable], frame_height: float) -> None:
        super().__init__()
        self.table, self.ending, self.frame_height = table, ending, frame_height
        self._sizes: list[tuple[float, float, float]] = []

    def _ending_height(self, width: float, height: float) -> float:
        self._sizes = []
        for flowable in self.ending:
            _w, h = flowable.wrap(width, height)
            self._sizes.append((flowable.getSpaceBefore(), h, flowable.getSpaceAfter()))
        return sum(sum(size) for size in self._sizes)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        _w, table_height = self.table.wrap(available_width, available_height)
        self.table_height = table_height
        self.width = available_width
        self.height = table_height + self._ending_height(available_width, available_height)
        return self.width, self.height

    def draw(self) -> None:
        y = self.height - self.table_height
        self.table.drawOn(self.canv, 0, y)
        for flowable, (before, height, after) in zip(self.ending, self._sizes, strict=True):
            y -= before + height
            flowable.drawOn(self.canv, 0, y)
            y -= after

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self.wrap(available_width, available_height)
        rows = self.table._rowHeights  # known once wrapped
        tail = sum(rows[-TAIL_ROWS:]) if len(rows) > TAIL_ROWS + 1 else self.table_height
        room = min(available_height, self.table_height - tail)
        parts = self.table.split(available_width, room) if room > 0 else []
        if len(parts) == 2:
            return [parts[0], TableWithEnding(parts[1], self.ending, self.frame_height)]
        if available_height < self.frame_height - 1:
            return []  # on to a fresh page
        return [self.table, *self.ending]  # taller than a page even so: the table as it splits


class SignedClosing(Closing):
    """The 落款 with the line 填表人：…审核人：…联系电话： at the left of its top line: the seal
    room's upper blank line, which the seal (right, over the issuer and the date) leaves
    free — the line costs no height."""

    def draw(self) -> None:
        super().draw()
        lines = 4 if self.seal else 3
        baseline = (LEADING - LINE_SIZE) / 2 + LINE_SIZE * 0.12 + (lines - 1) * LEADING
        self.canv.setFont(self.font, LINE_SIZE)
        self.canv.drawString(0, baseline, SIGNERS)


@dataclass(frozen=True)
class Layout:
    """How the table is set: column widths (points), whether the page is turned, the cells'
    font size (五号, smaller only when even the turned page cannot hold the columns), and
    whether it is set tight (leading 1.2, thin cell padding, the period in the title's line)
    so that the table and its 落款 fit one page."""

    widths: list[float]
    turned: bool
    size: float = CELL_SIZE
    tight: bool = False

    @property
    def frame_height(self) -> float:
        """The text block's height."""
        return float(TURNED_HEIGHT if self.turned else TEXT_HEIGHT)


def _cell_styles(st: Styles, size: float, ratio: float = LEADING_RATIO) -> Styles:
    """The table's cells in ``size`` (五号), with right-aligned figures and the red of 逾期."""
    compact = {
        name: ParagraphStyle(f"{name}_stats", parent=st[name], fontSize=size,
                             leading=size * ratio)
        for name in ("cell", "cell_center", "cell_head")
    }  # fmt: skip
    compact["cell_right"] = ParagraphStyle("cell_right", parent=compact["cell"], alignment=TA_RIGHT)
    compact["cell_late"] = ParagraphStyle("cell_late", parent=compact["cell_center"], textColor=RED)
    compact["cell_total"] = ParagraphStyle(
        "cell_total", parent=compact["cell_right"], fontName=st["cell_head"].fontName
    )
    return st | compact


@dataclass(frozen=True)
class _Needs:
    """What the columns' text needs at :data:`CELL_SIZE`, padding left out: each column at its
    narrowest (``least``); a figure column with its label on one line (``comfortable``); the
    unit column with its longest name on one line (``unit``, at most :data:`UNIT_MAX_CHARS`)."""

    least: list[float]
    comfortable: list[float]
    unit: float


def _needs(table: StatisticsTable, st: Styles) -> _Needs:
    body, head = st["cell"].fontName, st["cell_head"].fontName

    def width(texts: list[str], font: str) -> float:
        return max((text_width(t, font, CELL_SIZE) for t in texts if t), default=0.0)

    decimals = column_decimals(table)
    least, comfortable = [], []
    for i, column in enumerate(table.columns):
        shown = [figure_text(value_at(r.values, i), decimals[i]) for r in table.rows]
        total = figure_text(value_at(table.totals, i), decimals[i])
        unit = f"（{column.unit}）" if column.unit else ""
        # a label may take two lines, but a word of four characters or fewer stays whole
        line = column.label[: max(min(len(column.label), SHORT_WORD), -(-len(column.label) // 2))]
        least.append(max(width(shown, body), width([total, unit, line], head)))
        comfortable.append(max(least[-1], width([column.label], head)))
    narrowest = UNIT_MIN_CHARS * CELL_SIZE
    longest = width([r.unit for r in table.rows], body)
    fixed_before = [width(["序号", str(len(table.rows))], head), narrowest]
    fixed_after = [
        width(["状态", *(r.status for r in table.rows)], head),
        width(["报送日期", "2018-10-10"], head),
        width(["是否按时", "未到期"], head),
    ]
    return _Needs(
        [*fixed_before, *least, *fixed_after],
        [*fixed_before, *comfortable, *fixed_after],
        min(max(longest, narrowest), UNIT_MAX_CHARS * CELL_SIZE),
    )


def layout(
    table: StatisticsTable, st: Styles, size: float = CELL_SIZE, tight: bool = False
) -> Layout:
    """Upright when every column's text fits the 156 mm text block, else turned (225 mm). The
    room left goes to the figures (up to their labels on one line, at most
    :data:`FIGURE_MAX_MM`), then to the unit column (up to its longest name), then to every
    column alike. Columns too many even for the turned page are set smaller, down to
    :data:`MIN_CELL_SIZE`."""
    needs = _needs(table, st)
    content = needs.least
    padding = 2 * PADDING * len(content)
    turned = sum(content) * size / CELL_SIZE + padding > TEXT_WIDTH
    block = TURNED_WIDTH if turned else TEXT_WIDTH
    if sum(content) * size / CELL_SIZE + padding > block:
        size = max(MIN_CELL_SIZE, CELL_SIZE * (block - padding) / sum(content))
    scale = size / CELL_SIZE
    widths = [w * scale + 2 * PADDING for w in content]
    spare = block - sum(widths)
    figures = range(2, 2 + len(table.columns))
    if tight and spare > 0:  # a unit's name on one line saves a row's height
        grow = min(spare, (needs.unit - needs.least[1]) * scale)
        widths[1] += grow
        spare -= grow
    wanted = [
        max(0.0, min(needs.comfortable[i] * scale + 2 * PADDING, FIGURE_MAX_MM * mm) - widths[i])
        for i in figures
    ]
    if spare > 0 and sum(wanted) > 0:
        part = min(1.0, spare / sum(wanted))
        for i, want in zip(figures, wanted, strict=True):
            widths[i] += want * part
        spare -= sum(wanted) * part
    if spare > 0:
        grow = min(spare, (needs.unit - needs.least[1]) * scale)
        widths[1] += grow
        spare -= grow
    if spare > 0:  # every column a little wider, as it is
        total = sum(widths)
        widths = [w + spare * w / total for w in widths]
    return Layout(widths, turned, size, tight)


def _unit_cell(name: str, width: float, style: ParagraphStyle) -> Paragraph:
    """A unit's name, broken only between its words (after 、, before （) where each word fits
    the column, anywhere otherwise."""
    words = unit_name(name).replace("\u2060", "")
    parts = [p for p in words.replace("（", "\n（").replace("、", "、\n").split("\n") if p]
    room = width - 2 * PADDING
    if all(text_width(p, style.fontName, style.fontSize) <= room for p in parts):
        return Paragraph(escape(unit_name(name)), style)
    return Paragraph(escape(name), style)


def _header_text(header: str) -> str:
    """A header that may wrap anywhere in its label but keeps its unit of measure whole:
    公益活动/时长（小时）."""
    label, bracket, unit = header.partition("（")
    return label + (unbreakable(bracket + unit) if bracket else "")


def _rows(table: StatisticsTable, st: Styles, widths: list[float]) -> tuple[list[list[Any]], list[tuple[Any, ...]]]:  # fmt: skip
    """The table's rows (header, units, 合计) and the style commands they need."""
    figures = len(table.columns)
    decimals = column_decimals(table)
    status_column = 2 + figures
    head = [Paragraph(escape(_header_text(h)), st["cell_head"]) for h in headers(table)]
    rows: list[list[Any]] = [head]
    extra: list[tuple[Any, ...]] = []
    for number, line in enumerate(table.rows, start=1):
        values = [
            Paragraph(figure_text(value_at(line.values, i), decimals[i]), st["cell_right"])
            for i in range(figures)
        ]
        word = on_time_word(line)
        submitted = line.submitted_on.isoformat() if line.submitted_on else ""
        rows.append([
            str(number), _unit_cell(line.unit, widths[1], st["cell"]), *values, line.status,
            submitted, Paragraph(word, st["cell_late"]) if word == LATE else word,
        ])  # fmt: skip
        if line.status == NOT_REPORTED:
            r = len(rows) - 1
            extra.append(("BACKGROUND", (status_column, r), (status_column, r), NOT_REPORTED_SHADE))
    totals = [
        Paragraph(figure_text(value_at(table.totals, i), decimals[i]), st["cell_total"])
        for i in range(figures)
    ]
    rows.append([Paragraph("合计", st["cell_head"]), "", *totals, "", "", ""])
    extra += [("SPAN", (0, -1), (1, -1)), ("BACKGROUND", (0, -1), (-1, -1), TOTAL_SHADE)]
    return rows, extra


def statistics_story(table: StatisticsTable, st: Styles, how: Layout) -> Story:
    """The document's flowables, the table set as ``how`` says."""
    cells = _cell_styles(st, how.size, TIGHT_LEADING_RATIO if how.tight else LEADING_RATIO)
    widths = how.widths
    line_size = TIGHT_LINE_SIZE if how.tight else LINE_SIZE
    line = ParagraphStyle("stats_line", parent=st["plain"], fontSize=line_size,
                          leading=line_size * (1.4 if how.tight else 1.6), tracking=0)  # fmt: skip
    subtitle = ParagraphStyle("stats_subtitle", parent=line, fontName=st["heading2"].fontName,
                              fontSize=16, alignment=TA_CENTER, spaceAfter=2 * mm)  # fmt: skip
    title = ParagraphStyle("stats_title", parent=st["title"], spaceAfter=1 * mm)
    rows, extra = _rows(table, cells, widths)
    period, _, due = period_line(table).partition("\u3000\u3000")
    right = ParagraphStyle("stats_line_right", parent=line, alignment=TA_RIGHT)
    heading = Table([[Paragraph(escape(period), line), Paragraph(escape(due), right)]],
                    colWidths=[sum(widths) * 0.62, sum(widths) * 0.38])  # fmt: skip
    heading.setStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                      ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                      ("FONTNAME", (0, 0), (-1, -1), line.fontName)])  # fmt: skip
    top, bottom = (1, 1.5) if how.tight else (2, 3)
    padding = [("LEFTPADDING", (0, 0), (-1, -1), PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
               ("TOPPADDING", (0, 0), (-1, -1), top), ("BOTTOMPADDING", (0, 0), (-1, -1), bottom)]  # fmt: skip
    ruled = ruled_table(rows, widths, cells, left=(1,), extra=padding + extra)
    ruled.spaceBefore = 1 * mm
    rate = Paragraph(
        escape(rate_line(table)),
        ParagraphStyle("rate", parent=line, spaceBefore=(1 if how.tight else 2) * mm),
    )
    note = Paragraph(escape(total_note(table)), st["note"])
    # set tight, the seal's room above the issuer is the signers' line alone: the seal sits
    # right, over the issuer and the date, its top within that line (GB/T 9704 7.3.5.1)
    seal = SignedClosing(table.issuer, cn_date(table.made_on), st["body"].fontName,
                         seal=not how.tight)  # fmt: skip
    ending = [rate, note, *([] if how.tight else [Spacer(0, LEADING * 0.2)]), seal]
    titles = (
        [Paragraph(escape(f"{table.title}（{table.period_label}）"), title)]
        if how.tight
        else [Paragraph(escape(table.title), title),
              Paragraph(escape(f"（{table.period_label}）"), subtitle)]
    )  # fmt: skip
    return [*titles, heading, TableWithEnding(ruled, ending, how.frame_height)]


def _height(story: Story, width: float, frame_height: float) -> float:
    """The story's height on one page of the text block."""
    total = 0.0
    for flowable in story:
        _w, height = flowable.wrap(width, frame_height)
        total += height + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return total


def fitted(table: StatisticsTable, st: Styles) -> tuple[Layout, Story]:
    """The layout and story of the table: as :func:`layout` sets it when it fits one page with
    its 落款; else set tight (five号, then 小五 cells) when that fits one page; else as
    :func:`layout` sets it, split over pages."""
    first = layout(table, st)
    story = statistics_story(table, st, first)
    width = TURNED_WIDTH if first.turned else TEXT_WIDTH
    if _height(story, width, first.frame_height) <= first.frame_height:
        return first, story
    for size in (CELL_SIZE, TIGHT_MIN_SIZE):
        how = layout(table, st, min(size, first.size), tight=True)
        tried = statistics_story(table, st, how)
        width = TURNED_WIDTH if how.turned else TEXT_WIDTH
        if _height(tried, width, how.frame_height) <= how.frame_height:
            return how, tried
    return first, statistics_story(table, st, first)


def render_statistics_pdf(table: StatisticsTable, target: IO[bytes]) -> None:
    """Write the table's PDF to ``target`` (on one page when it can be, see :func:`fitted`)."""
    st = styles()
    how, story = fitted(table, st)
    title = f"{table.title}（{table.period_label}）"
    document = TurnedDocument if how.turned else OfficialDocument
    doc = document(target, title, table.issuer)
    doc.build(story)


def write_statistics_pdf(table: StatisticsTable, path: Path | str) -> None:
    """Write ``table`` to ``path`` as an owner-only PDF, whole or not at all (a temporary file
    beside it, then put in place); a failure is a UserError saying what is wrong."""
    import io

    from app.services.errors import write_file

    buffer = io.BytesIO()
    render_statistics_pdf(table, buffer)
    write_file(Path(path), buffer.getvalue(), private=True)
