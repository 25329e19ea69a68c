"""The progress bulletin (进度通报) as an official PDF: goals, ranking, score explanations,
overdue items and highlights, then the 落款 and, at the foot of the last page, the 版记."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from app.reports.official import (
    LEADING,
    TEXT_WIDTH,
    Story,
    Styles,
    Watermark,
    build_pdf,
    closing,
    cn_date,
    ruled_table,
)
from app.reports.typesetting import Paragraph, unit_name
from app.services.assessment import explanation
from app.services.bulletin import Bulletin
from app.services.progress import pace_status
from app.services.wording import signed

RED, AMBER, GREEN = (
    colors.HexColor("#b03a2e"),
    colors.HexColor("#a86400"),
    colors.HexColor("#1e7d32"),
)
PACE_COLOURS = {"green": GREEN, "amber": AMBER, "red": RED}
HEADING_SHADE = colors.HexColor("#eef1f6")  # a category's row in 得分说明, as on the page
IMPRINT_SIZE = 14  # 版记: 4号
THICK_RULE, THIN_RULE = 0.35 * mm, 0.25 * mm  # 版记's first/last and middle rules


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _coloured(text: str, style: ParagraphStyle, colour: colors.Color) -> Paragraph:
    """A cell whose text is drawn in ``colour`` (a TableStyle TEXTCOLOR does not reach the
    paragraphs inside cells: their own style decides)."""
    return Paragraph(
        escape(text), ParagraphStyle(f"{style.name}-c", parent=style, textColor=colour)
    )


def _table(
    rows: list[list[Any]],
    widths: list[float],
    st: Styles,
    extra: list[tuple[Any, ...]] | None = None,
    left: tuple[int, ...] = (1,),
) -> Table:
    return ruled_table(rows, widths, st, left=left, extra=extra)


def _legend(st: Styles) -> Paragraph:
    def word(text: str, colour: colors.Color) -> str:
        return f'<font color="{colour.hexval().replace("0x", "#")}">{text}</font>'

    return Paragraph(
        f"指标完成率不低于时间进度为{word('绿色', GREEN)}，达到时间进度八成为{word('橙色', AMBER)}，"
        f"其余为{word('红色', RED)}。",
        st["note"],
    )


class FootOfPage(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Draws ``inner`` at the foot of the text block (its last rule on the block's bottom
    edge), using up the rest of the page; on the next page when it does not fit."""

    def __init__(self, inner: Flowable) -> None:
        super().__init__()
        self.inner = inner

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        _w, self.inner_height = self.inner.wrap(available_width, available_height)
        self.width = available_width
        self.height = max(available_height, self.inner_height)
        return self.width, self.height

    def draw(self) -> None:
        self.inner.drawOn(self.canv, 0, 0)


def imprint(copy_line: str, printed_by: str, printed_on: str, st: Styles) -> Flowable:
    """版记 (GB/T 9704 7.4): a thick rule, 抄送 (continued lines under the first name), a thin
    rule, 印发机关 left and 印发日期 right (each one character in), a thick rule; 4号 body face,
    at the foot of the last page."""
    size = IMPRINT_SIZE
    base = ParagraphStyle("imprint", parent=st["plain"], fontSize=size, leading=size * 1.5,
                          alignment=0, firstLineIndent=0)  # fmt: skip
    copy_style = ParagraphStyle("imprint-copy", parent=base, leftIndent=4 * size,
                                firstLineIndent=-3 * size, rightIndent=size)  # fmt: skip
    right = ParagraphStyle("imprint-right", parent=base, alignment=2, rightIndent=size)
    left = ParagraphStyle("imprint-left", parent=base, leftIndent=size)
    rows: list[list[Any]] = []
    if copy_line:
        rows.append([_p(copy_line, copy_style), ""])
    rows.append([_p(printed_by, left), _p(printed_on, right)])
    table = Table(rows, colWidths=[TEXT_WIDTH * 0.6, TEXT_WIDTH * 0.4])
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), st["plain"].fontName),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), (LEADING - size * 1.5) / 2 + 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), (LEADING - size * 1.5) / 2 + 1),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEABOVE", (0, 0), (-1, 0), THICK_RULE, colors.black),
        ("LINEBELOW", (0, -1), (-1, -1), THICK_RULE, colors.black),
    ]
    if copy_line:
        style += [("SPAN", (0, 0), (1, 0)), ("LINEBELOW", (0, 0), (-1, 0), THIN_RULE, colors.black)]
    table.setStyle(TableStyle(style))
    return FootOfPage(table)


def bulletin_story(b: Bulletin, st: Styles) -> Story:
    """The bulletin's flowables."""
    story: Story = [Watermark("草稿")] if b.draft else []
    if b.document_number:
        story.append(_p(b.document_number, st["center"]))
    story.append(_p(b.title, st["title"]))
    if b.issue_label:
        story.append(_p(b.issue_label, st["center"]))
    story.append(_p(f"（截至{cn_date(b.as_of)}）", st["center"]))
    story.append(Spacer(0, LEADING * 0.3))
    story.append(_p("一、总体情况", st["heading"]))
    story.append(_p(b.elapsed_sentence, st["body"]))
    rows: list[list[Any]] = [["工作目标", "目标值", "实际", "状态"]]
    for g in b.goals:
        state = (
            _coloured("已达成", st["cell_center"], GREEN)
            if g.met
            else _coloured("未达成", st["cell_center"], RED)
        )
        rows.append([g.title, g.target_text, g.actual_text, state])
    story.append(_table(rows, [74 * mm, 24 * mm, 34 * mm, 24 * mm], st, left=(0,)))

    story.append(_p("二、各科室进度与考核得分", st["heading"]))
    rows = [["排名", "科室", "台账（条）", "指标完成率", "时间进度", "得分"]]
    for s in b.scores:
        colour = PACE_COLOURS[pace_status(s.completion, b.year_elapsed)]
        rows.append([str(s.rank), unit_name(s.name), str(b.entries.get(s.unit_id, 0)),
                     _coloured(f"{s.completion * 100:.0f}%", st["cell_center"], colour),
                     f"{b.year_elapsed * 100:.0f}%", signed(s.total, plus=False)])  # fmt: skip
    story.append(_table(rows, [14 * mm, 50 * mm, 22 * mm, 26 * mm, 22 * mm, 22 * mm], st))
    story.append(_legend(st))

    story.append(_p("三、得分说明", st["heading"]))
    story.append(_p(f"按《{b.scheme_name}》计分。", st["body"]))
    for s in b.scores:  # as the 考核与通报 page explains it: by category, then 加减分
        explained = explanation(s)
        rows = [["项目", "说明", "分值"]] + [
            [row.shown_label, row.detail, signed(row.points)] for row in explained
        ]
        rows.append(["合计", f"第{s.rank}名", signed(s.total, plus=False)])
        shade = [("BACKGROUND", (0, n), (-1, n), HEADING_SHADE)
                 for n, row in enumerate(explained, start=1) if row.heading]  # fmt: skip
        story.append(_p(f"{s.name}", st["subheading"]))
        story.append(_table(rows, [40 * mm, 94 * mm, 22 * mm], st, extra=shade, left=(0, 1)))

    story.append(_p("四、逾期事项", st["heading"]))
    if b.overdue:
        rows = [["类别", "单位", "事项", "期限", "逾期"]]
        rows += [[i.kind, unit_name(i.unit), i.text, cn_date(i.due) if i.due else "—",
                  f"{i.days_late}天" if i.days_late else "—"] for i in b.overdue]  # fmt: skip
        story.append(_table(rows, [24 * mm, 30 * mm, 58 * mm, 28 * mm, 16 * mm], st))
    else:
        story.append(_p("截至通报日，无逾期事项。", st["body"]))

    heading = _p("五、工作亮点", st["heading"])
    lines = [_p(line, st["body"]) for line in b.highlights or ["暂无。"]]
    # A heading kept with the 落款's block (a KeepTogether) would be left alone at a page
    # foot, as a KeepTogether nested in keepWithNext breaks apart: with one line, the heading
    # goes inside the block; with more, it keeps with the first line as any heading does.
    if len(lines) == 1:
        story += closing([heading, lines[0]], b.issuer, b.date_text, st)
    else:
        story += [heading, *lines[:-1]]
        story += closing(lines[-1], b.issuer, b.date_text, st)
    printed_by, printed_on = b.printed_line
    if printed_by or b.copy_line:
        story.append(imprint(b.copy_line, printed_by, printed_on, st))
    return story


def render_bulletin_pdf(bulletin: Bulletin) -> bytes:
    """The bulletin as PDF bytes."""
    from reportlab.lib.enums import TA_CENTER

    def story(st: Styles) -> Story:
        st["center"] = ParagraphStyle("center", parent=st["plain"], alignment=TA_CENTER)
        st["heading"] = ParagraphStyle("heading2", parent=st["heading"], spaceBefore=LEADING * 0.4)
        st["subheading"] = ParagraphStyle("sub", parent=st["plain"], fontName=st["heading2"].fontName,
                                          spaceBefore=LEADING * 0.3, keepWithNext=1)  # fmt: skip
        return bulletin_story(bulletin, st)

    title = f"{bulletin.title}（{bulletin.issue_label or cn_date(bulletin.as_of)}）"
    return build_pdf(title, bulletin.issuer, story)
