"""The 评分表 (score sheet) of a department as an official PDF: title, the department and the
date, a ruled table 工作类别 / 考核内容 / 评分标准 / 分值 / 得分 (each category spanning its
items, its 分值 cap beside its name — 最多扣 4 分 for deductions only —, 已达上限 where a cap
was hit, a judgement's 评分理由 under its standard), the county's 加减分 (a revoked one and its
撤销 marked), the total and rank, then the footnote and the county office's full name and the
date (落款), kept on one page with the table when it fits. Several departments make one file
with a page each."""

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
from app.services.assessment import ScoreLine, ScoreSheet

WIDTHS = [24 * mm, 32 * mm, 68 * mm, 14 * mm, 18 * mm]  # 156 mm, the text width
COMPACT = [("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
HEAD = ["工作类别", "考核内容", "评分标准", "分值", "得分"]
UNDO_MARKS = {"已撤销": "【已撤销：与其撤销记录相抵，不计分】", "撤销": "【撤销记录】"}
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
        _p(f"被考核单位：{score.name}", st["plain"]),
        _p(f"考核截至：{cn_date(sheet.as_of)}", st["plain"]),
    ]
    rows: list[list[object]] = [list(HEAD)]
    extra: list[tuple[object, ...]] = list(COMPACT)  # rows a little tighter: one page
    for result in score.categories:
        category = result.category
        first = len(rows)
        cap = f"\n{category.limit}" if category.cap is not None else ""
        for n, item in enumerate(result.items):
            standard = item.item.standard + (f"\n评分理由：{item.reason}" if item.reason else "")
            rows.append([category.name + cap if n == 0 else "", item.item.label,
                         standard.strip(), item.item.full_marks,
                         _score(item.points, item.capped)])  # fmt: skip
            if item.capped:
                extra.append(("TEXTCOLOR", (4, len(rows) - 1), (4, len(rows) - 1), RED))
        if result.points != result.raw:
            rows.append(["", "本类合计", f"本类合计 {result.raw:g} 分，超过{category.limit}，按 "
                         f"{result.points:g} 分计", f"{category.cap:g}",
                         _score(result.points, True)])  # fmt: skip
            extra.append(("TEXTCOLOR", (4, len(rows) - 1), (4, len(rows) - 1), RED))
        if len(rows) - first > 1:
            extra.append(("SPAN", (0, first), (0, len(rows) - 1)))
    first = len(rows)
    for line in sheet.adjustments or [ScoreLine("", "无", 0.0)]:  # 考核内容 and 评分标准 as one
        rows.append(["", line.detail + UNDO_MARKS.get(line.undo, ""), "", "—",
                     f"{line.points:+g}" if line.points else "0"])  # fmt: skip
        extra.append(("SPAN", (1, len(rows) - 1), (2, len(rows) - 1)))
    rows[first][0] = "县矫正办加减分"
    if len(rows) - first > 1:
        extra.append(("SPAN", (0, first), (0, len(rows) - 1)))
    compact = _compact(st)
    table = ruled_table(rows, WIDTHS, compact, left=(1, 2), extra=extra)
    table.spaceBefore = 2 * mm
    # the 合计 row, the footnote and the 落款 kept together: never a page of them alone
    total = ruled_table([["合计", f"第 {score.rank} 名（共 {sheet.departments} 个科室）", "",
                          "", f"{score.total:.2f}"]], WIDTHS, compact, left=(1,),
                        extra=[*COMPACT, ("SPAN", (1, 0), (3, 0))], header=False)  # fmt: skip
    total.spaceAfter = 2 * mm
    note = _p("注：分值为该类（或该项）得分、加减分的上限；评分项目由县矫正办督查后评定。",
              st["note"])  # fmt: skip
    ending = closing([total, Spacer(0, LEADING * 0.3), note], sheet.issuer, cn_date(sheet.as_of),
                     st)  # fmt: skip
    return [*story, table, *ending]


def _compact(st: Styles) -> Styles:
    """The table's cells in 五号 (10.5 pt), so a department's sheet fits one page."""
    return st | {name: ParagraphStyle(f"{name}_compact", parent=st[name], fontSize=10.5,
                                      leading=14) for name in ("cell", "cell_center", "cell_head")}  # fmt: skip


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
