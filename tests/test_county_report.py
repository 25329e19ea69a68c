"""The county report for the city office: the county's own summary first, the ranking with
scores, agreements not signed, meetings held and missed, overdue rectifications, each table
once, the 落款 after the last chapter, a contents page matching the bookmarks; and the county
clerk writing the summary through the 阶段总结 page."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from reportlab.lib.units import mm

from app.models import CountySummary, Unit
from app.reports.official import BOTTOM, LEADING, TEXT_HEIGHT
from app.reports.summary_pdf import render_county_summary, render_department_summary
from app.services import county_summary
from app.services.errors import ValidationError
from app.services.forms import FormErrors
from app.services.settings import LOCAL_UNIT, set_setting
from app.services.summary_reports import county_report
from app.ui.dialogs.summary_dialogs import SummaryDialog
from tests.county_world import NARRATIVE, seed_county_world
from tests.helpers import drive_dialog, dump, open_page, unit_ids

OFFICE = "青田县社区矫正工作领导小组办公室"  # the template's full_name of 县矫正办


def _pages(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]


@pytest.fixture
def world(database, tmp_path):
    return seed_county_world(database, tmp_path)


def test_county_report_has_what_the_city_asks_for_each_once(database, world):
    programme_id, phase_id = world
    with database.session() as s:
        report = county_report(s, database.attachments, programme_id, phase_id, date(2018, 12, 31))
    reader, pages = _pages(render_county_summary(report))
    text = "".join(pages)
    body = text[text.index("一、全县工作总结", len(pages[0]) + len(pages[1])) :]
    # the county's own summary is the first chapter, before the goals
    first = body[: body.index("二、目标完成情况")]
    for name, written in NARRATIVE.items():
        assert name in first and re.sub(r"\s+", "", written) in first
    # the ranking with every department's score, best first
    assert [s.rank for s in report.ranking] == sorted(s.rank for s in report.ranking)
    ranking = body[body.index("三、考核得分和排名") : body.index("四、责任状签订情况")]
    for score in report.ranking:
        assert (
            f"{score.rank}{score.name}" in ranking
            and f"{score.total:.2f}".replace("-", "\u2212") in ranking
        )
    assert "整改逾期−3" in ranking  # 基层科's overdue item costs it three points
    # who has not signed, by name
    signing = body[body.index("四、责任状签订情况") : body.index("五、月度例会召开情况")]
    assert "已签署1个" in signing and "已印发未签署1个：基层科" in signing
    assert "未印发5个：" in signing and "律师管理科" in signing
    # meetings held and the month missed
    meetings = body[body.index("五、月度例会召开情况") : body.index("六、")]
    assert "月度例会2次，未召开4次（2018年7月、2018年8月、2018年9月、2018年11月）" in meetings
    assert "2018年10月30日召开" in meetings and "2018年12月20日召开" in meetings
    # the overdue rectification marked, the rectified one not
    inspections = body[body.index("十、督查整改情况") :]
    assert "逾期未整改1项（基层科）" in inspections
    assert "待整改逾期51天" in inspections and inspections.count("逾期") == 2
    # findings read as one sentence; a name holding 、 is quoted so a list counts right
    assert "进行督查，发现问题：1．结对走访记录缺失；2．台账照片不全。" in inspections
    assert "“公证管理科、公证处”" in signing
    # December's meeting was held before December ended: it counts as due, so 2 + 4 = 6
    assert "全年截至2018年12月31日应召开6次，已召开2次" in meetings
    # each table once: the chapters do not repeat the indicators, nor the list of the missing
    chapters = body[body.index("八、各科室工作总结") : body.index("九、创新品牌创建情况")]
    assert "完成率" not in chapters and "量化指标" not in chapters
    assert body.count("逾期未报") == len(report.missing()) == 4
    assert body.count("六、各科室量化指标完成情况") == 1
    # the 落款 (full name, date) after the last chapter and the 附件说明, before the attachment
    note = body.index("附件：各科室工作图片资料（15张）")
    closing = body.index(OFFICE, note)  # the issuer, with the date beside it (drawn first)
    assert "2018年12月31日" in body[closing - 12 : closing + len(OFFICE) + 12]
    assert closing > body.index("十、督查整改情况") and closing < body.index(
        "附件各科室工作图片资料"
    )
    # the photos follow one another: 15 photos on ceil(15 / 6) pages after the first
    photo_pages = [p for p in pages if "现场" in p]
    assert len(photo_pages) <= 4
    # contents and bookmarks name the same chapters, in the same order
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline[0] == "一、全县工作总结" and outline[-1] == "附件：图片资料"
    contents = pages[1]
    positions = [contents.index(title) for title in outline]
    assert positions == sorted(positions)
    nested = [i.title for part in reader.outline if isinstance(part, list) for i in part]
    assert nested == [
        f"（{n}）{c.department}" for n, c in zip("一二三", report.chapters, strict=True)
    ]
    assert OFFICE in pages[0] and "丽水市社区矫正工作领导小组办公室" in pages[0]  # the cover


def test_only_the_county_writes_its_summary_and_bad_text_changes_nothing(database, world):
    programme_id, phase_id = world
    with database.session() as s:
        summary = county_summary.find_county_summary(s, programme_id, phase_id)
        assert summary is not None and summary.sections["下步打算"] == NARRATIVE["下步打算"]
        summary_id = summary.id
        figures = county_summary.county_figures(s, programme_id, phase_id)
        assert (figures.period_entries, figures.period_served) == (15, 45)  # 3 × (1 + … + 5)
        assert (
            "共记录工作台账 15 条，服务社区矫正对象 45 人次，已报送阶段总结 3 份"
            in (county_summary.draft_county_sections(s, programme_id, phase_id)["基本情况"])
        )
    before = dump(database)
    with database.session() as s, pytest.raises(FormErrors) as refused:
        county_summary.save_county_summary(s, summary_id, {"基本情况": "很长" * 4000})
    assert "不能超过" in refused.value.errors["基本情况"]
    with database.session() as s:  # the same file on a department's PC
        set_setting(s, LOCAL_UNIT, s.get_one(Unit, unit_ids(s)["法律援助中心"]).uuid)
    with database.session() as s, pytest.raises(ValidationError, match="县矫正办的电脑上"):
        county_summary.save_county_summary(s, summary_id, {"基本情况": "改写"})
    with database.session() as s:
        set_setting(s, LOCAL_UNIT, s.get_one(Unit, unit_ids(s)["县矫正办"]).uuid)
    assert dump(database) == before


def test_the_county_clerk_writes_the_summary_on_the_summaries_page(
    qtbot, db_path, monkeypatch, dialogs
):
    page = open_page(qtbot, db_path, "summaries")
    assert page.narrative_button.isVisible() and page.narrative_button.isEnabled()
    page.period.setCurrentIndex(page.period.findText("总结提升", Qt.MatchFlag.MatchStartsWith))

    def fill(dialog):
        assert dialog.windowTitle() == "全县总结 — 总结提升"
        assert "第一章" in dialog.note.text() and not dialog.photos.isVisibleTo(dialog)
        assert "全县各科室" in dialog.figures.toPlainText()  # the departments' figures added up
        dialog.edits["存在问题"].setPlainText("个别科室结对走访次数偏少。")

    seen = drive_dialog(monkeypatch, SummaryDialog, fill)
    qtbot.mouseClick(page.narrative_button, Qt.MouseButton.LeftButton)
    assert len(seen) == 1 and "全县总结已保存" in page.status.text()
    database = page.database
    with database.session() as s:
        (written,) = s.query(CountySummary).all()
        assert written.sections["存在问题"] == "个别科室结对走访次数偏少。"
        assert "全县 7 个局科室" in written.sections["基本情况"]  # the pre-filled opening kept
        report = county_report(s, database.attachments, written.programme_id, written.phase_id)
    text = "".join(_pages(render_county_summary(report))[1])
    assert "个别科室结对走访次数偏少。" in text


def _blank_at_foot(page) -> float:
    """Points between the lowest text on the page and the foot of the text block."""
    lows: list[float] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            lows.append(cm[5] + tm[5] * (cm[3] or 1))

    page.extract_text(visitor_text=visit)
    body = [y for y in lows if y > BOTTOM - 2]  # not the page number under the block
    return min(body) - BOTTOM if body else TEXT_HEIGHT


def test_county_report_pages_are_filled_and_sections_break_across_pages(database, world):
    programme_id, phase_id = world
    with database.session() as s:
        report = county_report(s, database.attachments, programme_id, phase_id, date(2018, 12, 31))
    reader, pages = _pages(render_county_summary(report))
    signed = next(n for n, text in enumerate(pages) if OFFICE in text and n > 0)  # the 落款
    assert (
        "台账照片不全" in pages[signed]
    )  # with the last of the text (a table's last row at least)
    assert pages[signed + 1].startswith("附件")  # the attachment on the next page
    for number in range(2, signed):  # every page of the text but the one that ends it
        blank = _blank_at_foot(reader.pages[number])
        assert blank < LEADING * 6, f"page {number - 1}: {blank / mm:.0f} mm empty at the foot"
    # a department's long section runs on over the page instead of moving whole
    starts = [n for n, text in enumerate(pages) if "3．主要做法与成效" in text]
    assert starts and any("主要做法。" in pages[n + 1][:30] for n in starts)


def test_a_department_summary_is_signed_off_under_its_text(database, world):
    programme_id, phase_id = world
    with database.session() as s:
        report = county_report(s, database.attachments, programme_id, phase_id, date(2018, 12, 31))
    chapter = next(c for c in report.chapters if c.department == "法律援助中心")
    _reader, pages = _pages(render_department_summary(chapter))
    text = "".join(pages)
    tail = text[text.rindex("下步打算。") + len("下步打算。") : text.index("图片资料")]
    assert "法律援助中心" in tail and "2018年10月12日" in tail  # over its submission date
