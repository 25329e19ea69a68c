"""The responsibility agreement (责任状) as an official PDF to print, sign and stamp, and
the 责任状汇编 (cover, contents, bookmarks, odd-page starts) for double-sided printing."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import IO, TYPE_CHECKING, Any
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
    BODY_SIZE,
    LEADING,
    TEXT_WIDTH,
    OfficialDocument,
    RestartPageNumbers,
    Story,
    Styles,
    Watermark,
    cn_date,
    cn_numeral,
    styles,
)
from app.reports.typesetting import Paragraph, draw_left, text_width, unbreakable
from app.services.agreements import render_text, version_note
from app.services.wording import figure

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def agreement_story(content: dict[str, Any], st: Styles, *, restart: bool = True) -> Story:
    """The flowables of one agreement (``restart``: its pages are numbered from 1)."""
    wording = content["wording"]
    draft = not content.get("issued_on")
    story: Story = [RestartPageNumbers()] if restart else []
    story.append(Watermark("草稿" if draft else ""))
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
                _p(figure(item["target"]), st["cell_center"]), _p(figure(item["weight"]), st["cell_center"]),
            ])  # fmt: skip
        total = sum(float(i["weight"]) for i in content["indicators"])
        rows.append(
            [_p("合计", st["cell_center"]), "", "", "", "", _p(figure(total), st["cell_center"])]
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
    last_section = len(story) - 1  # the last paragraph, when there is no 责任期限
    if wording.get("period_text"):
        last_section = len(story)
        heading("period_heading", "责任期限")
        story.append(_p(render_text(content, "period_text"), st["body"]))
    # the signature page carries substance: the whole last section and the closing sentence
    # go with the signatures, never the closing sentence alone
    tail = story[last_section:]
    del story[last_section:]
    if wording.get("closing"):
        tail.append(_p(render_text(content, "closing"), st["body"]))
    story.append(_signatures(content, st, tail))
    return story


class SignLine(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A label (a paragraph) followed by a rule to sign on, the rule on the label's baseline
    and ending at ``rule_end``."""

    def __init__(self, label: Paragraph, rule_end: float) -> None:
        super().__init__()
        self.label, self.rule_end = label, rule_end

    def wrap(self, available_width: float, height: float) -> tuple[float, float]:
        self.width = available_width
        _w, self.label_height = self.label.wrap(available_width, height)
        return available_width, self.label_height

    def draw(self) -> None:
        self.label.drawOn(self.canv, 0, 0)
        first = self.label.blPara.lines[0]
        baseline = self.label_height - getattr(first, "ascent", self.label.style.fontSize)
        start = self.label.getActualLineWidths0()[0] + 2
        canvas = self.canv
        canvas.saveState()
        canvas.setLineWidth(0.6)
        canvas.line(start, baseline - 1.5, min(self.rule_end, self.width), baseline - 1.5)
        canvas.restoreState()


def _signatures(content: dict[str, Any], st: Styles, last_section: Story) -> KeepTogether:
    """Both parties side by side (the unit's name kept on one line), kept on one page with
    ``last_section``; a line's height above and below the signature for the seals."""
    half = TEXT_WIDTH / 2

    def column(label: str, name: str) -> Story:
        cells = ["", "年", "", "月", "", "日"]
        when = Table([[Paragraph(c, st["plain"]) if c else "" for c in cells]],
                     colWidths=[22 * mm, 8 * mm, 12 * mm, 8 * mm, 12 * mm, 8 * mm], hAlign="LEFT")  # fmt: skip
        when.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        return [
            Paragraph(escape(f"{label}（盖章）：{unbreakable(name)}"), st["plain"]),
            Spacer(0, LEADING),
            SignLine(Paragraph("负责人（签字）：", st["plain"]), half - 6 * mm),
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
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return KeepTogether([*last_section, Spacer(0, LEADING), table])


def _build(doc: OfficialDocument, subject: str, make_story: Callable[[Styles], Story]) -> None:
    """Like official.build_pdf, with the PDF's subject (where the version note goes)."""
    doc.subject = subject
    doc.build(make_story(styles(doc.fonts)))


def render_agreement_pdf(content: dict[str, Any]) -> bytes:
    """One agreement as PDF bytes (its version and issue date in the metadata's subject)."""
    title = f"{content['title']}（{content['party_b']}）"
    buffer = io.BytesIO()
    doc = OfficialDocument(buffer, title, content["party_a"])
    _build(doc, version_note(content), lambda st: agreement_story(content, st))
    return buffer.getvalue()


# ---------------------------------------------------------------- 责任状汇编


class CompilationDocument(OfficialDocument):
    """The compilation: pages marked unnumbered (cover, contents, blank backs) get no page
    number; ``starts`` records each agreement's first page number (for the contents)."""

    def __init__(self, target: IO[bytes], title: str, author: str) -> None:
        super().__init__(target, title, author)
        self.unnumbered: set[int] = set()
        self.starts: dict[str, int] = {}

    def _page_end(self, canvas: Canvas, doc: OfficialDocument) -> None:
        if canvas.getPageNumber() in self.unnumbered:
            return
        super()._page_end(canvas, doc)


class Unnumbered(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Zero-size marker: the page it lands on shows no page number."""

    def wrap(self, *_args: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._doctemplate.unnumbered.add(self.canv.getPageNumber())


class OddPage(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """What follows starts at the top of an odd (right-hand) page, for double-sided printing:
    a page break when the page has content, then a blank, unnumbered page when needed."""

    def wrap(self, *_args: float) -> tuple[float, float]:
        doc = self.canv._doctemplate
        if not doc.frame._atTop:
            doc.frame.add_generated_content(PageBreak(), OddPage())
        elif doc.page % 2 == 0:
            doc.frame.add_generated_content(Unnumbered(), PageBreak(), OddPage())
        return 0, 0

    def draw(self) -> None:
        pass


class Bookmark(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Zero-size marker: an outline entry (PDF bookmark) for the page it lands on, whose page
    number it records in the document's ``starts``."""

    def __init__(self, key: str, title: str) -> None:
        super().__init__()
        self.key, self.title = key, title

    def wrap(self, *_args: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canvas, doc = self.canv, self.canv._doctemplate
        canvas.bookmarkPage(self.key)
        canvas.addOutlineEntry(self.title, self.key, level=0)
        doc.starts[self.key] = canvas.getPageNumber() - doc.number_offset


class ContentsLine(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """One line of the contents: the entry, a dotted leader, its page number at the right."""

    def __init__(self, text: str, page: int | None, font: str) -> None:
        super().__init__()
        self.text, self.page, self.font = text, page, font

    def wrap(self, available_width: float, _height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, LEADING

    def draw(self) -> None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        canvas, size = self.canv, BODY_SIZE
        number = str(self.page) if self.page is not None else ""
        baseline = (LEADING - size) / 2 + size * 0.12
        draw_left(canvas, 0, baseline, self.text, self.font, size)  # rare characters kept
        canvas.setFont(self.font, size)
        canvas.drawRightString(self.width, baseline, number)
        start = text_width(self.text, self.font, size) + size / 2
        end = self.width - stringWidth(number, self.font, size) - size / 2
        canvas.saveState()
        canvas.setDash(0.8, 3.2)
        canvas.setLineWidth(0.8)
        canvas.setLineCap(1)
        if end > start:
            canvas.line(start, baseline + 1, end, baseline + 1)
        canvas.restoreState()


def _cover(compilation: dict[str, Any], st: Styles) -> Story:
    from reportlab.lib.enums import TA_CENTER

    big = ParagraphStyle("cover-title", parent=st["title"], fontSize=26, leading=26 * 1.6)
    centred = ParagraphStyle("cover-line", parent=st["plain"], alignment=TA_CENTER)
    story: Story = [Unnumbered(), Spacer(0, LEADING * 5), _p(compilation["title"], big)]
    story.append(_p(f"（{compilation['year']}年度）", centred))
    story.append(Spacer(0, LEADING * 9))
    story.append(_p(compilation["issuer"], centred))
    if compilation.get("date"):
        story.append(_p(cn_date(date.fromisoformat(compilation["date"])), centred))
    return story


def _contents(compilation: dict[str, Any], st: Styles, starts: dict[str, int]) -> Story:
    story: Story = [Unnumbered(), _p(compilation["contents_title"], st["title"])]
    story.append(Spacer(0, LEADING * 0.5))
    for key, entry in _entries(compilation):
        story.append(ContentsLine(entry, starts.get(key), st["body"].fontName))
    return story


def _entries(compilation: dict[str, Any]) -> list[tuple[str, str]]:
    """(bookmark key, contents and bookmark text) for each agreement."""
    return [(f"agreement-{n}", entry) for n, entry in enumerate(compilation["contents"], start=1)]


def render_agreements_pdf(compilation: dict[str, Any]) -> bytes:
    """责任状汇编 for double-sided printing: a cover, a contents page (each agreement with its
    first page), then the agreements numbered continuously from “— 1 —”, each starting on an
    odd (right-hand) page — a blank unnumbered page is put in where needed; one bookmark per
    agreement. ``compilation`` is :func:`app.services.agreements.compilation`'s dict."""
    title = compilation["title"]
    agreements = compilation["agreements"]
    author = compilation["issuer"]
    subject = "；".join(f"{c['party_b']}：{version_note(c)}" for c in agreements)

    def build(starts: dict[str, int]) -> tuple[bytes, CompilationDocument]:
        buffer = io.BytesIO()
        doc = CompilationDocument(buffer, title, author)

        def story(st: Styles) -> Story:
            flowables = [*_cover(compilation, st), OddPage()]
            flowables.append(Bookmark("contents", compilation["contents_title"].replace("　", "")))
            flowables += _contents(compilation, st, starts)
            for n, ((key, entry), content) in enumerate(
                zip(_entries(compilation), agreements, strict=True)
            ):
                flowables.append(OddPage())
                if n == 0:
                    flowables.append(RestartPageNumbers())
                flowables.append(Bookmark(key, entry))
                flowables += agreement_story(content, st, restart=False)
            return flowables

        _build(doc, subject, story)
        return buffer.getvalue(), doc

    _data, first = build({})  # the contents' length does not depend on its numbers
    data, _doc = build(first.starts)
    return data
