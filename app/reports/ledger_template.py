"""The ledger's import template and the import's error workbook (openpyxl).

The template has one sheet per entry kind (``app.services.ledger_columns``): Chinese headers
from the form's labels (required ones marked red, the form's hint as a comment), drop-downs
for choices, units and 是/否 (lists on a hidden 选项 sheet), date and number formats and number
ranges, and a 填写说明 sheet first.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from app.reports.xlsx_file import save_workbook
from app.services.ledger_columns import (
    CHOICES_TITLE,
    ERRORS_TITLE,
    INSTRUCTIONS_TITLE,
    PHOTO_SEPARATOR,
    Column,
    KindSheet,
    kind_sheets,
)

TEMPLATE_ROWS = 1000  # rows given formats and drop-downs
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def style_header(cell: Any, required: bool = False) -> None:
    """The header look shared by the template, the export and the error workbook."""
    cell.font = REQUIRED_FONT if required else HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def fit_row_height(sheet: Worksheet, row: int, text: str, width: int) -> None:
    """Give a row with wrapped ``text`` in a column ``width`` characters wide the height of its
    lines (spreadsheet programs do not always grow a row for wrapped text themselves)."""
    chars = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    lines = max(1, math.ceil(chars / max(1, width - 2)))
    if lines > 1:
        sheet.row_dimensions[row].height = 15 * lines


def set_print_layout(sheet: Worksheet) -> None:
    """Landscape A4, header row repeated, fit to the page width (any number of pages tall)."""
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _instructions(sheet: Worksheet, sheets: Sequence[KindSheet]) -> None:
    lines = [
        "本工作簿用于把工作台账批量导入大帮教工作台。",
        "每种活动类型一个工作表，第 1 行是表头（红色为必填项），从第 2 行起每行一条台账；不用的工作表可以留空。",
        "选项、填报单位、司法所、矫正类别和是否项请从下拉列表中选择；日期填 2018-07-02 这样的形式；"
        "金额填 1500 或 1500.50。",
        "校验与程序中的表单相同：导入时任何一行有错，全部不导入，并生成一份逐行列明错误的工作簿。",
        "社区矫正对象按姓名和身份证号码查找已登记的对象，没有则新登记。",
        f"照片文件填文件名，多个用“{PHOTO_SEPARATOR}”分隔，文件放在本工作簿所在的文件夹中。",
        "请不要修改表头和工作表名称。",
    ]
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 90
    sheet.append(["填写说明"])
    sheet["A1"].font = Font(bold=True, size=14)
    for number, line in enumerate(lines, 1):
        sheet.append([f"{number}.", line])
        sheet.cell(sheet.max_row, 1).alignment = sheet.cell(sheet.max_row, 2).alignment = WRAP
        fit_row_height(sheet, sheet.max_row, line, 90)
    sheet.append([])
    sheet.append(["工作表（活动类型）", "说明与必填项"])
    style_header(sheet.cell(sheet.max_row, 1))
    style_header(sheet.cell(sheet.max_row, 2))
    for kind in sheets:
        required = "、".join(c.header for c in kind.columns if c.required)
        text = (
            f"{kind.description}必填：{required}。" if kind.description else f"必填：{required}。"
        )
        if kind.min_photos:
            text += f"至少附 {kind.min_photos} 张照片。"
        sheet.append([kind.title, text])
        sheet.cell(sheet.max_row, 1).alignment = sheet.cell(sheet.max_row, 2).alignment = WRAP
        fit_row_height(sheet, sheet.max_row, text, 90)
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


class _ChoiceLists:
    """Drop-down lists kept on the hidden 选项 sheet (no 255-character limit, any text)."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.ranges: dict[tuple[str, ...], str] = {}

    def range_for(self, choices: tuple[str, ...]) -> str:
        if choices not in self.ranges:
            column = get_column_letter(len(self.ranges) + 1)
            for row, choice in enumerate(choices, 1):
                cell = self.sheet.cell(row, len(self.ranges) + 1, choice)
                cell.data_type = "s"
            self.ranges[choices] = (
                f"{quote_sheetname(self.sheet.title)}!${column}$1:${column}${len(choices)}"
            )
        return self.ranges[choices]


def _validation(column: Column, lists: _ChoiceLists) -> DataValidation | None:
    message = column.help or None
    if column.type in ("choice", "bool") and column.choices:
        return DataValidation(
            type="list", formula1=lists.range_for(column.choices), allow_blank=True,
            showErrorMessage=True, errorTitle="请从列表中选择",
            error=f"“{column.header}”请从下拉列表中选择。", prompt=message,
        )  # fmt: skip
    if column.type == "integer":
        low = int(column.minimum) if column.minimum is not None else -(10**9)
        high = int(column.maximum) if column.maximum is not None else 10**9
        return DataValidation(
            type="whole", operator="between", formula1=str(low), formula2=str(high),
            allow_blank=True, showErrorMessage=True, errorTitle="请填整数",
            error=f"“{column.header}”应为 {low} 到 {high} 之间的整数。",
        )  # fmt: skip
    if column.type == "date":
        return DataValidation(
            type="date", operator="greaterThan", formula1="36526", allow_blank=True,
            showErrorMessage=True, errorTitle="请填日期",
            error=f"“{column.header}”应为 2018-07-02 这样的日期。",
        )  # fmt: skip
    return None


def _kind_sheet(sheet: Worksheet, kind: KindSheet, lists: _ChoiceLists, rows: int) -> None:
    for index, column in enumerate(kind.columns, 1):
        letter = get_column_letter(index)
        cell = sheet.cell(1, index, column.header)
        style_header(cell, column.required)
        if column.help:
            cell.comment = Comment(column.help, "大帮教工作台")
        sheet.column_dimensions[letter].width = column.width
        cells = f"{letter}2:{letter}{rows + 1}"
        validation = _validation(column, lists)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(cells)
        number_format = {"date": DATE_FORMAT, "amount": AMOUNT_FORMAT}.get(column.type, "@")
        if column.type == "integer":
            number_format = "0"
        dimension = sheet.column_dimensions[letter]  # the column's style: new cells take it
        dimension.number_format = number_format
        if column.type == "longtext":
            dimension.alignment = WRAP
    set_print_layout(sheet)


def write_template(session: Session, out_path: Path, *, rows: int = TEMPLATE_ROWS) -> list[str]:
    """Write the import template to ``out_path``; return the kinds' sheet titles."""
    sheets = kind_sheets(session)
    workbook = Workbook()
    workbook.properties.creator = "大帮教工作台"
    workbook.properties.title = "工作台账导入模板"
    instructions = workbook.active
    instructions.title = INSTRUCTIONS_TITLE
    _instructions(instructions, sheets)
    choices = workbook.create_sheet(CHOICES_TITLE)
    lists = _ChoiceLists(choices)
    for kind in sheets:
        _kind_sheet(workbook.create_sheet(kind.title), kind, lists, rows)
    choices.sheet_state = "hidden"
    save_workbook(workbook, Path(out_path))
    return [kind.title for kind in sheets]


ERROR_HEADERS = (("工作表", 20), ("行号", 8), ("列", 20), ("错误说明", 70))


def write_errors(errors: Sequence[tuple[str, int | None, str, str]], out_path: Path) -> None:
    """The import's error workbook: one line per problem (sheet, row, column, message)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ERRORS_TITLE
    for index, (header, width) in enumerate(ERROR_HEADERS, 1):
        style_header(sheet.cell(1, index, header))
        sheet.column_dimensions[get_column_letter(index)].width = width
    for sheet_name, row, column, message in errors:
        sheet.append([sheet_name, row, column, message])
        sheet.cell(sheet.max_row, 2).alignment = Alignment(horizontal="center", vertical="top")
        for index in (1, 3, 4):
            sheet.cell(sheet.max_row, index).alignment = WRAP
        fit_row_height(sheet, sheet.max_row, message, 70)
    sheet.auto_filter.ref = f"A1:D{max(1, len(errors) + 1)}"
    set_print_layout(sheet)
    save_workbook(workbook, Path(out_path), private=True)
