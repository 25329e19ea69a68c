"""The progress bulletin (进度通报) as an Excel workbook: ranking, score lines, overdue items."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from app.services.assessment import explanation
from app.services.bulletin import Bulletin
from app.services.progress import pace_status

HEAD_FILL = PatternFill("solid", fgColor="EEF1F6")
COLOURS = {"green": "1E7D32", "amber": "A86400", "red": "B03A2E"}


def _sheet(
    book: Workbook, title: str, header: list[str], widths: list[int], rows: list[list[Any]]
) -> None:
    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row in rows:
        sheet.append(row)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"


def render_bulletin_xlsx(b: Bulletin) -> bytes:
    """The workbook's bytes: 排名, 得分明细, 逾期事项 and 工作目标 sheets."""
    book = Workbook()
    book.remove(book.active)
    ranking = [[s.rank, s.name, b.entries.get(s.unit_id, 0), round(s.completion, 4),
                round(b.year_elapsed, 4), s.total] for s in b.scores]  # fmt: skip
    _sheet(book, "排名", ["排名", "科室", "台账（条）", "指标完成率", "时间进度", "得分"],
           [6, 22, 12, 12, 12, 10], ranking)  # fmt: skip
    sheet = book["排名"]
    for row, score in enumerate(b.scores, start=2):
        for column in ("D", "E"):
            sheet[f"{column}{row}"].number_format = "0%"
        sheet[f"D{row}"].font = Font(color=COLOURS[pace_status(score.completion, b.year_elapsed)])
    sheet.append([])
    draft = f"{b.issue_label}；" if b.draft else ""
    sheet.append([f"{draft}截至 {b.as_of:%Y-%m-%d}；按《{b.scheme_name}》计分"])
    lines = [[s.name, row.category, row.label, row.detail, row.points]  # items only: they sum
             for s in b.scores for row in explanation(s) if not row.heading]  # fmt: skip
    _sheet(
        book, "得分明细", ["科室", "工作类别", "项目", "说明", "分值"], [22, 14, 18, 60, 10], lines
    )
    overdue = [[i.kind, i.unit, i.text, i.due, i.days_late or None] for i in b.overdue]
    _sheet(
        book,
        "逾期事项",
        ["类别", "单位", "事项", "期限", "逾期天数"],
        [14, 20, 50, 12, 10],
        overdue,
    )
    for row in range(2, len(overdue) + 2):
        book["逾期事项"][f"D{row}"].number_format = "yyyy-mm-dd"
    goals = [
        [g.title, g.target_text, g.actual_text, "已达成" if g.met else "未达成"] for g in b.goals
    ]
    _sheet(book, "工作目标", ["工作目标", "目标值", "实际", "状态"], [50, 12, 18, 10], goals)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
