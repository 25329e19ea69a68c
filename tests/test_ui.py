"""The desktop UI with real widgets offscreen: wizard, main window, editing that persists."""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, Qt, QTranslator
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QWizard
from sqlalchemy import select

from app.models import Duty, Indicator, Unit
from app.services.settings import local_unit
from app.ui import messages
from app.ui.dialogs.reference_dialogs import DutyDialog, IndicatorDialog, UnitDialog
from app.ui.main_window import SECTIONS, MainWindow
from app.ui.pages.duties import DutiesPage
from app.ui.pages.organisation import OrganisationPage
from app.ui.setup_wizard import BLANK, SetupWizard
from app.ui.table_model import Column, RowTableModel
from tests.conftest import open_unlocked
from tests.helpers import drive_dialog


def _drive(monkeypatch, dialog_class, fill):
    return drive_dialog(monkeypatch, dialog_class, fill)


def _window(qtbot, path):
    window = MainWindow(open_unlocked(str(path)))
    qtbot.addWidget(window)
    window.show()
    return window


def test_wizard_creates_the_database_and_opens_the_main_window(qtbot, gui_app, tmp_path):
    path = tmp_path / "new.db"
    wizard = SetupWizard(str(path))
    qtbot.addWidget(wizard)
    wizard.show()
    assert (
        wizard.button(QWizard.WizardButton.NextButton).text() == "下一步(&N) >"
    )  # Qt's own, in Chinese
    wizard.template_page.buttons["qingtian-2018"].setChecked(True)
    wizard.next()
    combo = wizard.unit_page.unit_combo
    assert combo.count() == 19 and combo.currentData() == "县矫正办"
    combo.setCurrentIndex(combo.findData("瓯南司法所"))
    wizard.button(QWizard.WizardButton.CommitButton).click()
    assert wizard.database is not None and path.exists()
    window = MainWindow(wizard.database)
    qtbot.addWidget(window)
    window.show()
    assert "瓯南司法所" in window.windowTitle()
    assert [window.nav.item(i).text() for i in range(window.nav.count())] == [
        s[1] for s in SECTIONS
    ]
    with wizard.database.session() as s:
        assert local_unit(s).name == "瓯南司法所"


def test_wizard_blank_start_needs_a_unit_name(qtbot, gui_app, tmp_path):
    path = tmp_path / "blank.db"
    wizard = SetupWizard(str(path))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.template_page.buttons[BLANK].setChecked(True)
    wizard.next()
    wizard.button(QWizard.WizardButton.CommitButton).click()
    assert wizard.unit_page.error.text() == "请填写本机所属单位。"
    assert wizard.database is None and not path.exists()
    wizard.unit_page.blank_name.setText("莲都区矫正办")
    wizard.button(QWizard.WizardButton.CommitButton).click()
    with wizard.database.session() as s:
        assert local_unit(s).name == "莲都区矫正办"
    wizard.database.close()


def test_qt_dialogs_are_chinese(gui_app):
    translator = QTranslator()
    assert translator.load(
        "qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    )
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"


def test_organisation_page_lists_units_and_pairings(qtbot, gui_app, db_path):
    window = _window(qtbot, db_path)
    page = window.open_section("organisation")
    assert isinstance(page, OrganisationPage)
    assert page.units_model.rowCount() == 19
    assert page.pairings_model.rowCount() == 9
    row = next(r for r in page.units_model.rows() if r.name == "基层科")
    assert row.paired_with == "东源司法所、北山司法所"


def test_adding_a_unit_with_an_empty_name_shows_a_message_and_saves_nothing(
    qtbot, monkeypatch, gui_app, db_path
):
    window = _window(qtbot, db_path)
    page = window.open_section("organisation")
    seen = _drive(monkeypatch, UnitDialog, lambda d: d.name.setText(""))
    qtbot.mouseClick(page.add_unit_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("name") == "单位名称不能为空。"
    assert not seen[0].result()
    assert page.units_model.rowCount() == 19
    _drive(monkeypatch, UnitDialog, lambda d: d.name.setText("仁庄司法所"))
    qtbot.mouseClick(page.add_unit_button, Qt.MouseButton.LeftButton)
    assert "仁庄司法所" in [r.name for r in page.units_model.rows()]


def _select_department(page: DutiesPage, name: str) -> None:
    row = next(i for i, d in enumerate(page.departments_model.rows()) if d.name == name)
    page.departments_view.setCurrentIndex(page.departments_model.index(row, 0))


def test_duty_and_indicator_edits_persist_after_reopening(qtbot, monkeypatch, gui_app, db_path):
    window = _window(qtbot, db_path)
    page = window.open_section("duties")
    assert isinstance(page, DutiesPage)
    _select_department(page, "法律援助中心")
    assert page.duties_model.rowCount() == 4
    page.duties_view.selectRow(1)
    assert page.duties_view.selected_row().text == "为符合条件的社区矫正对象及近亲属提供法律援助"

    _drive(
        monkeypatch,
        DutyDialog,
        lambda d: d.text.setPlainText("为符合条件的社区矫正对象及近亲属提供法律援助"),
    )
    qtbot.mouseClick(page.edit_duty_button, Qt.MouseButton.LeftButton)
    assert page.indicators_model.rowCount() == 1
    page.indicators_view.selectRow(0)
    _drive(monkeypatch, IndicatorDialog, lambda d: d.target.setText("15"))
    qtbot.mouseClick(page.edit_indicator_button, Qt.MouseButton.LeftButton)
    assert page.indicators_model.row_at(0).annual_target == 15
    window.close()

    window = _window(qtbot, db_path)
    page = window.open_section("duties")
    _select_department(page, "法律援助中心")
    texts = [d.text for d in page.duties_model.rows()]
    assert texts[1] == "为符合条件的社区矫正对象及近亲属提供法律援助"
    page.duties_view.selectRow(1)
    assert page.indicators_model.row_at(0).annual_target == 15
    window.close()


def test_invalid_duty_and_indicator_input_is_refused_in_chinese(
    qtbot, monkeypatch, gui_app, db_path
):
    window = _window(qtbot, db_path)
    page = window.open_section("duties")
    _select_department(page, "基层科")
    page.duties_view.selectRow(0)
    duty = page.duties_view.selected_row()

    seen = _drive(monkeypatch, DutyDialog, lambda d: d.text.setPlainText("   "))
    qtbot.mouseClick(page.edit_duty_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("text") == "职责内容不能为空。"

    page.indicators_view.selectRow(0)
    indicator = page.indicators_view.selected_row()
    seen = _drive(monkeypatch, IndicatorDialog, lambda d: d.target.setText("-3"))
    qtbot.mouseClick(page.edit_indicator_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("annual_target") == "年度目标不能为负数。"
    assert not seen[0].result()
    window.close()

    db = open_unlocked(str(db_path))
    with db.session() as s:
        assert s.get(Duty, duty.id).text == duty.text
        stored = s.get(Indicator, indicator.id)
        assert (stored.annual_target, stored.revision) == (indicator.annual_target, 1)
    db.close()


def test_deleting_an_indicator_asks_first(qtbot, monkeypatch, gui_app, db_path):
    window = _window(qtbot, db_path)
    page = window.open_section("duties")
    _select_department(page, "办公室（政治处）")
    page.duties_view.selectRow(0)
    page.indicators_view.selectRow(0)
    monkeypatch.setattr(messages, "confirm", lambda *a: False)
    monkeypatch.setattr("app.ui.pages.duties.confirm", lambda *a: False)
    qtbot.mouseClick(page.delete_indicator_button, Qt.MouseButton.LeftButton)
    assert page.indicators_model.rowCount() == 2
    monkeypatch.setattr("app.ui.pages.duties.confirm", lambda *a: True)
    page.indicators_view.selectRow(0)
    qtbot.mouseClick(page.delete_indicator_button, Qt.MouseButton.LeftButton)
    assert page.indicators_model.rowCount() == 1
    assert "本科室权重合计：80" in page.weight_label.text()


def test_every_section_opens_a_working_page(qtbot, gui_app, db_path):
    from app.ui.main_window import SECTIONS
    from app.ui.pages.base import Page

    window = _window(qtbot, db_path)
    for key, title, _description in SECTIONS:
        page = window.open_section(key)
        assert isinstance(page, Page), key  # no placeholder left
        assert window.stack.currentWidget() is page and page.title == title


def test_home_page_shows_the_programme(qtbot, gui_app, db_path):
    window = _window(qtbot, db_path)
    page = window.open_section("home")
    assert "关于建立社区矫正司法行政大帮教机制的实施方案" in page.summary.text()
    assert len(page.goal_cards) == 4 and len(page.bars.bars) == 7


def test_row_table_model_passes_qt_model_checks(qtmodeltester):
    model = RowTableModel(
        [Column("名称", lambda r: r[0]), Column("数", lambda r: r[1], align_right=True)]
    )
    model.set_rows([("甲", 1), ("乙", 2)])
    qtmodeltester.check(model)


def test_main_window_opens_after_the_database(qtbot, gui_app, db_path):
    from app.ui.application import _database_file_exists, _open_into

    assert _database_file_exists(str(db_path))
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.database is None
    _open_into(window, str(db_path))
    assert window.database is not None
    assert "县矫正办" in window.banner.text()
    with window.database.session() as s:
        assert s.scalar(select(Unit.name).where(Unit.name == "县矫正办"))


def test_reference_data_is_read_only_on_a_units_pc(qtbot, gui_app, tmp_path, db_path):
    from app.services.setup import initialise
    from tests.conftest import TEMPLATE_KEY

    unit_db = tmp_path / "unit.db"
    initialise(str(unit_db), TEMPLATE_KEY, "法律援助中心").database.close()
    for path, editable in ((db_path, True), (unit_db, False)):
        window = _window(qtbot, path)
        duties = window.open_section("duties")
        organisation = window.open_section("organisation")
        for page, button in ((duties, duties.add_duty_button), (duties, duties.edit_indicator_button),
                             (organisation, organisation.add_unit_button),
                             (organisation, organisation.delete_pairing_button)):  # fmt: skip
            assert button.isVisibleTo(page) is editable
        notes = [
            label.text() for label in duties.findChildren(QLabel) if "统一维护" in label.text()
        ]
        assert bool(notes) is not editable
