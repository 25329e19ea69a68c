"""Reminders in the window: 首页's 待办与逾期 (red overdue, amber due soon), the N setting,
打印催办单… (a unit chosen, saved, opened), and the 今日待办 panel on opening."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView

from app.ui.charts import STATUS_COLOURS
from app.ui.dialogs.reminder_dialogs import ReminderUnitDialog, TodayPanel
from app.ui.operations import running_tasks
from tests.helpers import assert_fits_screen, drive_dialog, open_page
from tests.test_reminders import AID, seed

# a world before the 月报/季报 (their reminders: tests/test_statistics_reminders.py)
pytestmark = pytest.mark.usefixtures("no_statistics_reports")

DAY = date(2018, 9, 13)  # the decision (due 08-10) is overdue, the item (due 09-15) due soon


def _colour(model, row: int) -> str:
    column = model.columnCount() - 1
    return model.data(model.index(row, column), Qt.ItemDataRole.ForegroundRole).color().name()


def _double_click(qtbot, view: QAbstractItemView, row: int) -> None:
    index = view.proxy.mapFromSource(view.source_model.index(row, 0))
    view.scrollTo(index)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_home_lists_overdue_red_and_due_soon_amber(qtbot, gui_app, db_path, tmp_path):
    seed(db_path)
    home = open_page(qtbot, db_path, "home")
    home.today = DAY
    home.refresh()
    rows = home.overdue_model.rows()
    statuses = {(i.kind, i.unit): (n, i.status) for n, i in enumerate(rows)}
    late, late_status = statuses[("例会议定事项", AID)]
    soon, soon_status = statuses[("整改事项", AID)]
    assert late_status == "逾期 34 天" and soon_status == "还剩 2 天"
    assert _colour(home.overdue_model, late) == STATUS_COLOURS["red"]
    assert _colour(home.overdue_model, soon) == STATUS_COLOURS["amber"]
    assert (
        "待办与逾期" in home.overdue_title.text() and "3 天内到期 1 项" in home.overdue_title.text()
    )
    home.grab().save(str(tmp_path / "home.png"))

    window = home.window()
    settings = window.open_section("settings")
    settings.due_soon.lineEdit().selectAll()
    qtbot.keyClicks(settings.due_soon.lineEdit(), "40")  # 10-15 (the summaries) now due soon
    assert settings.due_soon.value() == 40
    window.open_section("home")
    kinds = {i.kind for i in home.overdue_model.rows() if not i.overdue}
    assert "阶段总结" in kinds and "40 天内到期" in home.overdue_title.text()


def test_print_reminders_for_a_unit(qtbot, gui_app, db_path, dialogs, monkeypatch, tmp_path):
    from pypdf import PdfReader

    seed(db_path)
    home = open_page(qtbot, db_path, "home")
    home.today = DAY
    home.refresh()

    def choose(dialog: ReminderUnitDialog) -> None:
        assert_fits_screen(dialog)
        dialog.unit.setCurrentIndex(dialog.unit.findText(AID))

    driven = drive_dialog(monkeypatch, ReminderUnitDialog, choose)
    out = tmp_path / "催办单.pdf"
    dialogs.save_paths = [out]
    qtbot.mouseClick(home.reminder_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0 and out.exists(), timeout=60000)
    assert len(driven) == 1 and dialogs.opened == [str(out)]
    text = "".join(p.extract_text() for p in PdfReader(str(out)).pages).replace("\n", "")
    flat = text.replace(" ", "")
    assert f"{AID}：" in flat and "走访结对司法所" in flat and "台账照片不全" in flat
    assert "逾期34天" in flat and "还剩2天" in flat
    assert "青田县社区矫正工作领导小组办公室" in flat and "2018年9月13日" in flat


def _window(qtbot, db_path):
    from app.services.database import open_database
    from app.ui.main_window import MainWindow

    window = MainWindow(open_database(str(db_path)))
    qtbot.addWidget(window)
    window.show()
    return window


def test_today_panel_appears_leads_to_the_record_and_can_be_dismissed(
    qtbot, gui_app, db_path, tmp_path
):
    seed(db_path)
    window = _window(qtbot, db_path)
    panel = window.show_today_panel(DAY)
    assert isinstance(panel, TodayPanel) and panel.isVisible() and not panel.isModal()
    assert_fits_screen(panel)
    rows = panel.model.rows()
    assert ("整改事项", "还剩 2 天") in {(i.kind, i.status) for i in rows}
    assert "3 天内到期" in panel.summary.text()
    panel.grab().save(str(tmp_path / "panel.png"))

    item = next(n for n, i in enumerate(rows) if i.kind == "整改事项")
    _double_click(qtbot, panel.view, item)
    inspections_page = window.stack.currentWidget()
    assert inspections_page is window.page("inspections")
    assert panel.isVisible()  # not modal: the clerk works through the list

    qtbot.mouseClick(panel.dismiss_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.today_panel is None)
    assert window.show_today_panel(DAY) is None  # 今日不再提示
    again = window.show_today_panel(date(2018, 9, 14))  # the next day it comes back
    assert again is not None and again.isVisible()


def test_no_today_panel_without_items(qtbot, gui_app, tmp_path):
    from app.services.setup import initialise
    from tests.conftest import TEMPLATE_KEY

    path = tmp_path / "unit.db"
    initialise(str(path), TEMPLATE_KEY, AID).database.close()
    window = _window(qtbot, path)
    assert window.show_today_panel(date(2018, 7, 2)) is None  # nothing due for 法律援助中心 yet
    assert window.today_panel is None
    panel = window.show_today_panel(date(2018, 10, 14))  # its summary is due tomorrow
    assert panel is not None
    assert [(i.kind, i.unit, i.overdue) for i in panel.model.rows()] == [("阶段总结", AID, False)]


def test_the_app_opening_shows_the_panel(qtbot, gui_app, db_path):
    from app.services.database import open_database
    from app.ui.main_window import MainWindow

    window = MainWindow()  # as run_gui: the window first, then the database
    qtbot.addWidget(window)
    window.show()
    window.attach_database(open_database(str(db_path)), remind=True)
    # the PC's clock is past 2018: a programme that is over has nothing to do today (首页
    # says what was left undone when it closed)
    qtbot.wait(300)
    assert window.today_panel is None
    # within the programme's period the same path shows the panel
    panel = window.show_today_panel(date(2018, 12, 28))
    assert panel is not None and panel.isVisible()
    rows = panel.model.rows()
    assert any(i.kind == "阶段总结" and i.overdue for i in rows)


def test_print_reminders_for_every_unit_or_none(
    qtbot, gui_app, db_path, dialogs, monkeypatch, tmp_path
):
    from pypdf import PdfReader

    seed(db_path)
    home = open_page(qtbot, db_path, "home")
    home.today = date(2018, 7, 2)  # nothing is due yet
    home.refresh()
    driven = drive_dialog(monkeypatch, ReminderUnitDialog, lambda _dialog: None)  # 全部单位
    qtbot.mouseClick(home.reminder_button, Qt.MouseButton.LeftButton)
    assert not driven and any("无需催办" in t for t in dialogs.texts("information"))

    home.today = date(2018, 10, 16)  # every department's summary is late
    home.refresh()
    out = tmp_path / "全部.pdf"
    dialogs.save_paths = [out]
    qtbot.mouseClick(home.reminder_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0 and out.exists(), timeout=60000)
    assert len(driven) == 1 and driven[0].choice() is None
    pages = [p.extract_text().replace("\n", "") for p in PdfReader(str(out)).pages]
    units = [driven[0].unit.itemText(i) for i in range(1, driven[0].unit.count())]
    assert len(units) == 7 and len(pages) == 7
    assert all(f"{unit}：" in page for unit, page in zip(units, pages, strict=True))
