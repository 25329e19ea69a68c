"""录入完成值… on 职责与指标: a manual indicator's value entered by clicking, the completion on the
page changes; a refusal keeps the dialog open and stores nothing; hidden where the PC may not
enter values."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import Indicator, ManualValue
from app.services.database import open_database
from app.services.setup import initialise
from app.ui.dialogs.manual_value_dialog import ManualValueDialog
from tests.conftest import TEMPLATE_KEY
from tests.helpers import assert_fits_screen, drive_dialog, open_page, unit_ids
from tests.test_manual_values import DEPARTMENT, PLAN_TEXT, add_manual_indicator


def _with_manual_indicator(db_path: Path) -> None:
    db = open_database(str(db_path))
    with db.session() as s:
        add_manual_indicator(s)
    db.close()


def _show_manual_indicator(page) -> None:
    row = next(i for i, d in enumerate(page.departments_model.rows()) if d.name == DEPARTMENT)
    page.departments_view.setCurrentIndex(page.departments_model.index(row, 0))
    page.duties_view.selectRow(0)
    assert page.indicators_view.select_where(lambda r: r.name == PLAN_TEXT)


def _values(db_path: Path) -> list[tuple[float, str]]:
    db = open_database(str(db_path))
    with db.session() as s:
        rows = s.execute(select(ManualValue.value, ManualValue.note)).all()
    db.close()
    return [tuple(r) for r in rows]


def test_a_value_entered_by_clicking_changes_the_completion(qtbot, monkeypatch, dialogs, db_path):
    _with_manual_indicator(db_path)
    page = open_page(qtbot, db_path, "duties")
    _show_manual_indicator(page)
    assert page.enter_value_button.isVisible() and page.enter_value_button.isEnabled()
    row = page.indicators_view.selected_row()
    assert page._latest_text(row) == "未录入" and page._actual_text(row) == "0"
    department = page.current_department()
    before = page.department_completion[department.id]
    label_before = page.weight_label.text()

    def refused(dialog: ManualValueDialog) -> None:
        dialog.value.setText("-1")
        dialog.recorded_on.setValue(date(2018, 7, 10))

    seen = drive_dialog(monkeypatch, ManualValueDialog, refused)
    qtbot.mouseClick(page.enter_value_button, Qt.MouseButton.LeftButton)
    assert not seen[0].result()
    assert seen[0].error_text("value") == "完成值不能为负数。"
    assert _values(db_path) == []

    def fill(dialog: ManualValueDialog) -> None:
        dialog.value.setText("1")
        dialog.recorded_on.edit.setText("2018-07-10")
        dialog.note.setPlainText("已纳入2018年普法宣传计划")
        assert_fits_screen(dialog)
        shots = os.environ.get("P6_SHOTS")
        if shots:
            dialog.grab().save(str(Path(shots) / "manual_value_dialog.png"))

    seen = drive_dialog(monkeypatch, ManualValueDialog, fill)
    qtbot.mouseClick(page.enter_value_button, Qt.MouseButton.LeftButton)
    assert seen[0].result()
    assert _values(db_path) == [(1.0, "已纳入2018年普法宣传计划")]
    row = page.indicators_view.selected_row()
    assert row.name == PLAN_TEXT
    assert page._latest_text(row) == "2018-07-10　已纳入2018年普法宣传计划"
    assert page._actual_text(row) == "1"
    after = page.department_completion[department.id]
    assert after > before
    assert page.weight_label.text() != label_before  # 加权完成率 on the page moved


def test_hidden_on_a_pc_that_may_not_enter_values(qtbot, tmp_path):
    path = tmp_path / "aid.db"
    initialise(str(path), TEMPLATE_KEY, "法律援助中心").database.close()
    _with_manual_indicator(path)
    page = open_page(qtbot, path, "duties")
    _show_manual_indicator(page)
    assert not page.enter_value_button.isVisible()


def test_the_county_lets_the_department_enter_an_indicator(qtbot, monkeypatch, dialogs, db_path):
    from app.ui.dialogs.reference_dialogs import IndicatorDialog

    _with_manual_indicator(db_path)
    page = open_page(qtbot, db_path, "duties")
    _show_manual_indicator(page)

    def choose(dialog: IndicatorDialog) -> None:
        assert dialog.entered_by.isEnabled()  # a manual indicator
        dialog.entered_by.setCurrentIndex(dialog.entered_by.findData(True))

    seen = drive_dialog(monkeypatch, IndicatorDialog, choose)
    qtbot.mouseClick(page.edit_indicator_button, Qt.MouseButton.LeftButton)
    assert seen[0].result()
    db = open_database(str(db_path))
    with db.session() as s:
        indicator = s.scalars(select(Indicator).where(Indicator.name == PLAN_TEXT)).one()
        assert indicator.value_unit_id == unit_ids(s)[DEPARTMENT]
    db.close()
    page.indicators_view.select_where(lambda r: r.name == PLAN_TEXT)
    assert page.indicators_view.selected_row().value_unit_id is not None
    assert page.enter_value_button.isEnabled()  # the county still may
