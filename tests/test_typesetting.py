"""Typesetting of official documents, measured from the PDFs' character positions.

Paragraphs built to provoke every line-breaking rule (禁则), and each document kind (agreement,
department summary, county report, bulletin, minutes) checked against GB/T 9704: the text
block, 28 characters a full body line, 22 lines a page, fonts by role and embedded.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from reportlab.lib.units import mm

from app.reports.fonts import font_set
from app.reports.official import LEADING, Story, Styles, build_pdf, ruled_table
from app.reports.typesetting import CANNOT_END, CANNOT_START, Paragraph, unbreakable
from tests import pdf_measure
from tests.pdf_measure import (
    HEADING1,
    Measured,
    body_lines,
    forbidden_breaks,
    full_line_counts,
    lines_per_page,
    max_x_mm,
    measure,
    off_grid,
    outside_block,
    ragged_lines,
)

RARE = "喆堃玥镕昇珺璟"
NAMES = [f"王{c}" for c in RARE]


def _base(name: str) -> str:
    from reportlab.pdfbase.pdfmetrics import getFont

    face = getFont(name).face.name
    return pdf_measure._base(face.decode() if isinstance(face, bytes) else str(face))


def _provoking(st: Styles) -> Story:
    """Paragraphs whose natural breaks fall on every forbidden place, shifted one character
    at a time so that each mark meets the line end."""
    marks = "，。、；：？！）》」』”’"
    story: Story = []
    for k in range(28):
        text = "甲" * k + "".join(f"乙{m}" for m in marks) + "（丙）《丁》“戊”「己」『庚』‘辛’"
        text += "完成走访4 场，占30%，2018年共12348人次……——" * 2
        story.append(Paragraph(text, st["body"]))
    names = "、".join(unbreakable(n) for n in NAMES)
    for k in range(28):
        story.append(Paragraph("丙" * k + f"参加人员：{names}。", st["body"]))
    rows = [["序号", "单位", "说明"]] + [
        [str(n), "法律援助中心", "甲" * n + "，未报送；“两个”目标完成。"] for n in range(1, 12)
    ]
    story.append(ruled_table(rows, [9 * mm, 30 * mm, 117 * mm], st))
    return story


@pytest.fixture(scope="module")
def provoked() -> Measured:
    return measure(build_pdf("禁则", "测试", _provoking))


def test_no_line_starts_or_ends_with_a_forbidden_mark(provoked):
    assert forbidden_breaks(provoked) == []
    starts = {line.text[0] for line in provoked.lines()}
    assert not starts & set(CANNOT_START)
    assert not {line.text[-1] for line in provoked.lines()} & set(CANNOT_END)


def test_nothing_hangs_past_the_block_and_lines_are_flush(provoked):
    assert outside_block(provoked) == []
    assert ragged_lines(provoked, _base(font_set().body)) == []
    assert max_x_mm(provoked) <= 28 + 156 + 0.3


def test_numbers_stay_with_their_units_and_names_stay_whole(provoked):
    lines = [line.text for line in provoked.lines()]
    for before, after in itertools.pairwise(lines):
        assert not (before[-1].isdigit() and (after[0].isdigit() or after[0] in "场年人%")), (
            before,
            after,
        )
        assert not (before.endswith("王") and after[0] in RARE), (before, after)
        assert not (before.endswith("…") and after.startswith("…"))
        assert not (before.endswith("—") and after.startswith("—"))
    alone = [line.text for line in provoked.lines() if line.size == 16 and len(line.text) < 2]
    assert alone == []  # no character alone on a body line


def test_short_headers_do_not_break_and_rare_characters_never_vanish(provoked):
    lines = [line.text for line in provoked.lines()]
    assert "序号" in lines and "序" not in lines
    text = "".join(lines)
    for name in NAMES:
        assert text.count(name) == 28  # the body face lacks them: drawn in the fallback face
    fallback = _base(font_set().fallback)
    rare = [c for p in provoked.pages for c in p if c.text in RARE]
    assert rare and all(c.font == fallback for c in rare)


def test_a_full_page_holds_22_lines_of_28_characters():
    def story(st: Styles) -> Story:
        return [Paragraph("字" * 28 * 30, st["body"])]

    m = measure(build_pdf("满页", "测试", story))
    body = _base(font_set().body)
    assert lines_per_page(m)[0] == 22
    assert set(full_line_counts(m, body)) == {28}
    line = body_lines(m, body)[1]  # the second: the first is indented
    assert abs(line.chars[0].x0 - 28 * 72 / 25.4) < 0.5  # flush left …
    assert abs(line.chars[-1].x1 - (28 + 156) * 72 / 25.4) < 0.5  # … and right
    assert off_grid(m, body) == [] and outside_block(m) == []


def test_full_width_brackets_are_not_spaced_and_adjacent_marks_are_squeezed():
    def story(st: Styles) -> Story:
        return [
            Paragraph("（一）加强组织领导", st["heading2"]),
            Paragraph("（一）" * 5, st["body"]),
        ]

    m = measure(build_pdf("括号", "测试", story))
    pairs = 0
    for line in m.lines():
        assert " " not in line.text
        for a, b in itertools.pairwise(line.chars):
            if a.text + b.text == "）（":  # 标点挤压: the closing mark's blank half is cut
                assert abs(b.x0 - a.x0 - a.size / 2) < 0.5, (a, b)
                pairs += 1
            else:
                assert abs(b.x0 - a.x1) < 0.5, (a.text, b.text)  # one advance after another
    assert pairs == 4


# ---- each document kind -------------------------------------------------------------------


def _documents(database, tmp_path) -> dict[str, bytes]:
    """The five official documents built from the test fixtures."""
    from sqlalchemy import select

    from app.models import Phase
    from app.reports.agreement_pdf import render_agreement_pdf
    from app.reports.bulletin_pdf import render_bulletin_pdf
    from app.reports.minutes_pdf import render_minutes_pdf
    from app.reports.summary_pdf import render_county_summary, render_department_summary
    from app.services import agreements, ledger, meetings, summaries
    from app.services.bulletin import build_bulletin
    from app.services.ledger import EntryInput
    from app.services.meetings import DecisionInput, MeetingInput, ReportInput
    from app.services.settings import current_programme, local_unit
    from app.services.summary_reports import county_report, department_report
    from tests.helpers import kind_ids, unit_ids

    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        programme_id = current_programme(s).id
        here = local_unit(s).id
        phase = s.scalar(select(Phase).where(Phase.name == "组织实施"))
        for n in range(6):
            ledger.save_entry(s, database.attachments, None, EntryInput(
                kind_id=kinds["hotline"], unit_id=units["法律援助中心"],
                entry_date=date(2018, 5, 20 + n), title=f"12348 热线值班 {n}",
                subjects_served=n + 1, values={"calls": 3}))  # fmt: skip
        summary = summaries.start_summary(s, programme_id, units["法律援助中心"], phase.id)
        sections = dict(summary.sections)
        for key in sections:
            sections[key] = (
                "我中心组织律师深入各司法所开展法律援助宣传，帮助社区矫正对象解决实际困难。" * 3
                + "完成走访4 场，占30%，2018年共服务12348人次。" * 2
            )
        summaries.save_summary(s, summary.id, sections, [])
        summaries.submit_summary(s, summary.id, date(2018, 10, 12))
        meeting = meetings.save_meeting(s, None, MeetingInput(
            programme_id=programme_id, meeting_date=date(2018, 7, 30), chair="张副局长",
            attendees="各科室负责人", location="三楼会议室",
            reports=[ReportInput(unit_id=units["法律援助中心"],
                                 progress="办理法律援助案件 12 件，走访结对司法所 4 场。" * 5,
                                 problems="个别司法所台账不全，照片说明缺失。" * 3)],
            decisions=[DecisionInput(text="走访结对司法所，补齐台账。",
                                     responsible_unit_id=units["法律援助中心"],
                                     due_date=date(2018, 8, 10))],
        ), here, date(2018, 12, 31))  # fmt: skip
        docs = {
            "agreement": render_agreement_pdf(
                agreements.content_for_department(s, programme_id, units["基层科"])
            ),
            "department summary": render_department_summary(
                department_report(s, database.attachments, summary.id)
            ),
            "county report": render_county_summary(
                county_report(s, database.attachments, programme_id, None, date(2018, 12, 31))
            ),
            "bulletin": render_bulletin_pdf(build_bulletin(s, programme_id, date(2018, 10, 20))),
            "minutes": render_minutes_pdf(meetings.meeting_minutes(s, meeting.id)),
        }
    return docs


@pytest.fixture
def documents(database, tmp_path) -> dict[str, Measured]:
    return {kind: measure(pdf) for kind, pdf in _documents(database, tmp_path).items()}


def test_every_document_keeps_the_typesetting_rules(documents):
    fonts = font_set()
    body, title = _base(fonts.body), _base(fonts.title)
    heading1, song, fallback = _base(fonts.heading1), _base(fonts.song), _base(fonts.fallback)
    allowed = {body, title, heading1, _base(fonts.heading2), song, fallback}
    report = {}
    for kind, m in documents.items():
        assert m.page_size == pytest.approx((595.28, 841.89), abs=0.5), kind
        assert outside_block(m) == [], kind
        assert forbidden_breaks(m) == [], kind
        drawn = {c.font for p in m.pages for c in p}
        assert drawn <= allowed and all(m.fonts[f] for f in drawn), (kind, drawn, m.fonts)
        counts = full_line_counts(m, body)
        assert set(counts) <= {28}, (kind, counts)
        # the bulletin's body lines all hold figures (half-width digits): no line of only
        # full-width characters to count there
        assert counts or kind == "bulletin", kind
        assert max(lines_per_page(m)) <= 22, kind
        assert off_grid(m, body) == [], kind
        chars = [c for p in m.pages for c in p if c.upright]
        assert {c.font for c in chars if abs(c.size - 22) < 0.1} <= {title, fallback}, kind
        assert any(abs(c.size - 22) < 0.1 for c in chars), kind  # a title
        numbers = [c for c in chars if c.top > (37 + 225) * 72 / 25.4]
        assert numbers and {c.font for c in numbers} == {song}, kind
        for line in m.lines():
            if HEADING1.match(line.text) and abs(line.size - 16) < 0.1:
                assert line.font == heading1, (kind, line.text)
        report[kind] = (max(counts, default=0), max(lines_per_page(m)), round(max_x_mm(m), 1))
    print(report)


def test_every_font_a_document_names_is_embedded(database, tmp_path):
    """Not only the faces that draw text: a font merely named (ReportLab's Helvetica default in
    a table's style) makes readers substitute or warn."""
    import io

    from pypdf import PdfReader

    for kind, pdf in _documents(database, tmp_path).items():
        for page in PdfReader(io.BytesIO(pdf)).pages:
            for font in page["/Resources"].get("/Font", {}).values():
                font = font.get_object()
                descendant = (
                    font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
                )
                descriptor = descendant.get("/FontDescriptor")
                assert descriptor is not None and "/FontFile2" in descriptor.get_object(), (
                    kind,
                    font["/BaseFont"],
                )


def test_headings_are_never_stranded_at_a_page_foot(documents):
    for kind, m in documents.items():
        lines = list(m.lines())
        for line, after in itertools.pairwise(lines):
            contents = ".." in line.text  # a line of the table of contents
            if HEADING1.match(line.text) and not contents and after.page != line.page:
                pytest.fail(f"{kind}: heading {line.text} alone at the foot of p{line.page}")
    assert LEADING > 0


@pytest.mark.parametrize("filler", [17, 20, 21])
def test_a_heading_keeps_with_two_lines_and_the_section_breaks_across_pages(filler):
    def story(st: Styles) -> Story:
        return [
            *(Paragraph("前文" * 5, st["plain"]) for _ in range(filler)),
            Paragraph("二、工作措施", st["heading1"]),
            Paragraph("正文" * 14 * 10, st["plain"]),  # ten full lines
        ]

    m = measure(build_pdf("标题", "测试", story))
    lines = list(m.lines())
    n = next(i for i, line in enumerate(lines) if line.text.startswith("二、"))
    heading, first, second = lines[n : n + 3]
    assert heading.page == first.page == second.page  # never alone at the foot
    if filler + 3 <= 22:  # room for the heading and two lines: the section starts here
        assert heading.page == 1 and lines[-1].page == 2
    else:
        assert heading.page == 2


def test_the_closing_keeps_rare_characters_and_sits_four_characters_in():
    from app.reports.official import PITCH, closing

    def story(st: Styles) -> Story:
        last = Paragraph("特此报告。", st["body"])
        return closing(last, "青田县王喆璟调解工作室", "2018年12月31日", st, seal=True)

    m = measure(build_pdf("落款", "测试", story))
    lines = {line.text: line for line in m.lines()}
    issuer, date_line = lines["青田县王喆璟调解工作室"], lines["2018年12月31日"]
    right = (28 + 156) * 72 / 25.4
    assert abs(date_line.chars[-1].x1 - (right - 4 * PITCH)) < 0.5
    centre = (date_line.chars[0].x0 + date_line.chars[-1].x1) / 2
    assert abs((issuer.chars[0].x0 + issuer.chars[-1].x1) / 2 - centre) < 0.5
    assert issuer.page == date_line.page == lines["特此报告。"].page


def test_a_heading_keeps_with_the_first_rows_of_a_long_table():
    def story(st: Styles) -> Story:
        rows = [["序号", "事项"], *([str(n), "走访结对司法所"] for n in range(1, 40))]
        return [
            *(Paragraph("前文" * 5, st["plain"]) for _ in range(15)),
            Paragraph("二、议定事项", st["heading1"]),
            ruled_table(rows, [20 * mm, 136 * mm], st),
        ]

    m = measure(build_pdf("表格", "测试", story))
    lines = list(m.lines())
    heading = next(line for line in lines if line.text.startswith("二、"))
    assert heading.page == 1  # not pushed with the whole table to page 2
    first_rows = [line for line in lines if line.text in ("1", "2")]
    assert first_rows[0].page == 1


def test_right_aligned_and_centred_lines_end_at_the_edge():
    def story(st: Styles) -> Story:
        return [
            Paragraph("2018年12月31日", st["right"]),
            Paragraph("二〇一八年十二月", st["right"]),
        ]

    m = measure(build_pdf("右齐", "测试", story))
    for line in m.lines():
        assert abs(line.chars[-1].x1 - (28 + 156) * 72 / 25.4) < 0.1, line.text


def test_a_line_after_a_spread_line_keeps_the_body_pitch():
    text = (
        "为深入推进社区矫正司法行政“大帮教”机制建设，整合司法行政系统内部力量，切实提高"
        "社区矫正监管、教育、帮扶实效，根据青田县司法局《关于建立社区矫正司法行政大帮教机制"
        "的实施方案》，经甲乙双方协商，签订本责任状。"
    )
    m = measure(build_pdf("间距", "测试", lambda st: [Paragraph(text, st["body"])]))
    lines = list(m.lines())
    assert [len(line.chars) for line in lines[:3]] == [26, 27, 28]  # "效" pushed down with "，"
    assert lines[2].text.startswith("效，")
    for line in lines[:3]:
        assert abs(line.chars[-1].x1 - (28 + 156) * 72 / 25.4) < 0.5, line.text


def test_unit_names_in_narrow_cells_break_only_between_their_parts():
    from app.reports.typesetting import unit_name

    def story(st: Styles) -> Story:
        rows = [["科室"], [unit_name("公证管理科、公证处")], [unit_name("办公室（政治处）")]]
        return [ruled_table(rows, [22 * mm], st)]

    lines = [line.text for line in pdf_measure.measure(build_pdf("t", "t", story)).lines()]
    assert "公证管理科、" in lines and "公证处" in lines  # not 公证管理科、公 / 证处
    assert "办公室" in lines and "（政治处）" in lines  # not 办公室（政治 / 处）


def test_a_pcs_font_that_cannot_be_embedded_gives_way_to_the_shipped_one(tmp_path, monkeypatch):
    """A 仿宋 on the PC that ReportLab cannot use (a .TTF with PostScript outlines, or a damaged
    file) must not stop every PDF: the next candidate, the shipped FandolFang, is used."""
    from app.reports import fonts

    broken = tmp_path / "simfang.ttf"
    broken.write_bytes(b"OTTO" + b"\0" * 400)  # a CFF-flavoured header: not embeddable here
    candidates = dict(fonts.CANDIDATES)
    candidates["body"] = [(broken, 0), (fonts.FONTS_DIR / "FandolFang-Regular.ttf", 0)]
    monkeypatch.setattr(fonts, "CANDIDATES", candidates)
    fonts.font_set.cache_clear()
    try:
        chosen = fonts.font_set()
        assert chosen.body == "BJ-FandolFang-Regular-0"
    finally:
        fonts.font_set.cache_clear()
