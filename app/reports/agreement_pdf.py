"""The responsibility agreement (责任状) as an official PDF to print, sign and stamp."""

from __future__ import annotations

from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from app.reports.official import (
    LEADING,
    TEXT_WIDTH,
    RestartPageNumbers,
    Story,
    Styles,
    Watermark,
    build_pdf,
    cn_date,
    cn_numeral,
)
from app.reports.typesetting import Paragraph
from app.services.agreements import render_text


def _figure(value: float) -> str:
    return (
        f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    )


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def agreement_story(content: dict[str, Any], st: Styles) -> Story:
    """The flowables of one agreement."""
    wording = content["wording"]
    draft = not content.get("issued_on")
    story: Story = [RestartPageNumbers(), Watermark("草稿" if draft else "")]
    story.append(_p(content["title"], st["title"]))
    story.append(_p(f"甲方：{content['party_a']}", st["plain"]))
    story.append(_p(f"乙方：{content['party_b']}", st["plain"]))
    story.append(Spacer(0, LEADING * 0.3))
    story.append(_p(render_text(content, "preamble"), st["body"]))

    section = 0

    def heading(key: str, default: str) -> None:
        nonlocal section
        section += 1
        story.append(_p(f"{cn_numeral(section)}、{wording.get(key, default)}", st["heading"]))

    heading("duties_heading", "工作职责")
    for n, duty in enumerate(content["duties"], start=1):
        story.append(
            _p(
                f"（{cn_numeral(n)}）{duty}。"
                if not duty.endswith("。")
                else f"（{cn_numeral(n)}）{duty}",
                st["body"],
            )
        )

    if content["indicators"]:
        heading("indicators_heading", "量化考核指标")
        if wording.get("indicators_intro"):
            story.append(_p(render_text(content, "indicators_intro"), st["body"]))
        rows = [
            [
                _p(h, st["cell_head"])
                for h in ("序号", "对应职责", "指标名称", "计量单位", "年度目标", "权重")
            ]
        ]
        for n, item in enumerate(content["indicators"], start=1):
            rows.append([
                _p(str(n), st["cell_center"]), _p(f"（{cn_numeral(item['duty'])}）", st["cell_center"]),
                _p(item["name"], st["cell"]), _p(item["unit"], st["cell_center"]),
                _p(_figure(item["target"]), st["cell_center"]), _p(_figure(item["weight"]), st["cell_center"]),
            ])  # fmt: skip
        total = sum(float(i["weight"]) for i in content["indicators"])
        rows.append(
            [_p("合计", st["cell_center"]), "", "", "", "", _p(_figure(total), st["cell_center"])]
        )
        widths = [12 * mm, 22 * mm, 58 * mm, 22 * mm, 24 * mm, 18 * mm]
        table = Table(rows, colWidths=widths, repeatRows=1, hAlign="CENTER")
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("SPAN", (0, -1), (4, -1)),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]))  # fmt: skip
        story += [Spacer(0, 2 * mm), table, Spacer(0, 3 * mm)]

    if content["offices"]:
        heading("pairing_heading", "挂钩结对")
        story.append(_p(render_text(content, "pairing_text"), st["body"]))
    terms = render_text(content, "terms").splitlines()
    if terms:
        heading("terms_heading", "考核与奖惩")
        for n, term in enumerate(terms, start=1):
            story.append(_p(f"（{cn_numeral(n)}）{term}", st["body"]))
    if wording.get("period_text"):
        heading("period_heading", "责任期限")
        story.append(_p(render_text(content, "period_text"), st["body"]))
    # the signatures never stand alone on a page: the last paragraph goes with them
    last = (
        _p(render_text(content, "closing"), st["body"]) if wording.get("closing") else story.pop()
    )
    issued = content.get("issued_on")
    mark = f"第{content.get('version', 1)}版，" + (
        f"{cn_date(date.fromisoformat(issued))}印发" if issued else "草稿，未印发"
    )
    note = [Spacer(0, 4 * mm), _p(f"（{mark}）", st["note"])]
    story.append(_signatures(content, st, last, note))
    return story


def _signatures(
    content: dict[str, Any], st: Styles, last_paragraph: Flowable, note: Story
) -> KeepTogether:
    half = TEXT_WIDTH / 2
    label_width = 8 * st["plain"].fontSize + 8

    def column(label: str, name: str) -> Story:
        sign = Table(
            [[Paragraph("负责人（签字）：", st["plain"]), ""]],
            colWidths=[label_width, half - label_width - 6 * mm],
        )
        sign.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName), ("LINEBELOW", (1, 0), (1, 0), 0.6, colors.black), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (0, 0), 0),
                                  ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))  # fmt: skip
        cells = ["", "年", "", "月", "", "日"]
        when = Table([[Paragraph(c, st["plain"]) if c else "" for c in cells]],
                     colWidths=[22 * mm, 8 * mm, 12 * mm, 8 * mm, 12 * mm, 8 * mm], hAlign="LEFT")  # fmt: skip
        when.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        return [
            Paragraph(escape(f"{label}（盖章）：{name}"), st["plain"]),
            Spacer(0, LEADING),
            sign,
            Spacer(0, LEADING),
            when,
        ]

    left, right = column("甲方", content["party_a"]), column("乙方", content["party_b"])
    table = Table([[a, b] for a, b in zip(left, right, strict=True)], colWidths=[half] * 2)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return KeepTogether([last_paragraph, Spacer(0, LEADING), table, *note])


def render_agreement_pdf(content: dict[str, Any]) -> bytes:
    """One agreement as PDF bytes."""
    title = f"{content['title']}（{content['party_b']}）"
    return build_pdf(title, content["party_a"], lambda st: agreement_story(content, st))


def render_agreements_pdf(contents: list[dict[str, Any]], title: str = "责任状汇编") -> bytes:
    """Several agreements in one file for printing; each starts on a new page at “— 1 —”."""

    def story(st: Styles) -> Story:
        flowables: Story = []
        for n, content in enumerate(contents):
            if n:
                flowables.append(PageBreak())
            flowables += agreement_story(content, st)
        return flowables

    author = contents[0]["party_a"] if contents else ""
    return build_pdf(title, author, story)
