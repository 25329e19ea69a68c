"""The clerk pass's findings on 统计报表 (issue 17): the county's page opens where the work
is, 受理 names the month's doubts, a returned report reads as not reported, the status line
follows the list, and the county's read-only view."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from app.models import (
    DoubtAnswer,
    EntryVerification,
    StatisticsDecision,
    StatisticsReport,
    StatisticsReview,
    Unit,
    UnitKind,
)
from app.services import statistics_reports as sr
from app.services import verification
from app.services.settings import current_programme
from app.ui.dialogs.statistics_dialogs import ReasonDialog, StatisticsReportDialog
from app.ui.pages.statistics import StatisticsPage
from tests.conftest import open_unlocked
from tests.helpers import drive_dialog, unit_ids
from tests.test_statistics_reports import _hotline
from tests.test_statistics_ui import MARK, _as_unit, _click, _page, _september

LAWYERS = "律师管理科"
AID = "法律援助中心"


def _shot(widget, name: str) -> None:
    """A picture of ``widget`` where BANGJIAO_SHOTS points (nowhere when unset)."""
    if shots := os.environ.get("BANGJIAO_SHOTS"):
        widget.grab().save(str(Path(shots) / name))


def _submit(db_path, name: str, period: date, on: date, decision=None) -> None:
    db = open_unlocked(str(db_path))
    with db.session() as s:
        programme_id = current_programme(s).id
        report = sr.start_report(s, programme_id, unit_ids(s)[name], "monthly", period)
        sr.submit_report(s, report.id, on)
        if decision is not None:
            sr.review_report(s, report.id, decision, "请核对", on)
    db.close()


def test_rates_below_one_percent_keep_a_decimal():
    assert sr.OnTimeRate(1, 209).text == "按时 1/209（0.5%）"
    assert sr.OnTimeRate(208, 209).text == "按时 208/209（99.5%）"
    assert sr.OnTimeRate(1, 16).text == "按时 1/16（6%）"
    assert sr.OnTimeRate(0, 5).text == "按时 0/5（0%）"


def test_a_returned_report_is_not_reported_until_resubmitted(
    qtbot, monkeypatch, gui_app, dialogs, db_path
):
    _submit(db_path, LAWYERS, date(2018, 9, 1), date(2018, 10, 3))
    page = _page(qtbot, db_path, date(2018, 10, 3))  # before the due day (10月5日)
    page.period_choice.setCurrentIndex(page.period_choice.findText("2018年9月"))
    assert "已报 1/16" in page.info.text() and "本期按时 1/1（100%）" in page.info.text()
    _click(qtbot, page, lambda r: r.unit == LAWYERS)
    drive_dialog(monkeypatch, ReasonDialog, lambda d: d.reason.setPlainText("请核对"))
    qtbot.mouseClick(page.return_button, Qt.MouseButton.LeftButton)
    row = next(i for i, r in enumerate(page.model.rows()) if r.unit == LAWYERS)
    assert page.model.index(row, MARK).data() == "已退回待重报"
    assert page.model.index(row, MARK - 1).data() == "2018-10-03"  # the date it came, kept
    assert "已报 0/16" in page.info.text() and "本期尚无到期报表" in page.info.text()
    page.today = lambda: date(2018, 10, 8)  # the due day passed: returned counts as not on time
    page.refresh()
    assert "本期按时 0/16（0%）" in page.info.text()
    _shot(page.window(), "statsfix17-returned-row.png")


def _county_page(qtbot, db_path, today: date) -> StatisticsPage:
    """The county's page as it opens on ``today`` (its periods chosen for that day)."""
    page = _page(qtbot, db_path, today)
    page._fill_periods()
    return page


def test_the_county_opens_on_the_period_with_a_report_waiting(qtbot, gui_app, db_path):
    page = _county_page(qtbot, db_path, date(2018, 12, 1))  # nothing sent: the month just ended
    assert page.period_choice.currentText() == "2018年11月"
    page.close()
    _submit(db_path, LAWYERS, date(2018, 10, 1), date(2018, 11, 2), StatisticsDecision.ACCEPTED)
    _submit(db_path, LAWYERS, date(2018, 11, 1), date(2018, 12, 1))  # November's, waiting
    _submit(db_path, "法律援助中心", date(2018, 9, 1), date(2018, 10, 4))  # an old one waiting
    page = _county_page(qtbot, db_path, date(2018, 12, 10))  # November's due day (5th) passed
    assert page.period_choice.currentText() == "2018年11月"
    _shot(page.window(), "statsfix17-county-opens-november.png")
    assert any(r.unit == LAWYERS and r.status == "已提交" for r in page.model.rows())
    _submit(db_path, "法律援助中心", date(2018, 12, 1), date(2018, 12, 20))  # sent early
    page = _county_page(qtbot, db_path, date(2018, 12, 20))
    assert page.period_choice.currentText() == "2018年12月"


def test_accepting_names_the_doubts_still_standing_in_the_period(
    qtbot, monkeypatch, gui_app, dialogs, db_path
):
    db = open_unlocked(str(db_path))
    with db.session() as s:
        ids = [_hotline(s, db.attachments, date(2018, 9, d), 1, unit=AID) for d in (3, 10, 17)]
        _hotline(s, db.attachments, date(2018, 10, 2), 1, unit=AID)  # October's: not counted
        for entry_id in ids[:2]:
            verification.mark_entry(s, entry_id, "存疑", "照片与活动不符", date(2018, 10, 4))
        verification.mark_entry(s, ids[2], "已核实", "", date(2018, 10, 4))
    with db.session() as s:  # the unit's answer to one doubt (as its package would bring it)
        s.add(DoubtAnswer(entry_id=ids[0], verification_revision=s.scalar(
            select(EntryVerification.revision).where(EntryVerification.entry_id == ids[0])),
            answer="照片已补", answered_on=date(2018, 10, 5)))  # fmt: skip
    with db.session() as s:
        counted = verification.doubts_in_period(s, unit_ids(s)[AID], date(2018, 9, 1),
                                                date(2018, 9, 30))  # fmt: skip
        assert (counted.waiting, counted.answered) == (1, 1)
    db.close()
    _submit(db_path, AID, date(2018, 9, 1), date(2018, 10, 5))
    page = _page(qtbot, db_path, date(2018, 10, 8))
    page.period_choice.setCurrentIndex(page.period_choice.findText("2018年9月"))
    _click(qtbot, page, lambda r: r.unit == AID)
    dialogs.confirm = False  # 取消: the county returns it first instead
    qtbot.mouseClick(page.accept_button, Qt.MouseButton.LeftButton)
    kind, _title, text = dialogs.shown[-1]
    assert kind == "question" and "存疑 2 条（其中 1 条尚未说明）" in text
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Question, _title, text, parent=page)
    box.show()
    _shot(box, "statsfix17-accept-doubts.png")
    box.close()
    assert next(r for r in page.model.rows() if r.unit == AID).status == "已提交"


def test_the_status_line_does_not_outlive_a_return_brought_by_a_package(
    qtbot, monkeypatch, gui_app, dialogs, db_path
):
    _as_unit(db_path, AID)
    page = _page(qtbot, db_path, date(2018, 10, 3))
    _click(qtbot, page, _september)
    drive_dialog(monkeypatch, StatisticsReportDialog, lambda d: (
        d.inputs["volunteers"].setText("2"),
        qtbot.mouseClick(d.submit_button, Qt.MouseButton.LeftButton)))  # fmt: skip
    qtbot.mouseClick(page.fill_button, Qt.MouseButton.LeftButton)
    assert page.status.text().startswith("已提交")
    with page.database.session() as s:  # the county's 退回, as its package brings it
        report = s.scalar(select(StatisticsReport))
        county = s.scalar(select(Unit).where(Unit.kind == UnitKind.COUNTY_OFFICE))
        s.add(StatisticsReview(report_id=report.id, report_revision=report.revision,
                               decision=StatisticsDecision.RETURNED, reason="请核对",
                               decided_on=date(2018, 10, 4), owner_unit_id=county.id))  # fmt: skip
    window = page.window()
    window.open_section("home")
    assert window.open_section("statistics") is page
    assert next(r for r in page.model.rows() if _september(r)).status == "已退回"
    assert "已提交" not in page.status.text()
    assert page.status.text() == page.hint
    _shot(window, "statsfix17-unit-after-return.png")


def test_the_county_views_a_report_without_fill_in_hints_and_reviews_it_there(
    qtbot, monkeypatch, gui_app, dialogs, db_path, tmp_path
):
    db = open_unlocked(str(db_path))
    with db.session() as s:
        for day, served in ((date(2018, 9, 3), 2), (date(2018, 9, 17), 4)):
            _hotline(s, db.attachments, day, served)
    db.close()
    _submit(db_path, AID, date(2018, 9, 1), date(2018, 10, 5))
    page = _page(qtbot, db_path, date(2018, 10, 8))
    page.period_choice.setCurrentIndex(page.period_choice.findText("2018年9月"))
    _click(qtbot, page, lambda r: r.unit == AID)
    seen = []

    def look(dialog: StatisticsReportDialog) -> int:
        dialog.show()
        seen.append(dialog)
        hints = " ".join(label.text() for label in dialog.findChildren(QLabel))
        assert "请填写" not in hints and "按台账预填" not in hints and "可填小数" not in hints
        assert not dialog.note.placeholderText()
        assert "台账现有：6" in hints  # 服务社区矫正对象人次 as the ledger has it
        assert dialog.accept_button.isVisible() and dialog.return_button.isVisible()
        _shot(dialog, "statsfix17-county-view.png")
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(StatisticsReportDialog, "exec", look)
    qtbot.mouseClick(page.fill_button, Qt.MouseButton.LeftButton)
    assert seen and any("确定受理" in t for t in dialogs.texts("question"))
    assert next(r for r in page.model.rows() if r.unit == AID).status == "已受理"
    assert page.status.text() == "已受理法律援助中心的报表。"


def test_the_county_returns_a_report_from_its_view(qtbot, monkeypatch, gui_app, dialogs, db_path):
    _submit(db_path, AID, date(2018, 9, 1), date(2018, 10, 5))
    page = _page(qtbot, db_path, date(2018, 10, 8))
    page.period_choice.setCurrentIndex(page.period_choice.findText("2018年9月"))
    _click(qtbot, page, lambda r: r.unit == AID)

    def look(dialog: StatisticsReportDialog) -> int:
        dialog.show()
        qtbot.mouseClick(dialog.return_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(StatisticsReportDialog, "exec", look)
    drive_dialog(monkeypatch, ReasonDialog, lambda d: d.reason.setPlainText("志愿者人数有误"))
    qtbot.mouseClick(page.fill_button, Qt.MouseButton.LeftButton)
    row = next(r for r in page.model.rows() if r.unit == AID)
    assert row.status == "已退回" and row.reason == "志愿者人数有误"
    assert page.status.text() == "已退回法律援助中心的报表。"
