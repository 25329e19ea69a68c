"""组织与结对, 职责与指标, 首页 and 设置 as a clerk uses them: each button clicked, what it does
checked in the database, refusals explained, and every dialog fits a 1366×768 screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import Duty, Indicator, Pairing, Unit
from app.services.database import open_database
from app.ui.dialogs.reference_dialogs import DutyDialog, IndicatorDialog, PairingDialog, UnitDialog
from tests.helpers import assert_fits_screen, drive_dialog, open_page


def _choose(combo, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, text
    combo.setCurrentIndex(index)


def _read(db_path, query):
    db = open_database(str(db_path))
    with db.session() as s:
        result = s.execute(query).all()
    db.close()
    return result


def test_pairing_added_and_removed_with_the_buttons(qtbot, monkeypatch, dialogs, db_path):
    page = open_page(qtbot, db_path, "organisation")
    before = page.pairings_model.rowCount()

    def fill(dialog: PairingDialog) -> None:
        _choose(dialog.department, "基层科")
        _choose(dialog.office, "腊口司法所")

    seen = drive_dialog(monkeypatch, PairingDialog, fill)
    qtbot.mouseClick(page.add_pairing_button, Qt.MouseButton.LeftButton)
    assert seen[0].result() and page.pairings_model.rowCount() == before + 1
    assert page.pairings_view.select_where(
        lambda p: (p.department, p.office) == ("基层科", "腊口司法所")
    )

    seen = drive_dialog(monkeypatch, PairingDialog, fill)  # the same pair again is refused
    qtbot.mouseClick(page.add_pairing_button, Qt.MouseButton.LeftButton)
    assert not seen[0].result()
    assert seen[0].error_text() == "“基层科”已与“腊口司法所”结对。"
    assert page.pairings_model.rowCount() == before + 1

    page.pairings_view.select_where(lambda p: (p.department, p.office) == ("基层科", "腊口司法所"))
    dialogs.confirm = False
    qtbot.mouseClick(page.delete_pairing_button, Qt.MouseButton.LeftButton)
    assert page.pairings_model.rowCount() == before + 1
    dialogs.confirm = True
    qtbot.mouseClick(page.delete_pairing_button, Qt.MouseButton.LeftButton)
    assert page.pairings_model.rowCount() == before
    assert dialogs.texts("question")[-1] == "确定解除“基层科”与“腊口司法所”的挂钩结对吗？"
    alive = _read(db_path, select(Pairing.id).where(Pairing.deleted.is_(False)))
    assert len(alive) == before


def test_a_unit_edited_and_a_unit_in_use_not_deleted(qtbot, monkeypatch, dialogs, db_path):
    page = open_page(qtbot, db_path, "organisation")
    assert page.units_view.select_where(lambda u: u.name == "基层科")
    seen = drive_dialog(monkeypatch, UnitDialog, lambda d: d.phone.setText("0578-6812345"))
    qtbot.mouseClick(page.edit_unit_button, Qt.MouseButton.LeftButton)
    assert seen[0].result()
    assert _read(db_path, select(Unit.phone).where(Unit.name == "基层科")) == [("0578-6812345",)]

    page.units_view.select_where(lambda u: u.name == "基层科")  # it has duties and pairings
    qtbot.mouseClick(page.delete_unit_button, Qt.MouseButton.LeftButton)
    assert dialogs.texts("warning") == ["该单位还有职责或挂钩结对，请先删除它们。"]
    assert _read(db_path, select(Unit.deleted).where(Unit.name == "基层科")) == [(False,)]

    page.units_view.select_where(lambda u: u.name == "市矫正办")
    qtbot.mouseClick(page.delete_unit_button, Qt.MouseButton.LeftButton)
    assert "市矫正办" not in [u.name for u in page.units_model.rows()]
    assert _read(db_path, select(Unit.deleted).where(Unit.name == "市矫正办")) == [(True,)]


def test_a_duty_and_an_indicator_added_and_the_duty_deleted(qtbot, monkeypatch, dialogs, db_path):
    page = open_page(qtbot, db_path, "duties")
    row = next(i for i, d in enumerate(page.departments_model.rows()) if d.name == "基层科")
    page.departments_view.setCurrentIndex(page.departments_model.index(row, 0))
    count = page.duties_model.rowCount()
    seen = drive_dialog(
        monkeypatch, DutyDialog, lambda d: d.text.setPlainText("指导司法所开展法治体检")
    )
    qtbot.mouseClick(page.add_duty_button, Qt.MouseButton.LeftButton)
    assert seen[0].result() and page.duties_model.rowCount() == count + 1
    assert page.duties_view.selected_row().text == "指导司法所开展法治体检"  # the new one

    def indicator(dialog: IndicatorDialog) -> None:
        dialog.name.setText("法治体检次数")
        dialog.target.setText("6")
        dialog.weight.setText("5")
        _choose(dialog.kind, "其他工作")

    seen = drive_dialog(monkeypatch, IndicatorDialog, indicator)
    qtbot.mouseClick(page.add_indicator_button, Qt.MouseButton.LeftButton)
    assert seen[0].result()
    assert [(r.name, r.annual_target) for r in page.indicators_model.rows()] == [
        ("法治体检次数", 6)
    ]

    dialogs.confirm = True
    qtbot.mouseClick(page.delete_duty_button, Qt.MouseButton.LeftButton)
    assert page.duties_model.rowCount() == count
    assert _read(db_path, select(Duty.deleted).where(Duty.text == "指导司法所开展法治体检")) == [
        (True,)
    ]
    assert _read(db_path, select(Indicator.deleted).where(Indicator.name == "法治体检次数")) == [
        (True,)
    ]


def test_every_reference_dialog_fits_the_screen(qtbot, monkeypatch, dialogs, db_path):
    opened = []

    def check(dialog) -> int:
        assert_fits_screen(dialog)
        opened.append(type(dialog).__name__)
        dialog.hide()
        return 0

    for cls in (UnitDialog, PairingDialog, DutyDialog, IndicatorDialog):
        monkeypatch.setattr(cls, "exec", check)
    organisation = open_page(qtbot, db_path, "organisation")
    organisation.units_view.selectRow(0)
    for button in (organisation.add_unit_button, organisation.edit_unit_button,
                   organisation.add_pairing_button):  # fmt: skip
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    duties = organisation.window().open_section("duties")
    duties.duties_view.selectRow(0)
    duties.indicators_view.selectRow(0)
    for button in (duties.add_duty_button, duties.edit_duty_button,
                   duties.add_indicator_button, duties.edit_indicator_button):  # fmt: skip
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert opened == ["UnitDialog", "UnitDialog", "PairingDialog", "DutyDialog", "DutyDialog",
                      "IndicatorDialog", "IndicatorDialog"]  # fmt: skip


def test_each_figure_on_the_home_page_opens_its_records(qtbot, gui_app, db_path):
    home = open_page(qtbot, db_path, "home")
    window = home.window()
    expected = {"participation_rate": "ledger", "signing_rate": "agreements",
                "brand_count": "brands", "pairing_coverage": "organisation"}  # fmt: skip
    for metric, card in home.goal_cards.items():
        window.open_section("home")
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
        assert window.stack.currentWidget() is window.page(expected[metric.value]), metric
    window.open_section("home")
    qtbot.mouseClick(home.phase_card, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.page("summaries")


def test_settings_say_where_the_data_is_and_which_unit_this_pc_is(qtbot, gui_app, db_path):
    from PySide6.QtWidgets import QLabel

    page = open_page(qtbot, db_path, "settings")
    texts = [label.text() for label in page.findChildren(QLabel)]
    assert page.location_label.text() == str(db_path)
    assert "县矫正办" in texts and "县矫正办（县矫正办）" not in texts  # not said twice
