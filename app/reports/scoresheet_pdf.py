"""The 评分表 (score sheet) of a department as an official PDF: title, the department and the
date, a ruled table 工作类别 / 考核内容 / 扣分标准 / 分值 / 得分 (each category spanning its
items, its 分值 cap beside its name, 已达上限 where a cap was hit), the county's 加减分, the
total and rank, then the county office's full name and the date (落款). Several departments
make one file with a page each."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Spacer

from app.reports.official import (
    LEADING,
    RestartPageNumbers,
    Story,
    Styles,
    build_pdf,
    closing,
    cn_date,
    ruled_table,
)
from app.reports.typesetting import Paragraph
from app.services.assessment import ScoreSheet

WIDTHS = [24 * mm, 32 * mm, 68 * mm, 14 * mm, 18 * mm]  # 156 mm, the text width
HEAD = ["工作类别", "考核内容", "扣分标准", "分值", "得分"]
RED = "#c0392b"


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _score(points: float, capped: bool = False) -> str:
    return f"{points:g}" + ("\n已达上限" if capped else "")


def sheet_story(sheet: ScoreSheet, st: Styles) -> Story:
    """The flowables of one department's 评分表."""
    score = sheet.score
    story: Story = [
        _p(sheet.title, st["title"]),
        _p(f"被考核单位：{score.name}　　考核截至：{cn_date(sheet.as_of)}", st["plain"]),
    ]
    rows: list[list[object]] = [list(HEAD)]
    extra: list[tuple[object, ...]] = []
    for result in score.categories:
        category = result.category
        first = len(rows)
        cap = f"\n分值 {category.cap:g}" if category.cap is not None else ""
        for n, item in enumerate(result.items):
            rows.append([category.name + cap if n == 0 else "", item.item.label,
                         item.item.standard, item.item.full_marks,
                         _score(item.points, item.capped)])  # fmt: skip
            if item.capped:
                extra.append(("TEXTCOLOR", (4, len(rows) - 1), (4, len(rows) - 1), RED))
        if result.points != result.raw:
            rows.append(["", "本类合计", f"本类合计 {result.raw:g} 分，超过分值，按 "
                         f"{result.points:g} 分计", f"{category.cap:g}",
                         _score(result.points, True)])  # fmt: skip
            extra.append(("TEXTCOLOR", (4, len(rows) - 1), (4, len(rows) - 1), RED))
        if len(rows) - first > 1:
            extra.append(("SPAN", (0, first), (0, len(rows) - 1)))
    first = len(rows)
    for line in sheet.adjustments or []:
        rows.append(["", line.detail, "县矫正办据实加减分", "—", f"{line.points:+g}"])
    if not sheet.adjustments:
        rows.append(["", "无", "县矫正办据实加减分", "—", "0"])
    rows[first][0] = "县矫正办加减分"
    if len(rows) - first > 1:
        extra.append(("SPAN", (0, first), (0, len(rows) - 1)))
    rows.append(["合计", f"第 {score.rank} 名（共 {sheet.departments} 个科室）", "", "",
                 f"{score.total:.2f}"])  # fmt: skip
    extra.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
    table = ruled_table(rows, WIDTHS, st, left=(1, 2), extra=extra)
    table.spaceBefore, table.spaceAfter = 2 * mm, 2 * mm
    story += [table, Spacer(0, LEADING * 0.3)]
    last = _p("注：分值为该类（或该项）得分、加减分的上限；评分项目由县矫正办督查后评定。",
              st["note"])  # fmt: skip
    return story + closing(last, sheet.issuer, cn_date(sheet.as_of), st)


def render_scoresheet_pdf(sheets: list[ScoreSheet]) -> bytes:
    """The 评分表 of each department, a page (or more) each, as PDF bytes."""

    def story(st: Styles) -> Story:
        flowables: Story = []
        for n, sheet in enumerate(sheets):
            if n:  # each department's sheet is its own document: its pages count from 1
                flowables += [PageBreak(), RestartPageNumbers()]
            flowables += sheet_story(sheet, st)
        return flowables

    issuer = sheets[0].issuer if sheets else ""
    title = sheets[0].title if sheets else "评分表"
    names = "、".join(s.score.name for s in sheets[:3]) + ("等" if len(sheets) > 3 else "")
    return build_pdf(f"{title}（{names}）", issuer, story)
