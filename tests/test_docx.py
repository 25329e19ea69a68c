"""Editable Word copies of the official documents: reopened with python-docx (text, page setup,
document grid, fonts by role, footers, 落款), written by the command line, and laid out by
LibreOffice where it is installed."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from app.cli import main
from app.reports.docx.agreement import render_agreement_docx
from app.reports.docx.bulletin import render_bulletin_docx
from app.reports.docx.official_docx import (
    CHAR_PITCH_PT,
    FONTS,
    STYLE_BODY,
    STYLE_TITLE,
    char_width,
    chars,
    east_asian_font,
)
from app.reports.docx.summary import render_county_docx, render_department_docx
from app.services import agreements, ledger, summaries
from app.services.bulletin import build_bulletin
from app.services.ledger import EntryInput, PhotoInput
from app.services.settings import current_programme
from app.services.summary_reports import county_report, department_report
from app.services.wording import book_title, cn_date, cn_numeral
from tests.county_world import NARRATIVE, seed_county_world
from tests.helpers import kind_ids, make_jpeg, unit_ids

AID = "法律援助中心"
AS_OF = date(2018, 9, 30)
TWIPS_PER_PT = 20
OFFICE = "青田县社区矫正工作领导小组办公室"  # the template's full name of 县矫正办


def _open(data: bytes):
    return Document(io.BytesIO(data))


def _texts(doc) -> list[str]:
    """Every paragraph's text, tables' cells included, in order."""
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return texts


def _mm(length) -> float:
    return round(length / Mm(1), 1)  # stored in twips: 210 mm is 11906


def _grid(section) -> dict[str, str]:
    grid = section._sectPr.find(qn("w:docGrid"))
    return {key.split("}")[1]: value for key, value in grid.attrib.items()}


def _style_font(doc, name: str) -> str | None:
    """The East Asian face a paragraph style names, looked up through its base styles."""
    style = doc.styles[name]
    while style is not None:
        found = east_asian_font(style.element)
        if found:
            return found
        style = style.base_style
    return None


def _agreement(database) -> dict:
    with database.session() as s:
        programme_id = current_programme(s).id
        return agreements.content_for_department(s, programme_id, unit_ids(s)[AID])


def test_the_agreement_is_on_the_official_page_with_fonts_by_role_and_the_grid(database):
    content = _agreement(database)
    doc = _open(render_agreement_docx(content))
    texts = _texts(doc)
    assert doc.paragraphs[0].text == content["title"]
    assert doc.paragraphs[0].style.name == STYLE_TITLE
    assert f"乙方：{AID}" in texts and "一、乙方工作职责" in texts
    assert any(t.startswith("（一）") for t in texts) and "合计" in texts
    assert any("负责人（签字）" in t for t in texts) and any(
        f"乙方（盖章）：{AID}" in t for t in texts
    )
    assert doc.sections[0].header.paragraphs[0].text == "草稿（未印发）"  # not issued yet

    section = doc.sections[0]  # A4, 37 mm top, 28 mm left, a 156 × 225 mm text block
    assert (_mm(section.page_width), _mm(section.page_height)) == (210, 297)
    assert (_mm(section.top_margin), _mm(section.left_margin)) == (37, 28)
    assert _mm(section.page_width - section.left_margin - section.right_margin) == 156
    assert _mm(section.page_height - section.top_margin - section.bottom_margin) == 225

    grid = _grid(section)  # 28 characters × 22 lines in Word and WPS
    assert grid["type"] == "linesAndChars"
    pitch = int(grid["linePitch"]) / TWIPS_PER_PT
    height = Mm(225).pt
    assert 22 * pitch <= height < 23 * pitch
    char_pitch = 16 + int(grid["charSpace"]) / 4096  # relative to the body size
    width = Mm(156).pt
    assert 28 * char_pitch <= width < 29 * char_pitch
    assert doc.styles["Normal"].font.size == Pt(16)

    assert _style_font(doc, STYLE_TITLE) == "方正小标宋简体"
    assert doc.styles[STYLE_TITLE].font.size == Pt(22)
    assert _style_font(doc, STYLE_BODY) == FONTS["body"][0] == "仿宋_GB2312"
    assert _style_font(doc, "Heading 1") == "黑体"
    assert _style_font(doc, "Heading 2") == "楷体_GB2312"
    headings = [p for p in doc.paragraphs if p.text == "一、乙方工作职责"]
    assert headings[0].style.name == "Heading 1" and headings[0].style.font.size == Pt(16)


def test_page_numbers_are_dashed_right_on_odd_pages_left_on_even(database):
    doc = _open(render_agreement_docx(_agreement(database)))
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, alignment in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                              (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):  # fmt: skip
        paragraph = footer.paragraphs[0]
        xml = paragraph._p.xml
        assert paragraph.alignment == alignment and "PAGE" in xml
        assert paragraph.text == "— 1 —"  # the field's text until Word counts
        assert {east_asian_font(r._r) for r in paragraph.runs} == {"宋体"}
        assert {r.font.size for r in paragraph.runs} == {Pt(14)}


def _with_photo(database, tmp_path) -> tuple[int, int]:
    """法律援助中心's full-year summary with one captioned photo; (programme, summary) ids."""
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        programme_id = current_programme(s).id
        photo = make_jpeg(tmp_path / "big.jpg", size=(3000, 2000))
        ledger.save_entry(s, database.attachments, None, EntryInput(
            kind_id=kinds["hotline"], unit_id=units[AID], entry_date=date(2018, 7, 3),
            title="12348 热线值班", subjects_served=3, values={"calls": 3},
            photos=[PhotoInput(caption="热线", path=photo)],
        ))  # fmt: skip
        summary = summaries.start_summary(s, programme_id, units[AID], None)
        chosen = summaries.candidate_photos(s, summary)
        summaries.save_summary(
            s, summary.id, summary.sections, [(chosen[0].attachment_id, "热线值班现场")]
        )
        return programme_id, summary.id


def test_the_department_summary_has_its_figures_text_and_photo(database, tmp_path):
    _programme, summary_id = _with_photo(database, tmp_path)
    with database.session() as s:
        report = department_report(s, database.attachments, summary_id)
    doc = _open(render_department_docx(report))
    texts = _texts(doc)
    assert texts[0] == f"{AID}社区矫正“大帮教”工作总结" and texts[1] == "（全年）"
    assert "一、工作统计" in texts and "合计" in texts
    assert {k.kind for k in report.figures.kinds} <= set(texts) and report.figures.kinds
    for name, text in report.sections.items():
        if text.strip():
            assert any(t.endswith(name) for t in texts)
            assert text.split("\n")[0].strip() in texts
    assert any(t.endswith("热线值班现场") for t in texts) and len(doc.inline_shapes) == 1
    picture = doc.inline_shapes[0]
    assert picture.width <= Mm(72) + 1 and picture.height <= Mm(74) + 1  # scaled to the column


def test_the_county_report_has_a_cover_contents_chapters_and_numbering_from_1(database, tmp_path):
    programme_id, phase_id = seed_county_world(database, tmp_path)
    with database.session() as s:
        report = county_report(s, database.attachments, programme_id, phase_id, date(2018, 12, 31))
    doc = _open(render_county_docx(report))
    texts = _texts(doc)
    assert "社区矫正司法行政“大帮教”工作\n“总结提升”阶段汇总报告" in texts and "目　录" in texts
    assert "统计截至：2018年12月31日" in texts and f"报送单位：{OFFICE}" in texts
    assert book_title(report.programme_title) in texts  # the plan's title in 《》 on the cover
    # the chapters of county_story, in its order, each once, as level-1 headings
    chapters = ["全县工作总结", "目标完成情况", "考核得分和排名", "责任状签订情况", "月度例会召开情况",
                "各科室量化指标完成情况", "各科室总结报送情况", "各科室工作总结", "创新品牌创建情况",
                "督查整改情况"]  # fmt: skip
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [f"{cn_numeral(n)}、{c}" for n, c in enumerate(chapters, 1)]
    # the county's own summary first, its sections in 楷体
    paragraphs = [p.text for p in doc.paragraphs]
    first = paragraphs[paragraphs.index("一、全县工作总结") : paragraphs.index("二、目标完成情况")]
    for n, (name, written) in enumerate(NARRATIVE.items(), 1):
        assert f"（{cn_numeral(n)}）{name}" in first and written in first
    # the ranking with every score, the signing and the meetings
    for score in report.ranking:
        assert [str(score.rank), score.name] in [[c.text for c in r.cells[:2]]
                                                 for t in doc.tables for r in t.rows]  # fmt: skip
        assert f"{score.total:.2f}".replace("-", "\u2212") in texts
    assert any("整改逾期 \u22123" in t for t in texts)  # a true minus sign
    assert any(t.startswith("按《") and "各科室得分和名次如下" in t for t in texts)
    assert any("已印发未签署 1 个：基层科" in t for t in texts)
    assert any("未召开 4 次（2018年7月、2018年8月、2018年9月、2018年11月）" in t for t in texts)
    # the overdue rectification marked in red, each table once
    late = [c for t in doc.tables for r in t.rows for c in r.cells if "逾期51天" in c.text]
    assert len(late) == 1 and {str(r.font.color.rgb) for r in late[0].paragraphs[0].runs} == {
        "B03A2E"
    }
    assert any("逾期未整改 1 项（基层科）" in t for t in texts)
    assert sum(1 for t in doc.tables if t.rows[0].cells[-1].text == "完成率") == 1
    assert sum(t.count("逾期未报") for t in texts) == len(report.missing())
    assert not any("未报送总结（" in t for t in texts)  # the missing are listed once, in a table
    chapter = [p for p in doc.paragraphs if p.text == f"（一）{report.chapters[0].department}"]
    assert chapter[0].style.name == "Heading 2" and "1．工作统计" in texts
    # 附件说明, the 落款 with the office's full name and the date, room for the seal, then photos
    note = paragraphs.index("附件：各科室工作图片资料（15 张）")
    assert paragraphs[note + 1 : note + 5] == ["", "", OFFICE, "2018年12月31日"]
    assert paragraphs.index("附件") > note and "各科室工作图片资料" in paragraphs
    assert len(doc.inline_shapes) == 15
    assert sum(1 for t in texts if "基层科：基层科现场" in t) == 5
    body = doc.element.body.xml
    assert 'TOC \\o "1-2"' in body  # Word fills in the page numbers
    contents = next(p for p in doc.paragraphs if "TOC" in p._p.xml)
    assert "一、全县工作总结" in contents.text and f"（一）{report.chapters[0].department}" in (
        contents.text
    )
    # the appendix in the contents as in the PDF's; no instructions printed on the page
    assert contents.text.splitlines()[-1] == "附件：图片资料"
    assert 'TC "附件：图片资料" \\l 1' in body and "\\f" in body.split("TOC", 1)[1][:40]
    assert not any("更新域" in t or "页码" in t for t in texts)
    cover, main_part = doc.sections[0], doc.sections[1]
    assert "PAGE" not in cover.footer.paragraphs[0]._p.xml  # no number on cover and contents
    assert "PAGE" in main_part.footer.paragraphs[0]._p.xml
    start = main_part._sectPr.find(qn("w:pgNumType"))
    assert start is not None and start.get(qn("w:start")) == "1"
    assert _grid(main_part)["type"] == "linesAndChars" and _mm(main_part.top_margin) == 37
    red = [
        cell for table in doc.tables for row in table.rows for cell in row.cells
        if cell.text in ("未达成", "未召开", "未印发")
    ]  # fmt: skip
    assert red and all(str(r.font.color.rgb) == "B03A2E" for c in red for r in c.paragraphs[0].runs)


def test_the_department_summary_prints_its_period_and_frozen_figures(database, tmp_path):
    _programme, summary_id = _with_photo(database, tmp_path)
    with database.session() as s:
        summaries.submit_summary(s, summary_id, date(2018, 10, 12))
        report = department_report(s, database.attachments, summary_id)
        units, kinds = unit_ids(s), kind_ids(s)
        ledger.save_entry(s, database.attachments, None, EntryInput(
            kind_id=kinds["hotline"], unit_id=units[AID], entry_date=date(2018, 10, 11),
            title="补记", subjects_served=20, values={"calls": 1},
        ))  # fmt: skip
        later = department_report(s, database.attachments, summary_id)
    texts = _texts(_open(render_department_docx(later)))
    assert later.figures.frozen and later.figures.period_served == report.figures.period_served
    f = later.figures
    assert f"统计期间：{cn_date(f.period_start)}至{cn_date(f.period_end)}" in texts[4]
    total = next(row for row in _open(render_department_docx(later)).tables[0].rows
                 if row.cells[0].text == "合计")  # fmt: skip
    assert total.cells[-1].text == str(report.figures.period_served)  # the entry added after


def test_the_bulletin_has_its_document_elements_closing_and_imprint(database):
    with database.session() as s:
        bulletin = build_bulletin(s, current_programme(s).id, AS_OF)
        bulletin.document_number = "青矫办〔2018〕4号"  # the template leaves it empty
    doc = _open(render_bulletin_docx(bulletin))
    texts = _texts(doc)
    paragraphs = [p.text for p in doc.paragraphs]
    assert bulletin.issue_label == "第4期"  # monthly from the template's first_issue, 2018-06
    assert paragraphs[:4] == ["青矫办〔2018〕4号", bulletin.title, "第4期", "（截至2018年9月30日）"]
    for heading in ("一、总体情况", "二、各科室进度与考核得分", "五、工作亮点"):
        assert heading in texts
    assert any(
        f"{book_title(bulletin.programme_title)}实施期（2018年6月28日至12月31日）已过" in t
        for t in texts
    )
    # the 落款: the office's full name centred over the date four characters from the right
    at = paragraphs.index(OFFICE)
    issuer, day = doc.paragraphs[at], doc.paragraphs[at + 1]
    assert day.text == cn_date(AS_OF) and bulletin.issuer == OFFICE
    assert issuer.alignment == day.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert day.paragraph_format.right_indent == chars(4)
    assert abs(chars(4) - Pt(4 * CHAR_PITCH_PT)) <= Pt(1.05)  # four characters of 15.79 pt
    centred = 4 + (char_width(day.text) - char_width(issuer.text)) / 2
    assert issuer.paragraph_format.right_indent == chars(max(centred, 0))
    assert all(p.paragraph_format.keep_with_next for p in doc.paragraphs[at - 2 : at + 1])
    # the 版记 last: 抄送 across, 印发机关 and 印发日期; thick rules outside, a thin one between
    imprint = doc.tables[-1]
    assert imprint._tbl is doc.element.body.findall(qn("w:tbl"))[-1]
    assert imprint.rows[0].cells[0].text == "抄送：市矫正办，局领导，局各科室，各司法所。"
    assert [c.text for c in imprint.rows[1].cells] == [OFFICE, "2018年9月30日印发"]
    borders = imprint._tbl.tblPr.find(qn("w:tblBorders"))
    size = {b.tag.split("}")[1]: (b.get(qn("w:val")), b.get(qn("w:sz"))) for b in borders}
    assert size["top"] == size["bottom"] == ("single", "8") and size["insideH"] == ("single", "6")
    assert size["left"][0] == size["right"][0] == size["insideV"][0] == "nil"
    # colours: 已达成 green, 未达成 red, completion against time elapsed, the legend's words
    goals = doc.tables[0]
    state = {c.text: {str(r.font.color.rgb) for r in c.paragraphs[0].runs}
             for row in goals.rows[1:] for c in row.cells[3:]}  # fmt: skip
    assert state.get("未达成", {"B03A2E"}) == {"B03A2E"} and state.get("已达成", {"1E7D32"}) == {
        "1E7D32"
    }
    ranking = doc.tables[1]
    colours = {
        str(r.font.color.rgb) for row in ranking.rows[1:] for r in row.cells[3].paragraphs[0].runs
    }
    assert colours <= {"1E7D32", "A86400", "B03A2E"} and colours
    legend = next(p for p in doc.paragraphs if p.text.startswith("指标完成率不低于时间进度"))
    assert {r.text: str(r.font.color.rgb) for r in legend.runs if r.font.color.rgb} == {
        "绿色": "1E7D32", "橙色": "A86400", "红色": "B03A2E",
    }  # fmt: skip
    assert not any("-" in c.text for t in doc.tables[2:-1] for row in t.rows for c in row.cells[2:])


def test_the_agreement_prints_no_version_note_and_cites_the_plan_in_book_marks(database):
    content = _agreement(database)
    doc = _open(render_agreement_docx(content))
    texts = _texts(doc)
    assert not any("第1版" in t or "未印发" in t for t in texts)  # only in the file's properties
    assert doc.core_properties.subject == agreements.version_note(content) == "第1版，草稿，未印发"
    plan = book_title(content["programme"]["title"])
    assert any(plan in t and f"《{plan}》" not in t for t in texts)  # once in 《》


def test_the_command_line_writes_word_copies_beside_or_instead_of_the_pdf(
    db_path, tmp_path, capsys
):
    run = ["--db", str(db_path)]
    word, pdf = tmp_path / "责任状.docx", tmp_path / "责任状.pdf"
    assert main([*run, "agreement", "pdf", "--department", AID, "--out", str(pdf),
                 "--docx", str(word)]) == 0  # fmt: skip
    assert pdf.read_bytes().startswith(b"%PDF") and f"乙方：{AID}" in _texts(
        _open(word.read_bytes())
    )
    alone = tmp_path / "只要Word.docx"
    assert main([*run, "agreement", "pdf", "--department", AID, "--docx", str(alone)]) == 0
    assert alone.exists() and "Word 文件" in capsys.readouterr().out
    assert main([*run, "agreement", "pdf", "--all", "--out-dir", str(tmp_path / "d"),
                 "--docx", str(tmp_path / "x.docx")]) == 2  # fmt: skip
    assert "--docx 只能与 --department 同用" in capsys.readouterr().err

    summary = tmp_path / "总结.docx"
    assert main([*run, "summary", "pdf", "--department", AID, "--docx", str(summary)]) == 0
    assert f"{AID}社区矫正“大帮教”工作总结" in _texts(_open(summary.read_bytes()))
    county, county_pdf = tmp_path / "全县.docx", tmp_path / "全县.pdf"
    assert main([*run, "summary", "county", "--out", str(county_pdf), "--docx", str(county)]) == 0
    assert county_pdf.exists() and "目　录" in _texts(_open(county.read_bytes()))
    bulletin = tmp_path / "通报.docx"
    assert main([*run, "bulletin", "--date", "2018-09-30", "--docx", str(bulletin)]) == 0
    assert "一、总体情况" in _texts(_open(bulletin.read_bytes()))

    wrong = tmp_path / "通报.doc"
    assert main([*run, "bulletin", "--date", "2018-09-30", "--docx", str(wrong)]) == 2
    assert "应以 .docx 结尾" in capsys.readouterr().err and not wrong.exists()
    assert main([*run, "summary", "county"]) == 2
    assert "--docx 指定 Word 文件" in capsys.readouterr().err


def _lines(pdf: Path) -> list[list[str]]:
    """Each page's text lines, as LibreOffice laid them out."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    pages = []
    for page in document:
        text = page.get_textpage().get_text_range()
        pages.append([line for line in text.replace("\r", "").split("\n") if line.strip()])
    document.close()
    return pages


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_lays_28_characters_by_22_lines(database, tmp_path):
    from app.reports.docx.official_docx import OfficialDocx

    grid = OfficialDocx("网格", "测试")
    grid.title("网格测试")
    grid.body("国" * 26 + "家" * 28 * 60)  # 61 lines
    (tmp_path / "grid.docx").write_bytes(grid.to_bytes())
    with database.session() as s:
        bulletin = build_bulletin(s, current_programme(s).id, AS_OF)
    (tmp_path / "bulletin.docx").write_bytes(render_bulletin_docx(bulletin))
    profile = tmp_path / "profile"  # its own profile: runs beside another LibreOffice
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "pdf", "--outdir", str(tmp_path), str(tmp_path / "grid.docx"),
         str(tmp_path / "bulletin.docx")],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    first, second, third = _lines(tmp_path / "grid.pdf")
    assert first[0] == "网格测试" and first[1].strip() == "国" * 26
    assert second[-1] == "— 2 —" and third[-1] == "— 3 —"
    lines = first[2:-1] + second[:-1] + third[:-1]
    assert lines == ["家" * 28] * 60  # 28 characters a line
    assert len(second) - 1 == 22  # 22 lines a full page (the title takes two on the first)
    text = "".join("".join(page) for page in _lines(tmp_path / "bulletin.pdf"))
    closing = (  # the 落款, then the 版记 at the end of the last page
        f"{OFFICE}{cn_date(AS_OF)}{re.escape(bulletin.copy_line)}{OFFICE}{cn_date(AS_OF)}印发—\\d+—$"
    )
    assert bulletin.title in text and "五、工作亮点" in text
    assert re.search(closing, text.replace(" ", ""))


def _keeps_with_next(paragraph) -> bool:
    """The paragraph's own keep-with-next, else its style's (headings keep by style)."""
    own = paragraph.paragraph_format.keep_with_next
    style = paragraph.style
    while own is None and style is not None:
        own, style = style.paragraph_format.keep_with_next, style.base_style
    return bool(own)


def test_the_agreement_keeps_its_last_section_with_the_signatures(database):
    """The Word copy: 五、责任期限, its text and the closing sentence keep with the signature
    table, whose rows keep together; a long unit name starts its own line, whole."""
    with database.session() as s:
        programme_id = current_programme(s).id
        content = agreements.content_for_department(
            s, programme_id, unit_ids(s)["办公室（政治处）"]
        )
    doc = _open(render_agreement_docx(content))
    paragraphs = doc.paragraphs
    start = next(n for n, p in enumerate(paragraphs) if p.text.endswith("责任期限"))
    tail = paragraphs[start:]
    assert any(p.text.startswith("本责任状自") for p in tail)
    assert any(p.text.startswith("本责任状一式两份") for p in tail)
    assert all(_keeps_with_next(p) for p in tail), [p.text for p in tail if not _keeps_with_next(p)]
    table = doc.tables[-1]
    cells = [table.cell(r, c) for c in range(2) for r in range(len(table.rows) - 1)]
    assert all(_keeps_with_next(cell.paragraphs[0]) for cell in cells)
    name = table.cell(0, 1).paragraphs[0]
    assert name.text.split("\n") == ["乙方（盖章）：", "办公室（政治处）"]
    # the signing rule: underlined spaces that do not end the line (else nothing is drawn)
    rule = table.cell(2, 0).paragraphs[0].runs[-1]
    assert rule.font.underline and rule.text.strip("　") == "\u200b"
