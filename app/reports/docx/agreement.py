"""The responsibility agreement (责任状) as an editable Word document: the content dict that
``app.reports.agreement_pdf.agreement_story`` draws, in the same order and wording (the plan's
title in 《》 with its 文号 and the terms come from ``render_text``, as in the PDF)."""

from __future__ import annotations

from typing import Any

from app.reports.docx.official_docx import STYLE_PLAIN, OfficialDocx
from app.services.agreements import render_text, version_note
from app.services.wording import cn_numeral, figure

SIGN_COLUMN_CHARS = 13
"""Characters of 3号 on a line of a signature column (78 mm)."""


class _Headings:
    """一、二、… in the order the sections appear (a section left out takes no number)."""

    def __init__(self, doc: OfficialDocx, wording: dict[str, Any]) -> None:
        self.doc, self.wording, self.number = doc, wording, 0

    def __call__(self, key: str, default: str) -> None:
        self.number += 1
        self.doc.heading(f"{cn_numeral(self.number)}、{self.wording.get(key, default)}")


def parties(doc: OfficialDocx, content: dict[str, Any]) -> None:
    """Title, 甲方 and 乙方, the preamble."""
    if not content.get("issued_on"):
        doc.draft_mark()
    doc.title(content["title"])
    doc.plain(f"甲方：{content['party_a']}")
    doc.plain(f"乙方：{content['party_b']}")
    doc.body(render_text(content, "preamble"))


def duties(doc: OfficialDocx, content: dict[str, Any], heading: _Headings) -> None:
    """The duties, （一）（二）… as body paragraphs."""
    heading("duties_heading", "工作职责")
    for n, duty in enumerate(content["duties"], start=1):
        doc.body(f"（{cn_numeral(n)}）{duty}" + ("" if duty.endswith("。") else "。"))


def indicators(doc: OfficialDocx, content: dict[str, Any], heading: _Headings) -> None:
    """The indicators table with its 合计 row."""
    if not content["indicators"]:
        return
    heading("indicators_heading", "量化考核指标")
    if content["wording"].get("indicators_intro"):
        doc.body(render_text(content, "indicators_intro"))
    rows = [["序号", "对应职责", "指标名称", "计量单位", "年度目标", "权重"]]
    for n, item in enumerate(content["indicators"], start=1):
        rows.append([str(n), f"（{cn_numeral(item['duty'])}）", item["name"], item["unit"],
                     figure(item["target"]), figure(item["weight"])])  # fmt: skip
    total = sum(float(i["weight"]) for i in content["indicators"])
    rows.append(["合计", "", "", "", "", figure(total)])
    last = len(rows) - 1
    doc.table(rows, [12, 22, 58, 22, 24, 18], left=(2,), merges=[(last, 0, last, 4)],
              total_row=True)  # fmt: skip


def terms(doc: OfficialDocx, content: dict[str, Any], heading: _Headings) -> None:
    """Pairing, assessment terms and the period, each when the template has it."""
    wording = content["wording"]
    if content["offices"]:
        heading("pairing_heading", "挂钩结对")
        doc.body(render_text(content, "pairing_text"))
    lines = render_text(content, "terms").splitlines()
    if lines:
        heading("terms_heading", "考核与奖惩")
        for n, term in enumerate(lines, start=1):
            doc.body(f"（{cn_numeral(n)}）{term}")
    if wording.get("period_text"):
        heading("period_heading", "责任期限")
        # the last section goes onto the signature page with the signatures (see signatures)
        doc.body(render_text(content, "period_text")).paragraph_format.keep_with_next = True
    if wording.get("closing"):
        doc.body(render_text(content, "closing"))


def signatures(doc: OfficialDocx, content: dict[str, Any]) -> None:
    """Both parties side by side: seal, signatory's signature on a rule, the date to fill in;
    kept on one page with the last section and the closing sentence (their paragraphs keep
    with the next). A unit's name too long for the column's first line starts the second."""
    from docx.enum.text import WD_UNDERLINE
    from docx.shared import Mm

    doc.doc.paragraphs[-1].paragraph_format.keep_with_next = True
    doc.blank()
    doc.doc.paragraphs[-1].paragraph_format.keep_with_next = True
    table = doc.doc.add_table(rows=5, cols=2)
    for c, (label, name) in enumerate((("甲方", content["party_a"]), ("乙方", content["party_b"]))):
        lines = [f"{label}（盖章）：{name}", "", "负责人（签字）：", "", "　　　　年　　月　　日"]
        for r, text in enumerate(lines):
            cell = table.cell(r, c)
            cell.width = Mm(78)
            paragraph = cell.paragraphs[0]
            doc.apply_style(paragraph, STYLE_PLAIN)
            paragraph.paragraph_format.keep_with_next = r < len(lines) - 1
            if r == 0 and len(text) > SIGN_COLUMN_CHARS:  # the name whole on its own line
                paragraph.add_run(text[: len(label) + 5]).add_break()
                paragraph.add_run(name)
            else:
                paragraph.add_run(text)
            if r == 2:  # the signature line
                # spaces at a line's end are not underlined (Word, WPS, LibreOffice): a
                # zero-width space after them keeps the rule; 4 fit beside the label
                rule = paragraph.add_run("　" * 4 + "\u200b")
                rule.font.underline = WD_UNDERLINE.SINGLE


def build_agreement(doc: OfficialDocx, content: dict[str, Any]) -> None:
    """Write one agreement into ``doc``."""
    heading = _Headings(doc, content["wording"])
    parties(doc, content)
    duties(doc, content, heading)
    indicators(doc, content, heading)
    terms(doc, content, heading)
    signatures(doc, content)


def render_agreement_docx(content: dict[str, Any]) -> bytes:
    """One agreement as .docx bytes; its version and issue date in the file's properties (the
    subject, as the PDF's), never on the page."""
    doc = OfficialDocx(f"{content['title']}（{content['party_b']}）", content["party_a"])
    doc.doc.core_properties.subject = version_note(content)
    build_agreement(doc, content)
    return doc.to_bytes()
