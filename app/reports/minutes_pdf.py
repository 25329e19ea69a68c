"""The minutes (纪要) of a meeting as an official PDF: the title its type gives (大帮教工作中层干部
月度例会纪要, 大帮教工作动员部署会纪要…), particulars,
each unit's report (progress, problems), the decisions with responsible unit and due date,
other matters, then the issuer and date at the foot."""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table

from app.reports.official import (
    LEADING,
    Story,
    Styles,
    build_pdf,
    closing,
    cn_date,
    cn_numeral,
    ruled_table,
)
from app.reports.typesetting import Paragraph
from app.services.meetings import MeetingMinutes


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _labelled(label: str, text: str, style: ParagraphStyle, label_font: str) -> list[Paragraph]:
    """``label`` in the heading face, then the text; each further line its own paragraph."""
    lines = [line.strip() for line in text.splitlines() if line.strip()] or ["无。"]
    first = f'<font name="{label_font}">{escape(label)}</font>{escape(lines[0])}'
    return [Paragraph(first, style), *(_p(line, style) for line in lines[1:])]


def _due(due: date | None, meeting: date) -> str:
    """7月31日前 (the year only when it is not the meeting's); — without a due date."""
    if due is None:
        return "—"
    return f"{due.month}月{due.day}日前" if due.year == meeting.year else f"{cn_date(due)}前"


def _decisions_table(minutes: MeetingMinutes, st: Styles) -> Table:
    rows = [["序号", "议定事项", "责任单位", "完成时限"]]
    rows += [[str(n), d.text, d.responsible or "—", _due(d.due_date, minutes.meeting_date)]
             for n, d in enumerate(minutes.decisions, start=1)]  # fmt: skip
    table = ruled_table(rows, [14 * mm, 78 * mm, 34 * mm, 30 * mm], st, left=(1,))
    table.spaceBefore, table.spaceAfter = 2 * mm, 2 * mm
    return table


def minutes_story(minutes: MeetingMinutes, st: Styles) -> Story:
    """The flowables of the minutes."""
    heading_font = st["heading"].fontName
    meta = ParagraphStyle("meta", parent=st["plain"], alignment=TA_CENTER, spaceAfter=LEADING * 0.3)
    level2 = ParagraphStyle(  # "（一）" in 楷体
        "level2", parent=st["body"], fontName=st["heading2"].fontName, keepWithNext=1
    )
    heading = ParagraphStyle("heading_gap", parent=st["heading"], spaceBefore=LEADING * 0.3)
    when = minutes.meeting_date
    story: Story = [_p(minutes.title, st["title"])]
    if minutes.monthly:  # the month whose 例会 this is
        story.append(_p(f"（{when.year}年{when.month}月）", meta))
    else:
        story.append(Spacer(0, LEADING * 0.3))
    name = minutes.short_name  # 例会, 座谈会…
    for label, value in (("时　间：", cn_date(when)), ("地　点：", minutes.location),
                         ("主持人：", minutes.chair), ("参会人员：", minutes.attendees)):  # fmt: skip
        if value.strip():
            story += _labelled(label, value, st["plain"], heading_font)
    where = f"在{minutes.location}" if minutes.location.strip() else ""
    story.append(Spacer(0, LEADING * 0.3))
    reported = "各科室汇报大帮教工作进展和存在问题，" if minutes.reports else ""
    story.append(_p(f"{cn_date(when)}，{minutes.issuer}{where}召开{minutes.full_name}，"
                    f"{reported}会议研究确定了下步工作。现将会议主要内容纪要如下：",
                    st["body"]))  # fmt: skip

    story.append(_p("一、各科室工作汇报", heading))
    if not minutes.reports:
        story.append(_p(f"本次{name}无科室汇报。", st["body"]))
    for n, report in enumerate(minutes.reports, start=1):
        story.append(_p(f"（{cn_numeral(n)}）{report.unit}", level2))
        story += _labelled("工作进展：", report.progress, st["body"], heading_font)
        story += _labelled("存在问题：", report.problems, st["body"], heading_font)

    story.append(_p("二、议定事项", heading))
    if minutes.decisions:
        story.append(_decisions_table(minutes, st))
        story.append(_p("请各责任单位按时限抓好落实，完成情况在下次例会上汇报。", st["body"]))
    else:
        story.append(_p(f"本次{name}无议定事项。", st["body"]))
    if minutes.notes.strip():
        story.append(_p("三、其他事项", heading))
        story += [_p(line, st["body"]) for line in minutes.notes.splitlines() if line.strip()]
    # the 落款 keeps the last paragraph with it (issuer centred over the date four characters in)
    return story[:-1] + closing(story[-1], minutes.issuer, cn_date(minutes.meeting_date), st)


def render_minutes_pdf(minutes: MeetingMinutes) -> bytes:
    """The minutes as PDF bytes."""
    title = f"{minutes.title}（{cn_date(minutes.meeting_date)}）"
    return build_pdf(title, minutes.issuer, lambda st: minutes_story(minutes, st))
