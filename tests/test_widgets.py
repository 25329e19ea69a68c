"""The shared widgets: the date field, the wheel guard, the guarded dialog, the database lock."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.services.dates import DatePurpose, programme_date_range
from app.ui.dialogs.guarded import GuardedDialog
from app.ui.widgets.dates import DateField, check_dates, parse_date
from app.ui.widgets.scrolling import scroll_area

YEAR_2018 = programme_date_range(2018)


def _shown(qtbot, *widgets: QWidget) -> QWidget:
    window = QWidget()
    layout = QVBoxLayout(window)
    for widget in widgets:
        layout.addWidget(widget)
    qtbot.addWidget(window)
    window.show()
    return window


def test_common_ways_of_writing_a_date_are_read():
    assert parse_date("2018-06-28") == date(2018, 6, 28)
    assert parse_date("2018/6/2") == date(2018, 6, 2)
    assert parse_date("2018年6月28日") == date(2018, 6, 28)
    assert parse_date("20180628") == date(2018, 6, 28)
    assert parse_date("2018-02-30") is None and parse_date("明天") is None


def test_a_typed_impossible_date_is_kept_and_explained(qtbot, gui_app):
    field = DateField(YEAR_2018, date(2018, 5, 1), label="印发日期")
    other = QLineEdit()
    _window = _shown(qtbot, field, other)
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "2018-02-30")
    other.setFocus()
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.edit.text() == "2018-02-30"  # not silently turned into 2018-02-03
    assert field.value() is None
    assert "“2018-02-30”不是有效的日期" in field.error.text() and field.error.isVisible()
    assert not check_dates(field.parentWidget())


def test_a_date_outside_the_programme_year_is_refused_with_the_range(qtbot, gui_app):
    field = DateField(YEAR_2018, date(2018, 5, 1), label="印发日期")
    _window = _shown(qtbot, field)
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "1900-11-30")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.value() is None
    assert field.problem() == "印发日期应在2018年1月1日至2018年12月31日之间。"
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "2018/6/2")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.value() == date(2018, 6, 2) and field.edit.text() == "2018-06-02"
    assert not field.error.isVisible() and check_dates(field.parentWidget())


def test_defaults_and_the_calendar_stay_in_the_programme_year(qtbot, gui_app):
    required = DateField(YEAR_2018)  # today is years after 2018
    optional = DateField(programme_date_range(2018, DatePurpose.DEADLINE), optional=True)
    _window = _shown(qtbot, required, optional)
    assert required.value() == date(2018, 12, 31)  # inside the year, whatever the PC's date
    assert optional.value() is None and optional.is_empty() and optional.problem() is None
    optional._prepare_calendar()  # what opening the calendar does first
    assert optional.calendar.yearShown() == 2018  # not January 1900
    optional.calendar.setSelectedDate(optional.calendar.selectedDate().addDays(-3))
    optional._picked(optional.calendar.selectedDate())
    assert optional.value() is not None and optional.value().year == 2018
    qtbot.keyClick(optional.edit, Qt.Key.Key_Up)
    assert optional.value().year == 2018


def test_the_wheel_scrolls_the_form_instead_of_changing_a_passing_drop_down(qtbot, gui_app):
    content = QWidget()
    layout = QVBoxLayout(content)
    combo = QComboBox()
    combo.addItems(["甲", "乙", "丙"])
    layout.addWidget(combo)
    for _ in range(40):
        layout.addWidget(QLineEdit())
    area = scroll_area(content)
    area.resize(300, 200)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    assert combo.focusPolicy() == Qt.FocusPolicy.StrongFocus  # a real wheel gives no focus
    centre = combo.rect().center()
    event = QWheelEvent(QPointF(centre), QPointF(combo.mapToGlobal(centre)), QPoint(0, 0),
                        QPoint(0, -120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(combo, event)
    assert combo.currentIndex() == 0
    assert area.verticalScrollBar().value() > 0  # the form scrolled instead
    area.activateWindow()
    qtbot.waitActive(area)
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    QApplication.sendEvent(combo, event)
    assert combo.currentIndex() == 1  # a focused drop-down still answers the wheel


class _Form(GuardedDialog):
    def __init__(self) -> None:
        super().__init__()
        self.name = QLineEdit("法律援助中心")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.name)
        layout.addWidget(self.buttons)


def test_escape_on_a_changed_form_asks_before_throwing_the_work_away(qtbot, dialogs):
    form = _Form()
    qtbot.addWidget(form)
    form.show()
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert not form.isVisible() and dialogs.shown == []  # nothing typed: closes at once

    form.show()
    form.mark_unchanged()
    qtbot.keyClicks(form.name, " 2")  # QTest types ASCII only
    dialogs.confirm = False
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert form.isVisible() and form.name.text() == "法律援助中心 2"
    assert dialogs.texts("question") == ["表单中有尚未保存的修改。确定不保存就关闭吗？"]
    dialogs.confirm = True
    qtbot.mouseClick(
        form.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )
    assert not form.isVisible()


def test_a_second_program_on_the_same_database_is_refused(tmp_path, gui_app):
    from app.ui.application import lock_database

    db = str(tmp_path / "bangjiao.db")
    first = lock_database(db)
    assert first is not None
    assert lock_database(db) is None  # what a second program on this PC gets
    first.unlock()
    again = lock_database(db)
    assert again is not None
    again.unlock()


def test_file_dialogs_start_in_documents_then_where_the_clerk_was(
    qtbot, gui_app, monkeypatch, tmp_path
):
    from pathlib import Path

    from PySide6.QtCore import QStandardPaths

    from app import paths
    from app.ui import files

    monkeypatch.setattr(files, "_last_folder", None)
    monkeypatch.setattr(paths, "user_data_dir", lambda: tmp_path / "data")  # no folder kept yet
    seen: list[str] = []
    target = tmp_path / "usb" / "台账"

    def save_name(_parent, _title, directory, _filter):
        seen.append(directory)
        return str(target), ""

    monkeypatch.setattr(files, "_save_file_name", save_name)
    target.parent.mkdir()
    parent = QWidget()
    qtbot.addWidget(parent)
    path = files.ask_save_path(parent, "导出", "工作台账.xlsx", "Excel (*.xlsx)", ".xlsx")
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    start = Path(documents) if documents and Path(documents).is_dir() else Path.home()
    assert Path(seen[0]) == start / "工作台账.xlsx"
    assert path == tmp_path / "usb" / "台账.xlsx"  # the extension the clerk left out
    files.ask_save_path(parent, "导出", "纪要.pdf", "PDF (*.pdf)", ".pdf")
    assert Path(seen[1]) == tmp_path / "usb" / "纪要.pdf"


def test_a_new_deadline_or_report_starts_inside_the_programme_year():
    deadlines = programme_date_range(2018, DatePurpose.DEADLINE)
    assert deadlines.latest == date(2019, 6, 30)  # deadlines may run on…
    assert deadlines.default(date(2026, 12, 1)) == date(2018, 12, 31)  # …new dates do not
    assert deadlines.default(date(2018, 9, 3)) == date(2018, 9, 3)
    assert deadlines.default(date(2017, 5, 1)) == date(2018, 1, 1)


def test_the_main_window_fits_an_office_screen(qtbot, gui_app):
    from app.ui.application import show_main_window
    from app.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    show_main_window(window)
    available = window.screen().availableGeometry()
    assert available.contains(window.frameGeometry()) or window.isMaximized()


def test_without_a_viewer_a_saved_file_is_reported_as_saved(qtbot, dialogs, tmp_path):
    from app.ui.desktop import open_with_system, show_in_folder

    parent = QWidget()
    qtbot.addWidget(parent)
    dialogs.viewer_installed = False
    saved = tmp_path / "汇总.pdf"
    saved.write_bytes(b"%PDF-1.4")
    assert not open_with_system(parent, saved)
    assert dialogs.shown[-1][0] == "information" and str(saved) in dialogs.shown[-1][2]
    assert not open_with_system(parent, saved, temporary=True)
    assert dialogs.shown[-1][0] == "warning" and "另存为" in dialogs.shown[-1][2]
    assert not show_in_folder(parent, saved)
    assert dialogs.shown[-1][1] == "无法打开文件夹" and str(tmp_path) in dialogs.shown[-1][2]


def test_a_fields_error_goes_away_when_the_clerk_changes_it(qtbot, dialogs):
    from app.ui.dialogs.form_dialog import FormDialog

    class _Unit(FormDialog):
        def __init__(self) -> None:
            super().__init__("单位", lambda values: None)
            self.name = QLineEdit()
            self.short = QLineEdit()
            self.add_field("name", "名称", self.name)
            self.add_field("short", "简称", self.short)

        def values(self) -> dict:
            return {"name": self.name.text(), "short": self.short.text()}

    dialog = _Unit()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_errors({"name": "请填写单位名称。", "short": "请填写简称。"})
    assert dialog.error_text("name") == "请填写单位名称。"
    assert dialog.error_text().startswith("有 2 处需要修改")
    qtbot.keyClicks(dialog.name, "A")
    assert dialog.error_text("name") == "" and dialog.error_text() == ""
    assert dialog.error_text("short") == "请填写简称。"  # the other field still needs it


def test_a_dialog_grows_to_show_its_messages_without_scrolling(qtbot, dialogs):
    from app.ui.dialogs.form_dialog import FormDialog
    from app.ui.dialogs.guarded import screen_limit

    class _Many(FormDialog):
        def __init__(self) -> None:
            super().__init__("加减分", lambda values: None)
            self.edits = [QLineEdit() for _ in range(5)]
            for n, edit in enumerate(self.edits):
                self.add_field(f"f{n}", f"第{n}项", edit)

        def values(self) -> dict:
            return {}

    dialog = _Many()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    before = dialog.height()
    long = "这一项需要修改：" + "说明文字较长，" * 12
    dialog.show_errors({**{f"f{n}": long for n in range(5)}, "elsewhere": long})  # one on top
    assert before < dialog.height() <= screen_limit(dialog)[1]
    qtbot.wait(50)
    assert dialog.form_scroll.verticalScrollBar().maximum() == 0  # every field and message seen


def test_a_dialog_grows_when_its_date_field_says_what_is_wrong(qtbot, dialogs):
    from datetime import date

    from app.services.dates import DateRange
    from app.ui.dialogs.assessment_dialogs import AdjustmentDialog

    dates = DateRange(earliest=date(2019, 1, 1), latest=date(2019, 12, 31))
    dialog = AdjustmentDialog(lambda values: None, [("公证管理科、公证处", 1)], dates,
                              date(2019, 6, 1))  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.wait(50)
    before = dialog.height()
    dialog.on.edit.clear()
    qtbot.keyClicks(dialog.on.edit, "2018-12-15")  # outside the year: the field says so
    dialog.on.edit.editingFinished.emit()  # leaving the field (offscreen has no focus to move)
    assert dialog.on.error.isVisible()
    qtbot.waitUntil(lambda: dialog.height() > before, timeout=2000)
    qtbot.wait(50)
    assert dialog.form_scroll.verticalScrollBar().maximum() == 0


def test_garbage_is_collected_in_the_ui_thread_only(qtbot, gui_app):
    import gc

    from PySide6.QtCore import QObject

    from app.ui.collector import MainThreadCollector

    owner = QObject()
    was_enabled = gc.isenabled()
    collector = MainThreadCollector(owner, interval_ms=10)
    try:
        assert not gc.isenabled()  # no collection in whatever thread allocates
        for _ in range(collector.thresholds[0] + 10):
            cycle: list = []
            cycle.append(cycle)
        del cycle
        freed: list[int] = []
        qtbot.waitUntil(lambda: freed.append(collector.collect()) or sum(freed) > 0 or
                        gc.get_count()[0] < collector.thresholds[0], timeout=2000)  # fmt: skip
        assert gc.get_count()[0] < collector.thresholds[0]
    finally:
        collector.stop()
    assert gc.isenabled() == was_enabled  # as before


def test_an_activity_fields_message_goes_when_the_clerk_types(qtbot, gui_app):
    from app.services.forms import FieldDef
    from app.ui.ledger.form_widget import FormFieldsWidget

    form = FormFieldsWidget(
        [FieldDef(name="purpose", label="用途", type="text", required=True),
         FieldDef(name="amount", label="金额（元）", type="money", required=True)]
    )  # fmt: skip
    qtbot.addWidget(form)
    form.show()
    form.show_error("purpose", "请填写“用途”。")
    form.show_error("amount", "请填写“金额（元）”。")
    qtbot.keyClicks(form.editors["purpose"], "x")
    assert form.error_labels["purpose"].isHidden()
    assert not form.error_labels["amount"].isHidden()
