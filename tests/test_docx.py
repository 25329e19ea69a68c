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
from app.services.wording import cn_date
from tests.helpers import kind_ids, make_jpeg, unit_ids

AID = "法律援助中心"
AS_OF = date(2018, 9, 30)
TWIPS_PER_PT = 20


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
            kind_id=kinds["hotline"], unit_id=units[AID], entry_date=date(2018, 6, 3),
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
    programme_id, summary_id = _with_photo(database, tmp_path)
    with database.session() as s:
        summaries.submit_summary(s, summary_id, date(2018, 10, 12))
        report = county_report(s, database.attachments, programme_id, None, date(2018, 12, 31))
    doc = _open(render_county_docx(report))
    texts = _texts(doc)
    assert "社区矫正司法行政“大帮教”工作\n年度汇总报告" in texts and "目　录" in texts
    assert "统计截至：2018年12月31日" in texts
    for heading in ("一、目标完成情况", "二、各科室总结报送情况", "四、各科室工作总结"):
        assert [p.style.name for p in doc.paragraphs if p.text == heading] == ["Heading 1"]
    chapter = [p for p in doc.paragraphs if p.text == f"（一）{AID}"]
    assert chapter[0].style.name == "Heading 2"
    assert "1．工作统计" in texts and "律师管理科：未报送总结（未开始）。" in texts
    assert "附件：图片资料" in texts and len(doc.inline_shapes) == 1
    body = doc.element.body.xml
    assert 'TOC \\o "1-2"' in body  # Word fills in the page numbers
    contents = next(p for p in doc.paragraphs if "TOC" in p._p.xml)
    assert "一、目标完成情况" in contents.text and f"（一）{AID}" in contents.text
    cover, main_part = doc.sections[0], doc.sections[1]
    assert "PAGE" not in cover.footer.paragraphs[0]._p.xml  # no number on cover and contents
    assert "PAGE" in main_part.footer.paragraphs[0]._p.xml
    start = main_part._sectPr.find(qn("w:pgNumType"))
    assert start is not None and start.get(qn("w:start")) == "1"
    assert _grid(main_part)["type"] == "linesAndChars" and _mm(main_part.top_margin) == 37
    red = [
        cell for table in doc.tables for row in table.rows for cell in row.cells
        if cell.text == "未达成"
    ]  # fmt: skip
    assert red and all(str(r.font.color.rgb) == "B03A2E" for c in red for r in c.paragraphs[0].runs)


def test_the_bulletin_ends_with_the_closing_four_characters_from_the_right(database):
    with database.session() as s:
        bulletin = build_bulletin(s, current_programme(s).id, AS_OF)
    doc = _open(render_bulletin_docx(bulletin))
    texts = _texts(doc)
    assert texts[0] == bulletin.title and "（截至2018年9月30日）" in texts
    for heading in ("一、总体情况", "二、各科室进度与考核得分", "五、工作亮点"):
        assert heading in texts
    issuer, day = doc.paragraphs[-2], doc.paragraphs[-1]
    assert (issuer.text, day.text) == (bulletin.issuer or "县矫正办", cn_date(AS_OF))
    assert issuer.alignment == day.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert day.paragraph_format.right_indent == chars(4)
    assert abs(chars(4) - Pt(4 * CHAR_PITCH_PT)) <= Pt(1.05)  # four characters of 15.79 pt
    centred = 4 + (char_width(day.text) - char_width(issuer.text)) / 2
    assert issuer.paragraph_format.right_indent == chars(max(centred, 0))
    assert all(p.paragraph_format.keep_with_next for p in doc.paragraphs[-4:-1])
    ranking = doc.tables[1]
    colours = {
        str(r.font.color.rgb) for row in ranking.rows[1:] for r in row.cells[3].paragraphs[0].runs
    }
    assert colours <= {"1E7D32", "A86400", "B03A2E"} and colours


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
    closing = f"{bulletin.issuer or '县矫正办'}{cn_date(AS_OF)}—\\d+—$"  # ends the last page
    assert bulletin.title in text and "五、工作亮点" in text
    assert re.search(closing, text.replace(" ", ""))
