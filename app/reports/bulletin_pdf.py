"""The progress bulletin (进度通报) as an official PDF: goals, ranking, score explanations,
overdue items and highlights."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table

from app.reports.official import LEADING, Story, Styles, build_pdf, cn_date, ruled_table
from app.reports.typesetting import Paragraph
from app.services.bulletin import Bulletin
from app.services.progress import pace_status

RED, AMBER, GREEN = (
    colors.HexColor("#b03a2e"),
    colors.HexColor("#a86400"),
    colors.HexColor("#1e7d32"),
)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(
    rows: list[list[str]],
    widths: list[float],
    st: Styles,
    extra: list[tuple[Any, ...]] | None = None,
) -> Table:
    return ruled_table(rows, widths, st, left=(1,), extra=extra)


def bulletin_story(b: Bulletin, st: Styles) -> Story:
    """The bulletin's flowables."""
    story: Story = [_p(b.title, st["title"]), _p(f"（截至{cn_date(b.as_of)}）", st["center"])]
    story.append(Spacer(0, LEADING * 0.3))
    story.append(_p("一、总体情况", st["heading"]))
    story.append(_p(
        f"截至{cn_date(b.as_of)}，{b.programme_title.strip('《》')}实施已过全年时间的 "
        f"{b.year_elapsed * 100:.0f}%。各项工作目标完成情况如下：", st["body"]))  # fmt: skip
    rows = [["工作目标", "目标值", "实际", "状态"]]
    rows += [
        [g.title, g.target_text, g.actual_text, "已达成" if g.met else "未达成"] for g in b.goals
    ]
    marks = [
        ("TEXTCOLOR", (3, n), (3, n), GREEN if g.met else RED) for n, g in enumerate(b.goals, 1)
    ]
    story.append(_table(rows, [74 * mm, 24 * mm, 34 * mm, 24 * mm], st, marks))

    story.append(_p("二、各科室进度与考核得分", st["heading"]))
    rows = [["排名", "科室", "台账（条）", "指标完成率", "时间进度", "得分"]]
    marks = []
    for n, s in enumerate(b.scores, start=1):
        rows.append([str(s.rank), s.name, str(b.entries.get(s.unit_id, 0)), f"{s.completion * 100:.0f}%",
                     f"{b.year_elapsed * 100:.0f}%", f"{s.total:g}"])  # fmt: skip
        colour = {"green": GREEN, "amber": AMBER, "red": RED}[
            pace_status(s.completion, b.year_elapsed)
        ]
        marks.append(("TEXTCOLOR", (3, n), (3, n), colour))
    story.append(_table(rows, [14 * mm, 50 * mm, 22 * mm, 26 * mm, 22 * mm, 22 * mm], st, marks))
    story.append(
        _p("指标完成率不低于时间进度为绿色，达到时间进度八成为橙色，其余为红色。", st["note"])
    )

    story.append(_p("三、得分说明", st["heading"]))
    story.append(_p(f"按《{b.scheme_name}》计分。", st["body"]))
    for s in b.scores:
        rows = [["项目", "说明", "分值"]] + [
            [line.label, line.detail, f"{line.points:+g}"] for line in s.lines
        ]
        rows.append(["合计", f"第 {s.rank} 名", f"{s.total:g}"])
        story.append(_p(f"{s.name}", st["subheading"]))
        story.append(_table(rows, [36 * mm, 98 * mm, 22 * mm], st))

    story.append(_p("四、逾期事项", st["heading"]))
    if b.overdue:
        rows = [["类别", "单位", "事项", "期限", "逾期"]]
        rows += [[i.kind, i.unit, i.text, cn_date(i.due) if i.due else "—",
                  f"{i.days_late} 天" if i.days_late else "—"] for i in b.overdue]  # fmt: skip
        story.append(_table(rows, [24 * mm, 30 * mm, 58 * mm, 28 * mm, 16 * mm], st))
    else:
        story.append(_p("截至通报日，无逾期事项。", st["body"]))

    story.append(_p("五、工作亮点", st["heading"]))
    for line in b.highlights or ["暂无。"]:
        story.append(_p(line, st["body"]))
    story.append(Spacer(0, LEADING))
    story.append(_p(b.issuer and "县矫正办", st["right"]))
    story.append(_p(cn_date(b.as_of), st["right"]))
    return story


def render_bulletin_pdf(bulletin: Bulletin) -> bytes:
    """The bulletin as PDF bytes."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    def story(st: Styles) -> Story:
        st["center"] = ParagraphStyle("center", parent=st["plain"], alignment=TA_CENTER)
        st["heading"] = ParagraphStyle("heading2", parent=st["heading"], spaceBefore=LEADING * 0.4)
        st["subheading"] = ParagraphStyle("sub", parent=st["plain"], fontName=st["heading"].fontName,
                                          spaceBefore=LEADING * 0.3, keepWithNext=1)  # fmt: skip
        return bulletin_story(bulletin, st)

    return build_pdf(f"{bulletin.title}（{cn_date(bulletin.as_of)}）", "县矫正办", story)
