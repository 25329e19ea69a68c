"""The county's statistics table (全县统计汇总表) as an Excel workbook for the city.

One sheet: the title, the period, a ruled table (序号 / 单位 / each figure with its unit /
状态 / 报送日期 / 是否按时) with a 合计 row, the on-time line, a note on what the total counts,
and the 落款 (issuer, 制表日期) under it. Figures are numbers, dates are dates; a unit that has
not reported has empty figures and a shaded 未报, a late report a red 逾期. Printed landscape A4,
fit to the page width, the header row repeated on every page. The file is owner-only.
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.reports.statistics_common import (
    LATE,
    NOT_REPORTED,
    SIGNERS,
    column_decimals,
    headers,
    on_time_word,
    period_line,
    rate_line,
    total_note,
    value_at,
)
from app.reports.xlsx_file import save_workbook
from app.services.errors import ValidationError
from app.services.statistics_table import StatisticsTable
from app.services.wording import cn_date

FACE = "宋体"
TITLE_FONT = Font(name="黑体", size=16, bold=True)
SUBTITLE_FONT = Font(name="楷体", size=12)
TEXT_FONT = Font(name=FACE, size=11)
HEAD_FONT = Font(name=FACE, size=11, bold=True)
LATE_FONT = Font(name=FACE, size=11, color="C00000")
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
NOT_REPORTED_FILL = PatternFill("solid", fgColor="D9D9D9")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="000000")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
CELL_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)
RIGHT = Alignment(horizontal="right", vertical="center", indent=1)
DATE_FORMAT = "yyyy-mm-dd"

TITLE_ROW, SUBTITLE_ROW, PERIOD_ROW, HEADER_ROW = 1, 2, 3, 4
FIRST_DATA_ROW = HEADER_ROW + 1
UNIT_WIDTH_MIN, UNIT_WIDTH_MAX = 16, 30  # characters; longer names wrap
FIGURE_WIDTH, FIGURE_WIDTH_MAX = 10, 16
LINE_HEIGHT = 15  # points: a wrapped line of 11 pt
ROW_HEIGHT = 20  # points: a line of 11 pt with some air, as a printed table has
FIXED_WIDTHS = {"序号": 6, "状态": 9, "报送日期": 12, "是否按时": 9}


def _number_format(decimals: int) -> str:
    return "0" if decimals == 0 else "0." + "0" * decimals


def _number(value: int | float | None) -> int | float | None:
    """A figure as stored: a float without the noise of binary sums (14.999999999999998 is
    15.0), so a copied cell or a formula over it gives what the table shows."""
    return round(value, 9) if isinstance(value, float) else value


def _display_width(text: str) -> int:
    """Width in Excel's character units (a Chinese character counts two)."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _unit_width(table: StatisticsTable) -> int:
    longest = max((_display_width(row.unit) for row in table.rows), default=0)
    return max(UNIT_WIDTH_MIN, min(UNIT_WIDTH_MAX, longest + 2))


def _two_lines(header: str) -> str:
    """A figure's header with its unit on a line of its own: 走访次数\n（次）."""
    label, bracket, unit = header.partition("（")
    return f"{label}\n{bracket}{unit}" if bracket else header


def _merged_line(
    sheet: Worksheet, row: int, last_column: int, text: str, font: Font, align: Alignment
) -> None:
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)
    cell = sheet.cell(row, 1, text)
    cell.font, cell.alignment = font, align


def _grid_row(sheet: Worksheet, row: int, last_column: int) -> None:
    for column in range(1, last_column + 1):
        sheet.cell(row, column).border = GRID


def _lines(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` characters wide (LibreOffice and Excel
    do not always grow a row for wrapped text in a file they did not write: heights are set)."""
    return sum(
        max(1, -(-_display_width(part) // max(1, int(width) - 1))) for part in text.split("\n")
    )


def fill_statistics_sheet(sheet: Worksheet, table: StatisticsTable) -> None:
    """Draw ``table`` on ``sheet`` (see the module's docstring)."""
    names = headers(table)
    figures = len(table.columns)
    last = len(names)
    widths = [FIXED_WIDTHS.get(name, 0) for name in names]
    widths[1] = _unit_width(table)
    for index, figure in enumerate(table.columns, start=2):
        words = (figure.label, f"（{figure.unit}）" if figure.unit else "")
        widths[index] = min(
            FIGURE_WIDTH_MAX, max(FIGURE_WIDTH, *(_display_width(w) + 3 for w in words))
        )
    names[2 : 2 + figures] = [_two_lines(name) for name in names[2 : 2 + figures]]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    _merged_line(sheet, TITLE_ROW, last, table.title, TITLE_FONT, CENTRE)
    sheet.row_dimensions[TITLE_ROW].height = 30
    _merged_line(sheet, SUBTITLE_ROW, last, f"（{table.period_label}）", SUBTITLE_FONT, CENTRE)
    _merged_line(sheet, PERIOD_ROW, last, period_line(table), TEXT_FONT, LEFT)

    for column, name in enumerate(names, start=1):
        cell = sheet.cell(HEADER_ROW, column, name)
        cell.font, cell.fill, cell.alignment, cell.border = HEAD_FONT, HEAD_FILL, CENTRE, GRID
    lines = max(_lines(name, width) for name, width in zip(names, widths, strict=True))
    sheet.row_dimensions[HEADER_ROW].height = max(ROW_HEIGHT, LINE_HEIGHT * lines + 4)

    decimals = column_decimals(table)
    formats = [_number_format(d) for d in decimals]
    status_column, date_column, on_time_column = 2 + figures + 1, 2 + figures + 2, 2 + figures + 3
    row_number = FIRST_DATA_ROW
    for number, line in enumerate(table.rows, start=1):
        sheet.cell(row_number, 1, number).alignment = CENTRE
        sheet.cell(row_number, 2, line.unit).alignment = CELL_LEFT
        for index in range(figures):
            cell = sheet.cell(row_number, 3 + index, _number(value_at(line.values, index)))
            cell.number_format, cell.alignment = formats[index], RIGHT
        status = sheet.cell(row_number, status_column, line.status)
        status.alignment = CENTRE
        if line.status == NOT_REPORTED:
            status.fill = NOT_REPORTED_FILL
        submitted = sheet.cell(row_number, date_column, line.submitted_on)
        submitted.number_format, submitted.alignment = DATE_FORMAT, CENTRE
        word = on_time_word(line)
        on_time = sheet.cell(row_number, on_time_column, word)
        on_time.alignment = CENTRE
        for column in range(1, last + 1):
            sheet.cell(row_number, column).font = TEXT_FONT
        if word == LATE:
            on_time.font = LATE_FONT
        _grid_row(sheet, row_number, last)
        lines = _lines(line.unit, widths[1])
        sheet.row_dimensions[row_number].height = max(ROW_HEIGHT, LINE_HEIGHT * lines + 4)
        row_number += 1

    total_row = row_number
    sheet.row_dimensions[total_row].height = ROW_HEIGHT
    sheet.merge_cells(start_row=total_row, start_column=1, end_row=total_row, end_column=2)
    sheet.cell(total_row, 1, "合计")
    for index in range(figures):
        cell = sheet.cell(total_row, 3 + index, _number(value_at(table.totals, index)))
        cell.number_format, cell.alignment = formats[index], RIGHT
    for column in range(1, last + 1):
        cell = sheet.cell(total_row, column)
        cell.font, cell.fill, cell.border = HEAD_FONT, TOTAL_FILL, GRID
        if column == 1:
            cell.alignment = CENTRE

    _merged_line(sheet, total_row + 1, last, rate_line(table), TEXT_FONT, LEFT)
    _merged_line(sheet, total_row + 2, last, total_note(table), Font(name=FACE, size=9), LEFT)
    _merged_line(sheet, total_row + 3, max(1, last - 4), SIGNERS, TEXT_FONT, LEFT)
    # the 落款: the issuer over the date, right of the table, with room for the seal above
    signature = max(1, last - 3)
    for offset, text in ((5, table.issuer), (6, f"制表日期：{cn_date(table.made_on)}")):
        row = total_row + offset
        sheet.merge_cells(start_row=row, start_column=signature, end_row=row, end_column=last)
        cell = sheet.cell(row, signature, text)
        cell.font, cell.alignment = TEXT_FONT, Alignment(horizontal="center", vertical="center")

    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 3).coordinate  # header and unit names stay
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_area = f"A1:{get_column_letter(last)}{total_row + 6}"
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = Worksheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.6
    sheet.page_margins.top, sheet.page_margins.bottom = 0.7, 0.8
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.oddFooter.center.font = FACE


def write_statistics_xlsx(table: StatisticsTable, path: Path | str) -> None:
    """Write ``table`` to ``path`` as an owner-only workbook (replaced whole, or left as it was
    on failure; a failure is a Chinese ValidationError)."""
    out_path = Path(path)
    if not out_path.parent.is_dir():
        raise ValidationError(f"文件夹“{out_path.parent}”不存在，无法导出。", "out")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = re.sub(r"[\\/*?:\[\]]", "", table.report_name)[:31] or "统计汇总表"
    fill_statistics_sheet(sheet, table)
    workbook.properties.creator = "大帮教工作台"
    workbook.properties.title = f"{table.title}（{table.period_label}）"
    save_workbook(workbook, out_path, private=True)
