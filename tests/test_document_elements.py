"""Document elements of the bulletin and the minutes, read back from the PDFs with character
positions and colours (pypdfium2): colours that render, the 落款's position, 期号, 发文字号 and
版记, all wording from the template (another county changes it without code)."""

from __future__ import annotations

import ctypes
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from app.cli import main
from app.reports.bulletin_pdf import render_bulletin_pdf
from app.reports.minutes_pdf import render_minutes_pdf
from app.reports.official import BODY_SIZE, BOTTOM, LEFT, TEXT_WIDTH
from app.services import meetings, templates
from app.services.bulletin import build_bulletin, issue_number_for
from app.services.meetings import MeetingInput, ReportInput
from app.services.settings import current_programme, local_unit
from tests.helpers import unit_ids

AS_OF = date(2018, 10, 20)
BLOCK_RIGHT = LEFT + TEXT_WIDTH
RED = (0xB0, 0x3A, 0x2E)
GREEN = (0x1E, 0x7D, 0x32)


@dataclass
class Char:
    text: str
    left: float
    right: float
    bottom: float
    top: float
    colour: tuple[int, int, int]


def _pages(pdf: bytes) -> list[list[Char]]:
    """Every page's characters with their boxes (points from the bottom-left) and fill colour."""
    document = pdfium.PdfDocument(pdf)
    pages = []
    for page in document:
        textpage = page.get_textpage()
        chars = []
        for index in range(textpage.count_chars()):
            text = textpage.get_text_range(index, 1)
            if not text.strip():
                continue
            left, bottom, right, top = textpage.get_charbox(index, loose=True)
            rgba = [ctypes.c_uint() for _ in range(4)]
            pdfium_c.FPDFText_GetFillColor(textpage.raw, index, *map(ctypes.byref, rgba))
            chars.append(Char(text, left, right, bottom, top, tuple(c.value for c in rgba[:3])))
        pages.append(chars)
    return pages


def _find(chars: list[Char], text: str, last: bool = False) -> list[Char]:
    """The characters of the (first or last) occurrence of ``text``."""
    joined = "".join(c.text for c in chars)
    start = joined.rfind(text) if last else joined.find(text)
    assert start >= 0, f"{text} not in {joined}"
    return chars[start : start + len(text)]


def _text(chars: list[Char]) -> str:
    return "".join(c.text for c in chars)


def _centre(chars: list[Char]) -> float:
    return (chars[0].left + chars[-1].right) / 2


def _bulletin_pdf(database, issue: int | None = None) -> bytes:
    with database.session() as s:
        return render_bulletin_pdf(build_bulletin(s, current_programme(s).id, AS_OF, issue))


def test_bulletin_colours_render_and_unmet_goals_are_red(database):
    with database.session() as s:
        bulletin = build_bulletin(s, current_programme(s).id, AS_OF)
    pages = _pages(render_bulletin_pdf(bulletin))
    first = pages[0]
    unmet = [g for g in bulletin.goals if not g.met]
    met = [g for g in bulletin.goals if g.met]
    assert unmet and met  # the template database: nothing signed, pairings in place
    joined = _text(first)
    for start in [m.start() for m in re.finditer("未达成", joined)]:
        assert {c.colour for c in first[start : start + 3]} == {RED}
    assert joined.count("未达成") == len(unmet)
    for start in [m.start() for m in re.finditer("已达成", joined)]:
        assert {c.colour for c in first[start : start + 3]} == {GREEN}
    # the completion figures: 0% everywhere, behind the time gone → red; body text stays black
    for score in bulletin.scores:
        row = _find(first, score.name)
        figures = [c for c in first if abs(c.bottom - row[0].bottom) < 3 and c.text == "%"]
        assert figures and figures[0].colour == RED, score.name
    assert _find(first, "总体情况")[0].colour == (0, 0, 0)
    legend = _find(first, "绿色")
    assert legend[0].colour == GREEN and _find(first, "红色")[0].colour == RED


def test_bulletin_closing_issue_number_and_imprint(database):
    pages = _pages(_bulletin_pdf(database))
    assert "第5期" in _text(pages[0])  # first_issue 2018-06: one a month, October is the fifth
    last = pages[-1]
    text = _text(last)
    issuer = _find(last, "青田县社区矫正工作领导小组办公室")
    when = _find(last, "2018年10月20日")
    # the date ends four characters from the block's right edge; the issuer over it, centred
    # unless (as here) it is longer than that allows: then it ends at the block's edge
    assert when[-1].right == pytest.approx(BLOCK_RIGHT - 4 * BODY_SIZE, abs=1.5)
    assert issuer[0].bottom > when[0].bottom
    assert issuer[-1].right == pytest.approx(BLOCK_RIGHT, abs=1.5)
    # kept with the last paragraph of the text
    assert "考核得分第一" in text and text.index("考核得分第一") < text.index("青田县社区矫正")
    # 版记 at the foot: 抄送 above 印发机关 and 印发日期, the last line at the block's bottom
    copy_line = _find(last, "抄送：市矫正办，局领导，局各科室，各司法所。")
    printed = _find(last, "2018年10月20日印发")
    printer = _find(last, "青田县社区矫正工作领导小组办公室", last=True)
    assert copy_line[0].bottom > printed[0].bottom
    assert printer[0].left == pytest.approx(LEFT + 14, abs=1.5)  # one character in (4号)
    assert printed[-1].right == pytest.approx(BLOCK_RIGHT - 14, abs=1.5)
    assert BOTTOM < printed[0].bottom < BOTTOM + 2 * 14 + 12
    assert printed[0].bottom < when[0].bottom


def test_bulletin_issue_number_given_on_the_command_line(db_path, tmp_path, capsys):
    out = tmp_path / "通报.pdf"
    arguments = ["--db", str(db_path), "bulletin", "--date", "2018-10-20", "--out", str(out)]
    assert main([*arguments, "--issue", "3"]) == 0
    first = _text(_pages(out.read_bytes())[0])
    assert "第3期" in first and "第5期" not in first
    assert main([*arguments, "--issue", "三"]) == 2
    assert "期号应是正整数" in capsys.readouterr().err
    assert issue_number_for("2018-06", date(2018, 5, 31)) is None
    assert issue_number_for("2018-06", date(2019, 1, 2)) == 8
    assert issue_number_for("", AS_OF) is None


def test_another_county_changes_the_wording_in_its_template(database, tmp_path, monkeypatch):
    folder = tmp_path / "templates"
    folder.mkdir()
    source = templates.TEMPLATES_DIR / "qingtian-2018.toml"
    text = source.read_text(encoding="utf-8")
    text = text.replace(
        'issuer = "青田县社区矫正工作领导小组办公室"', 'issuer = "某县社区矫正委员会办公室"'
    )
    text = text.replace('[bulletin]\ntitle = "社区矫正“大帮教”工作进度通报"',
                        '[bulletin]\ntitle = "大帮教工作情况通报"')  # fmt: skip
    text = text.replace('document_number = ""\nfirst_issue',
                        'document_number = "某矫办〔{年度}〕{期号}号"\nfirst_issue')  # fmt: skip
    text = text.replace(
        'copy_to = "市矫正办，局领导，局各科室，各司法所。"', 'copy_to = "市矫正办。"'
    )
    text = text.replace('printed_by = "青田县社区矫正工作领导小组办公室"',
                        'printed_by = "某县社区矫正委员会办公室"')  # fmt: skip
    text = text.replace('[minutes]\nissuer = ""', '[minutes]\nissuer = "某县司法局办公室"')
    (folder / "qingtian-2018.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(templates, "TEMPLATES_DIR", folder)

    with database.session() as s:
        bulletin = build_bulletin(s, current_programme(s).id, AS_OF, 7)
    assert (bulletin.title, bulletin.issuer) == ("大帮教工作情况通报", "某县社区矫正委员会办公室")
    assert bulletin.document_number == "某矫办〔2018〕7号" and bulletin.issue_label == "第7期"
    assert bulletin.copy_line == "抄送：市矫正办。"
    pages = _pages(render_bulletin_pdf(bulletin))
    assert _text(pages[0]).startswith("某矫办〔2018〕7号大帮教工作情况通报第7期")
    assert "抄送：市矫正办。" in _text(pages[-1])
    assert _text(pages[-1]).count("某县社区矫正委员会办公室") == 2  # 落款 and 印发机关

    with database.session() as s:
        programme = current_programme(s)
        units = unit_ids(s)
        meeting_id = meetings.save_meeting(
            s, None,
            MeetingInput(programme_id=programme.id, meeting_date=date(2018, 7, 30), chair="张",
                         reports=[ReportInput(unit_id=units["法律援助中心"], progress="办案。")]),
            local_unit(s).id, date(2018, 8, 1),
        ).id  # fmt: skip
        assert meetings.meeting_minutes(s, meeting_id).issuer == "某县司法局办公室"


def test_minutes_closing_is_centred_over_a_date_four_characters_in(database):
    with database.session() as s:
        programme = current_programme(s)
        units = unit_ids(s)
        meeting_id = meetings.save_meeting(
            s, None,
            MeetingInput(programme_id=programme.id, meeting_date=date(2018, 7, 30), chair="张",
                         reports=[ReportInput(unit_id=units["法律援助中心"], progress="办案。")],
                         notes="下次例会于8月底召开。"),
            local_unit(s).id, date(2018, 8, 1),
        ).id  # fmt: skip
        minutes = meetings.meeting_minutes(s, meeting_id)
    pages = _pages(render_minutes_pdf(minutes))
    last = pages[-1]
    when = _find(last, "2018年7月30日", last=True)
    issuer = _find(last, "青田县司法局", last=True)
    assert when[-1].right == pytest.approx(BLOCK_RIGHT - 4 * BODY_SIZE, abs=1.5)
    assert _centre(issuer) == pytest.approx(_centre(when), abs=1.5)
    assert issuer[0].bottom > when[0].bottom
    assert "下次例会于8月底召开" in _text(last)  # the last paragraph goes with the 落款


def test_the_template_file_is_untouched(tmp_path):
    """The shipped template still reads (the tests above change only a copy)."""
    copy = tmp_path / "t.toml"
    shutil.copy(templates.TEMPLATES_DIR / "qingtian-2018.toml", copy)
    data = templates.read_template(templates.TemplateInfo("t", "t", Path(copy)))
    assert data["bulletin"]["issuer"] == "青田县社区矫正工作领导小组办公室"
    assert data["agreement"]["compilation_title"] == "社区矫正“大帮教”工作责任状汇编"
