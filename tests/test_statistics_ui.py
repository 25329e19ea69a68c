"""The 统计报表 page with real widgets: a unit fills in and submits its monthly report (a day
late), the county accepts, returns, unlocks and exports the table."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import StatisticsReport, StatisticsUnlock, Unit
from app.services import statistics_reports as sr
from app.services.settings import LOCAL_UNIT, set_setting
from app.ui.dialogs.statistics_dialogs import ReasonDialog, StatisticsReportDialog
from app.ui.operations import running_tasks
from app.ui.pages.statistics import LATE_RED, StatisticsPage
from tests.conftest import open_unlocked
from tests.helpers import assert_fits_screen, drive_dialog, open_page, unit_ids
from tests.test_statistics_reports import _hotline

AID = "法律援助中心"
MARK = 5  # the 按时/逾期 column


def _as_unit(db_path, name: str) -> None:
    db = open_unlocked(str(db_path))
    with db.session() as s:
        set_setting(s, LOCAL_UNIT, s.scalar(select(Unit).where(Unit.name == name)).uuid)
        for day, served in ((date(2018, 9, 3), 2), (date(2018, 9, 17), 4)):
            _hotline(s, db.attachments, day, served)
    db.close()


def _page(qtbot, db_path, today: date) -> StatisticsPage:
    page = open_page(qtbot, db_path, "statistics")
    assert isinstance(page, StatisticsPage)
    page.today = lambda: today
    page.refresh()
    return page


def _click(qtbot, page: StatisticsPage, predicate) -> None:
    row = next(i for i, r in enumerate(page.model.rows()) if predicate(r))
    index = page.view.model().mapFromSource(page.model.index(row, 0))
    page.view.scrollTo(index)
    rect = page.view.visualRect(index)
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert predicate(page.selected())


def _stored(db_path, unit: str = AID) -> StatisticsReport | None:
    db = open_unlocked(str(db_path))
    with db.session() as s:
        report = s.scalar(select(StatisticsReport).where(
            StatisticsReport.unit_id == unit_ids(s)[unit],
            StatisticsReport.period_start == date(2018, 9, 1),
            StatisticsReport.report_key == "monthly"))  # fmt: skip
        if report is not None:
            s.expunge(report)
    db.close()
    return report


def _september(row) -> bool:
    return row.form_key == "monthly" and row.period.code == "2018-09"


def test_a_unit_fills_in_and_submits_its_monthly_report_a_day_late(
    qtbot, monkeypatch, gui_app, dialogs, db_path
):
    _as_unit(db_path, AID)
    page = _page(qtbot, db_path, date(2018, 10, 6))
    assert not page.accept_button.isVisibleTo(page) and not page.export_button.isVisibleTo(page)
    assert {r.unit for r in page.model.rows()} == {AID}
    june = next(i for i, r in enumerate(page.model.rows()) if r.period.code == "2018-06")
    assert page.model.index(june, MARK).data() == "逾期 93 天未报"
    assert (
        page.model.index(june, MARK).data(Qt.ItemDataRole.ForegroundRole).color().name() == LATE_RED
    )
    _click(qtbot, page, _september)
    assert page.fill_button.text() == "填报…"
    seen = []

    def fill(dialog: StatisticsReportDialog) -> int:
        assert_fits_screen(dialog)
        seen.append({k: f.text() for k, f in dialog.inputs.items()})
        dialog.inputs["volunteers"].setText("2")
        dialog.note.setPlainText("九月开展热线服务两次。")
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(StatisticsReportDialog, "exec", fill)
    qtbot.mouseClick(page.fill_button, Qt.MouseButton.LeftButton)
    assert seen[0]["activities"] == "2" and seen[0]["served"] == "6"  # pre-filled from the ledger
    assert any(
        kind == "question" and "提交后报表即固定" in text for kind, _t, text in dialogs.shown
    )
    report = _stored(db_path)
    assert report.status == "submitted" and report.submitted_on == date(2018, 10, 6)
    assert report.values["volunteers"] == 2 and report.note == "九月开展热线服务两次。"
    row = next(i for i, r in enumerate(page.model.rows()) if _september(r))
    assert page.model.index(row, MARK).data() == "逾期 1 天报送"
    assert "已提交" in page.status.text()
    _click(qtbot, page, _september)
    assert page.fill_button.text() == "查看…"  # frozen now


def test_bad_figures_stay_in_the_dialog_and_nothing_is_saved(qtbot, monkeypatch, gui_app, db_path):
    _as_unit(db_path, AID)
    page = _page(qtbot, db_path, date(2018, 10, 3))
    _click(qtbot, page, _september)
    seen = drive_dialog(monkeypatch, StatisticsReportDialog,
                        lambda d: d.inputs["served"].setText("-4"))  # fmt: skip
    qtbot.mouseClick(page.fill_button, Qt.MouseButton.LeftButton)
    dialog = seen[0]
    assert dialog.error_text("served") == "“服务社区矫正对象人次”不能小于 0。"
    assert dialog.result() == 0  # still open
    assert _stored(db_path).values["served"] == 6  # the pre-filled draft, unchanged


def _county_reports(db_path) -> None:
    """September's reports: 法律援助中心's a day late, 律师管理科's on time, both waiting."""
    db = open_unlocked(str(db_path))
    with db.session() as s:
        units, programme_id = unit_ids(s), None
        from app.services.settings import current_programme

        programme_id = current_programme(s).id
        for name, on in ((AID, date(2018, 10, 6)), ("律师管理科", date(2018, 10, 5))):
            report = sr.start_report(s, programme_id, units[name], "monthly", date(2018, 9, 1))
            sr.submit_report(s, report.id, on)
    db.close()


def test_the_county_accepts_returns_unlocks_and_exports(
    qtbot, monkeypatch, gui_app, dialogs, db_path, tmp_path
):
    _county_reports(db_path)
    page = _page(qtbot, db_path, date(2018, 10, 10))
    page.period_choice.setCurrentIndex(page.period_choice.findText("2018年9月"))
    rows = page.model.rows()
    assert len(rows) == 16 and page.fill_button.text() == "查看…"
    aid = next(i for i, r in enumerate(rows) if r.unit == AID)
    assert page.model.index(aid, MARK).data() == "逾期 1 天报送"
    assert "已报 2/16" in page.info.text() and "按时 1/16（6%）" in page.info.text()
    _click(qtbot, page, lambda r: r.unit == AID)
    qtbot.mouseClick(page.accept_button, Qt.MouseButton.LeftButton)
    assert next(r for r in page.model.rows() if r.unit == AID).status == "已受理"

    _click(qtbot, page, lambda r: r.unit == "律师管理科")
    reasons = iter(["", "“走访结对司法所次数”与台账不符"])
    seen = drive_dialog(monkeypatch, ReasonDialog,
                        lambda d: (assert_fits_screen(d), d.reason.setPlainText(next(reasons))))  # fmt: skip
    qtbot.mouseClick(page.return_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("reason") == "退回时请写明原因（需要更正的地方）。"
    _click(qtbot, page, lambda r: r.unit == "律师管理科")
    qtbot.mouseClick(page.return_button, Qt.MouseButton.LeftButton)
    lawyers = next(r for r in page.model.rows() if r.unit == "律师管理科")
    assert lawyers.status == "已退回" and lawyers.reason == "“走访结对司法所次数”与台账不符"

    _click(qtbot, page, lambda r: r.unit == AID)
    drive_dialog(monkeypatch, ReasonDialog, lambda d: d.reason.setPlainText("补登遗漏的热线"))
    qtbot.mouseClick(page.unlock_button, Qt.MouseButton.LeftButton)
    with page.database.session() as s:
        assert s.scalar(select(StatisticsUnlock.reason)) == "补登遗漏的热线"
    aid_row = next(r for r in page.model.rows() if r.unit == AID)
    assert aid_row.status == "已解锁待重报"  # the unit corrects and submits again
    assert "已报 1/16" in page.info.text()  # still reported (once), as the on-time count reads
    _click(qtbot, page, lambda r: r.unit == AID)
    assert not page.unlock_button.isEnabled() and not page.accept_button.isEnabled()

    import openpyxl

    dialogs.save_paths.append(tmp_path / "九月汇总.xlsx")
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    sheet = openpyxl.load_workbook(tmp_path / "九月汇总.xlsx").active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("2018年9月" in c for c in cells) and AID in cells and "已解锁待重报" in cells
    assert "已保存全县统计汇总表" in page.status.text()


def test_a_draft_is_recalculated_from_the_ledger_on_request(qtbot, monkeypatch, gui_app, db_path):
    _as_unit(db_path, AID)
    page = _page(qtbot, db_path, date(2018, 10, 3))
    _click(qtbot, page, _september)
    drive_dialog(monkeypatch, StatisticsReportDialog, lambda d: d.inputs["volunteers"].setText("5"))
    qtbot.mouseClick(page.fill_button, Qt.MouseButton.LeftButton)  # the draft, saved
    assert _stored(db_path).values["served"] == 6
    db = open_unlocked(str(db_path))
    with db.session() as s:  # work recorded after the draft was started
        _hotline(s, db.attachments, date(2018, 9, 28), 3, title="补登")
    db.close()
    seen = []

    def refill(dialog: StatisticsReportDialog) -> int:
        assert dialog.inputs["served"].text() == "6"  # the draft as saved
        qtbot.mouseClick(dialog.refill_button, Qt.MouseButton.LeftButton)
        seen.append({k: f.text() for k, f in dialog.inputs.items()})
        return 0

    monkeypatch.setattr(StatisticsReportDialog, "exec", refill)
    _click(qtbot, page, _september)
    qtbot.mouseClick(page.fill_button, Qt.MouseButton.LeftButton)
    assert seen[0]["served"] == "9" and seen[0]["activities"] == "3"
    assert seen[0]["volunteers"] == "5"  # typed by the clerk: kept
