"""The 催办单 (reminder notice) to a unit as an official PDF: title, the unit addressed, its
overdue and due-soon items in a ruled table (事项, 期限, 状态/逾期天数), a sentence asking it to
complete them, then the county office's full name and the date (落款). Several units make one
file with a page per unit."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Spacer

from app.reports.official import LEADING, Story, Styles, build_pdf, closing, cn_date, ruled_table
from app.reports.typesetting import Paragraph
from app.services.reminders import ReminderNotice

TITLE = "社区矫正大帮教工作催办单"
WIDTHS = [12 * mm, 30 * mm, 54 * mm, 34 * mm, 26 * mm]  # 156 mm, the text width


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def notice_story(notice: ReminderNotice, st: Styles) -> Story:
    """The flowables of one unit's 催办单."""
    overdue = sum(1 for i in notice.items if i.overdue)
    soon = len(notice.items) - overdue
    counts = "、".join(
        part for part in (f"已逾期 {overdue} 项" if overdue else "",
                          f"即将到期 {soon} 项" if soon else "") if part
    )  # fmt: skip
    story: Story = [
        _p(TITLE, st["title"]),
        _p(f"{notice.unit}：", st["plain"]),
        _p(
            f"截至{cn_date(notice.as_of)}，你单位承担的社区矫正大帮教工作有下列事项{counts}：",
            st["body"],
        ),
    ]
    rows: list[list[object]] = [["序号", "类别", "事项", "期限", "状态"]]
    for n, item in enumerate(notice.items, start=1):
        rows.append([str(n), item.kind, item.text, cn_date(item.due) if item.due else "—",
                     item.status])  # fmt: skip
    red = [("TEXTCOLOR", (4, r), (4, r), "#c0392b")
           for r, i in enumerate(notice.items, start=1) if i.overdue]  # fmt: skip
    table = ruled_table(rows, WIDTHS, st, left=(2,), extra=red)
    table.spaceBefore, table.spaceAfter = 2 * mm, 2 * mm
    story += [table, Spacer(0, LEADING * 0.3)]
    last = _p(
        "请你单位高度重视，对已逾期事项立即办理，对即将到期事项按期完成，"
        "并将办理情况及时报送县矫正办。", st["body"],
    )  # fmt: skip
    return story + closing(last, notice.issuer, cn_date(notice.document_date), st)


def render_reminder_pdf(notices: list[ReminderNotice]) -> bytes:
    """The 催办单 of each unit, a page (or more) per unit, as PDF bytes."""

    def story(st: Styles) -> Story:
        flowables: Story = []
        for n, notice in enumerate(notices):
            if n:
                flowables.append(PageBreak())
            flowables += notice_story(notice, st)
        return flowables

    issuer = notices[0].issuer if notices else ""
    units = "、".join(n.unit for n in notices[:3]) + ("等" if len(notices) > 3 else "")
    return build_pdf(f"{TITLE}（{units}）", issuer, story)
