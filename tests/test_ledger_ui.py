"""The 工作台账 page with real widgets: fill the form with a photo, find it, refuse bad input."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressDialog
from sqlalchemy import func, select

from app.models import LedgerEntry
from app.services import ledger
from app.services.ledger import EntryInput
from app.ui.ledger.entry_dialog import EntryDialog
from app.ui.ledger.table_model import PAGE_SIZE, LedgerTableModel
from app.ui.main_window import MainWindow
from app.ui.operations import running_tasks
from app.ui.pages.ledger import LedgerPage
from tests.conftest import open_unlocked
from tests.helpers import (
    assert_fits_screen,
    drive_dialog,
    dump,
    kind_ids,
    make_jpeg,
    unit_ids,
    valid_id_number,
)


def _page(qtbot, db_path) -> tuple[MainWindow, LedgerPage]:
    window = MainWindow(open_unlocked(str(db_path)))
    qtbot.addWidget(window)
    window.show()
    page = window.open_section("ledger")
    assert isinstance(page, LedgerPage)
    return window, page


def _drive(monkeypatch, fill):
    return drive_dialog(monkeypatch, EntryDialog, fill)


def _choose(combo, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, text
    combo.setCurrentIndex(index)


def test_fill_a_form_with_a_photo_and_find_it_through_the_filters(
    qtbot, monkeypatch, gui_app, db_path, tmp_path
):
    _window, page = _page(qtbot, db_path)
    photo = make_jpeg(tmp_path / "讲座现场.jpg", size=(3000, 2000))

    def fill(dialog: EntryDialog) -> None:
        _choose(dialog.kind, "修心教育法律讲座")
        _choose(dialog.unit, "律师管理科")
        assert dialog.office.currentText() == "山口司法所"  # suggested from the pairing
        dialog.entry_date.setValue(date(2018, 7, 12))
        dialog.title.setText("温溪司法所修心教育法律讲座")
        _choose(dialog.office, "温溪司法所")
        dialog.served.setValue(18)
        form = dialog.fields_widget
        form.set_value("lecturer", "陈昇律师")
        form.set_value("lecturer_role", "律师")
        form.set_value("topic", "社区矫正对象的权利义务")
        form.set_value("attendees", "20")
        assert dialog.photos.add_files([photo]) == []

    seen = _drive(monkeypatch, fill)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert seen[0].result(), seen[0].general_error.text()
    assert page.model.total == 1

    _choose(page.unit_filter, "律师管理科")
    _choose(page.kind_filter, "修心教育法律讲座")
    _choose(page.office_filter, "温溪司法所")
    page.date_from.setValue(date(2018, 7, 1))
    page.date_to.setValue(date(2018, 7, 31))
    page.text_filter.setText("温溪")
    page.apply_filter()
    assert page.model.total == 1
    row = page.model.row_at(0)
    assert (row.title, row.unit, row.paired_office, row.photo_count) == (
        "温溪司法所修心教育法律讲座",
        "律师管理科",
        "温溪司法所",
        1,
    )
    thumb = page.model.index(0, 3).data(Qt.ItemDataRole.DecorationRole)
    assert thumb is not None and not thumb.isNull()
    assert "共 1 条" in page.count_label.text()
    _choose(page.indicator_filter, "律师管理科 · 律师授课修心教育法律讲座")
    assert page.model.total == 1
    page.text_filter.setText("不存在的词")
    page.apply_filter()
    assert page.model.total == 0


def test_bad_input_shows_chinese_messages_beside_fields_and_saves_nothing(
    qtbot, monkeypatch, gui_app, db_path, tmp_path
):
    _window, page = _page(qtbot, db_path)
    fake = tmp_path / "照片.jpg"
    fake.write_text("这其实是文本")

    def fill(dialog: EntryDialog) -> None:
        _choose(dialog.kind, "法律援助")
        dialog.fields_widget.set_value("applicant", "")
        dialog.subject_name.setText("王珺")
        dialog.subject_id_number.setText("331127198503121230")
        problems = dialog.photos.add_files([fake])
        assert problems and "不是照片" in problems[0]
        assert dialog.photos.error.text() == problems[0]

    seen = _drive(monkeypatch, fill)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = seen[0]
    assert not dialog.result()
    assert dialog.error_text("title") == "请填写标题。"
    assert dialog.fields_widget.error_labels["applicant"].text() == "请填写“申请人”。"
    assert dialog._subject_errors["id_number"].text() == "身份证号码校验位不正确，请核对。"
    assert dialog._subject_errors["subject_category"].text().startswith("请选择矫正类别")
    assert "处需要修改" in dialog.general_error.text()
    db = open_unlocked(str(db_path))
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 0
    db.close()


def test_identity_numbers_are_masked_in_the_list_but_not_in_the_form(qtbot, gui_app, db_path):
    db = open_unlocked(str(db_path))
    number = valid_id_number()
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        from app.services.subjects import SubjectInput

        ledger.save_entry(
            s,
            db.attachments,
            None,
            EntryInput(
                kind_id=kinds["legal_aid"],
                unit_id=units["法律援助中心"],
                entry_date=date(2018, 8, 3),
                title="劳动争议法律援助",
                values={
                    "applicant": "李玥",
                    "relation": "本人",
                    "case_type": "民事",
                    "approved_on": "2018-08-01",
                    "result": "办理中",
                },
                subject=SubjectInput(
                    name="李玥", category="缓刑", id_number=number, office_id=units["瓯南司法所"]
                ),
            ),
        )
    db.close()
    _window, page = _page(qtbot, db_path)
    shown = [page.model.index(0, c).data() for c in range(page.model.columnCount())]
    assert not any(number in (text or "") for text in shown)
    assert f"{number[:4]}**********{number[-4:]}" in shown[6]
    dialog = page.make_entry_dialog(page.model.row_at(0).id)
    qtbot.addWidget(dialog)
    assert dialog.subject_id_number.text() == number
    assert dialog.fields_widget.values()["approved_on"] == "2018-08-01"


def _many_entries(db_path, n: int) -> None:
    db = open_unlocked(str(db_path))
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        for i in range(n):
            ledger.save_entry(
                s,
                db.attachments,
                None,
                EntryInput(
                    kind_id=kinds["other"],
                    unit_id=units["基层科"],
                    entry_date=date(2018, 1 + i % 12, 1 + i % 28),
                    title=f"第{i:03d}条",
                    subjects_served=i % 7,
                ),
            )
    db.close()


def test_the_list_pages_and_sorts_in_the_database(qtbot, gui_app, db_path):
    _many_entries(db_path, PAGE_SIZE + 50)
    _window, page = _page(qtbot, db_path)
    model = page.model
    assert model.total == PAGE_SIZE + 50 and model.rowCount() == PAGE_SIZE
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == PAGE_SIZE + 50 and not model.canFetchMore()
    page.view.horizontalHeader().setSortIndicator(3, Qt.SortOrder.AscendingOrder)
    assert model.sort_key == "title" and not model.descending
    assert model.row_at(0).title == "第000条" and model.rowCount() == PAGE_SIZE
    page.view.horizontalHeader().setSortIndicator(5, Qt.SortOrder.DescendingOrder)
    assert model.row_at(0).subjects_served == 6


def test_delete_asks_and_undo_brings_it_back(qtbot, monkeypatch, gui_app, db_path):
    _many_entries(db_path, 3)
    _window, page = _page(qtbot, db_path)
    monkeypatch.setattr("app.ui.pages.ledger.confirm", lambda *a: False)
    page.view.selectRow(0)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert page.model.total == 3
    monkeypatch.setattr("app.ui.pages.ledger.confirm", lambda *a: True)
    page.view.selectRow(0)
    title = page.model.row_at(0).title
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert page.model.total == 2 and title not in [r.title for r in page.model.loaded_rows()]
    assert page.undo_button.isEnabled()
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    assert page.model.total == 3 and title in [r.title for r in page.model.loaded_rows()]


def test_ledger_model_passes_qt_model_checks(qtmodeltester, gui_app, db_path):
    _many_entries(db_path, 5)
    db = open_unlocked(str(db_path))
    model = LedgerTableModel(db)
    model.reload()
    assert model.rowCount() == 5
    qtmodeltester.check(model)
    db.close()


def test_export_excel_asks_for_the_file_writes_it_in_the_background_and_says_where(
    qtbot, dialogs, db_path, tmp_path
):
    from openpyxl import load_workbook

    _many_entries(db_path, 12)
    _window, page = _page(qtbot, db_path)
    page.text_filter.setText("第00")
    page.apply_filter()
    assert page.model.total == 10
    folder = tmp_path / "导出"
    folder.mkdir()
    dialogs.save_paths = [folder / "台账"]  # typed without .xlsx
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0 and page.export_button.isEnabled(), timeout=20000)
    written = folder / "台账.xlsx"
    assert page.export_status.text() == f"已导出 10 条台账到：{written}（姓名、身份证号码已脱敏）"
    assert page.export_status.isVisible() and page.open_folder_button.isVisible()
    book = load_workbook(written, read_only=True)
    titles = [row[3] for ws in book.worksheets[:-1] for row in ws.iter_rows(min_row=2, values_only=True)]  # fmt: skip
    assert sorted(titles) == [f"第{i:03d}条" for i in range(10)]
    qtbot.mouseClick(page.open_folder_button, Qt.MouseButton.LeftButton)
    assert dialogs.opened == [str(folder)]

    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)  # 取消 in the file dialog
    assert running_tasks() == 0 and sorted(p.name for p in folder.iterdir()) == ["台账.xlsx"]
    assert not dialogs.texts("warning")


def test_cancelling_an_export_writes_no_file_and_says_so(
    qtbot, dialogs, monkeypatch, db_path, tmp_path
):
    import threading
    import time

    from PySide6.QtWidgets import QPushButton

    from app.reports import ledger_xlsx

    _many_entries(db_path, 3)
    _window, page = _page(qtbot, db_path)
    real, started = ledger_xlsx.export_ledger_xlsx, threading.Event()

    def slow(session, flt, path, *, progress, full_names):  # a long export: reports progress
        started.set()
        for _ in range(1000):
            progress(0)
            time.sleep(0.01)
        return real(session, flt, path, progress=progress, full_names=full_names)

    monkeypatch.setattr(ledger_xlsx, "export_ledger_xlsx", slow)
    out = tmp_path / "台账.xlsx"
    dialogs.save_paths = [out]
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert started.wait(10)
    progress = page.findChild(QProgressDialog)
    qtbot.waitUntil(progress.isVisible, timeout=5000)
    assert not page.export_button.isEnabled()  # one export at a time
    cancel = next(b for b in progress.findChildren(QPushButton) if b.text() == "取消")
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0 and page.export_button.isEnabled(), timeout=20000)
    assert page.export_status.text() == "已取消，本次未导出。"
    assert not page.open_folder_button.isVisible()
    assert list(tmp_path.glob("*.xlsx")) == [] and not dialogs.texts("warning")


def test_an_export_that_cannot_be_written_is_explained(qtbot, dialogs, db_path, tmp_path):
    _many_entries(db_path, 2)
    _window, page = _page(qtbot, db_path)
    dialogs.save_paths = [tmp_path / "不存在的文件夹" / "台账.xlsx"]
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0 and page.export_button.isEnabled(), timeout=20000)
    assert dialogs.texts("warning") == [f"文件夹“{tmp_path / '不存在的文件夹'}”不存在，无法导出。"]
    assert page.export_status.text() == "导出未完成，未生成文件。"


def _entry_count(db_path) -> int:
    db = open_unlocked(str(db_path))
    with db.session() as s:
        count = s.scalar(select(func.count()).select_from(LedgerEntry))
    db.close()
    return count


def test_a_typed_impossible_date_is_refused_with_a_message_and_nothing_is_saved(
    qtbot, monkeypatch, dialogs, db_path
):
    _window, page = _page(qtbot, db_path)

    def fill(dialog: EntryDialog) -> None:
        _choose(dialog.kind, "其他工作")
        dialog.title.setText("走访瓯南司法所")
        dialog.entry_date.edit.clear()
        qtbot.keyClicks(dialog.entry_date.edit, "2018-02-30")

    seen = _drive(monkeypatch, fill)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = seen[0]
    assert not dialog.result()
    assert dialog.entry_date.error.text() == (
        "“2018-02-30”不是有效的日期，请按 2018-06-28 的格式填写，或点右边的按钮从日历中选择。"
    )
    assert dialog.entry_date.edit.text() == "2018-02-30"  # kept as typed, not made 2018-02-03
    assert _entry_count(db_path) == 0

    def fill_form_date(dialog: EntryDialog) -> None:
        _choose(dialog.kind, "宣传报道")
        dialog.title.setText("县电视台报道")
        dialog.fields_widget.set_value("media", "县电视台")
        field = dialog.fields_widget.editors["published_on"]
        qtbot.keyClicks(field.edit, "2018-02-30")

    seen = _drive(monkeypatch, fill_form_date)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    field = seen[0].fields_widget.editors["published_on"]
    assert not seen[0].result() and field.error.text().startswith("“2018-02-30”不是有效的日期")
    assert _entry_count(db_path) == 0


def test_dates_default_inside_the_programme_and_its_range_is_the_services(
    qtbot, monkeypatch, dialogs, db_path
):
    _window, page = _page(qtbot, db_path)

    def fill(dialog: EntryDialog) -> None:
        assert dialog.entry_date.value().year == 2018  # the programme's year, not today's
        _choose(dialog.kind, "宣传报道")
        offered = dialog.fields_widget.editors["published_on"]
        assert offered.value() is None  # empty until chosen
        assert (offered.date_range().earliest, offered.date_range().latest) == (
            date(2017, 1, 1),
            date(2019, 6, 30),
        )
        offered.calendar.parentWidget()  # the calendar exists
        offered._prepare_calendar()
        assert offered.calendar.yearShown() == 2018  # an empty field opens at the programme
        dialog.title.setText("县电视台报道")
        dialog.fields_widget.set_value("media", "县电视台")
        qtbot.keyClicks(offered.edit, "2019-07-01")

    seen = _drive(monkeypatch, fill)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    field = seen[0].fields_widget.editors["published_on"]
    assert field.error.text() == "“刊发日期”应在2017年1月1日至2019年6月30日之间。"
    assert _entry_count(db_path) == 0


def test_esc_on_a_changed_form_asks_and_no_keeps_it_open_with_its_text(
    qtbot, monkeypatch, dialogs, db_path
):
    _window, page = _page(qtbot, db_path)
    states = []

    def exec_(dialog: EntryDialog) -> int:
        dialog.show()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # unchanged: closes without asking
        states.append((dialog.isVisible(), len(dialogs.shown)))
        dialog.show()
        dialog.title.setFocus()
        dialog.title.insert("走访瓯南司法所")  # as an input method commits it
        dialogs.confirm = False
        qtbot.keyClick(dialog.title, Qt.Key.Key_Escape)
        states.append((dialog.isVisible(), dialog.title.text()))
        dialogs.confirm = True
        qtbot.keyClick(dialog.title, Qt.Key.Key_Escape)
        states.append(dialog.isVisible())
        return dialog.result()

    monkeypatch.setattr(EntryDialog, "exec", exec_)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert states == [(False, 0), (True, "走访瓯南司法所"), False]
    assert dialogs.texts("question") == ["表单中有尚未保存的修改。确定不保存就关闭吗？"] * 2
    assert _entry_count(db_path) == 0


def test_a_single_error_below_the_fold_is_scrolled_into_view(qtbot, monkeypatch, dialogs, db_path):
    _window, page = _page(qtbot, db_path)
    seen = []

    def exec_(dialog: EntryDialog) -> int:
        dialog.show()
        dialog.resize(dialog.minimumSize())  # as on a small screen
        _choose(dialog.kind, "修心教育法律讲座")  # needs a photo, whose strip is further down
        dialog.title.setText("温溪司法所修心教育法律讲座")
        form = dialog.fields_widget
        for name, value in (("lecturer", "陈昇律师"), ("lecturer_role", "律师"),
                            ("topic", "社区矫正对象的权利义务"), ("attendees", "20")):  # fmt: skip
            form.set_value(name, value)
        assert dialog.photos.error.visibleRegion().isEmpty()
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        seen.append(dialog)
        return dialog.result()

    monkeypatch.setattr(EntryDialog, "exec", exec_)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = seen[0]
    assert dialog.isVisible() and not dialog.general_error.isVisible()
    assert dialog.photos.error.text() == "“修心教育法律讲座”至少要附 1 张照片。"
    assert not dialog.photos.error.visibleRegion().isEmpty()
    assert _entry_count(db_path) == 0
    dialog.hide()


def _department_entry(db_path) -> int:
    db = open_unlocked(str(db_path))
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        entry_id = ledger.save_entry(s, db.attachments, None, EntryInput(
            kind_id=kinds["other"], unit_id=units["法律援助中心"], entry_date=date(2018, 7, 2),
            title="走访瓯南司法所"))  # fmt: skip
    db.close()
    return entry_id


def test_the_reporting_unit_is_locked_when_editing_and_the_county_is_told_who_owns_it(
    qtbot, monkeypatch, dialogs, db_path
):
    entry_id = _department_entry(db_path)
    _window, page = _page(qtbot, db_path)

    def new(dialog: EntryDialog) -> None:  # the county registers for any unit
        assert dialog.unit.isEnabled() and dialog.note.isHidden()
        dialog.cancel_button.click()

    drive_dialog(monkeypatch, EntryDialog, new)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)

    def edit(dialog: EntryDialog) -> None:
        assert not dialog.unit.isEnabled() and dialog.unit.currentText() == "法律援助中心"
        assert dialog.note.isVisibleTo(dialog)
        assert dialog.note.text().startswith(
            "这条台账由法律援助中心填报，修改后仍是法律援助中心的台账"
        )
        assert "待核对的冲突" in dialog.note.text()
        dialog.title.setText("走访瓯南司法所（县里补充）")

    seen = drive_dialog(monkeypatch, EntryDialog, edit)
    page.view.selectRow(0)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    assert seen[0].result()
    db = open_unlocked(str(db_path))
    with db.session() as s:
        stored = s.get(LedgerEntry, entry_id)
        assert stored.title == "走访瓯南司法所（县里补充）"
        assert stored.owner_unit_id == unit_ids(s)["法律援助中心"]
    db.close()
    assert page.model.row_at(0).title == "走访瓯南司法所（县里补充）"


def test_a_departments_pc_registers_only_its_own_entries(qtbot, monkeypatch, dialogs, tmp_path):
    from app.services.setup import initialise
    from tests.conftest import TEMPLATE_KEY

    path = tmp_path / "department.db"
    initialise(str(path), TEMPLATE_KEY, "法律援助中心").database.close()
    _department_entry(path)
    _window, page = _page(qtbot, path)
    checks = []

    def look(dialog: EntryDialog) -> None:
        checks.append((dialog.unit.isEnabled(), dialog.unit.currentText(), dialog.note.isHidden()))
        dialog.cancel_button.click()

    drive_dialog(monkeypatch, EntryDialog, look)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    page.view.selectRow(0)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    assert checks == [(False, "法律援助中心", True)] * 2


def test_the_entry_dialog_fits_the_screen(qtbot, gui_app, db_path):
    entry_id = _department_entry(db_path)
    _window, page = _page(qtbot, db_path)
    for opened in (None, entry_id):
        dialog = page.make_entry_dialog(opened)
        qtbot.addWidget(dialog)
        _choose(dialog.kind, "法律援助")  # the longest form
        assert_fits_screen(dialog)
        dialog.hide()


def test_a_locked_database_while_saving_is_explained_and_the_form_stays_open(
    qtbot, monkeypatch, dialogs, db_path
):
    import sqlite3

    from sqlalchemy import event

    _window, page = _page(qtbot, db_path)

    def fill(dialog: EntryDialog) -> None:
        _choose(dialog.kind, "其他工作")
        dialog.title.setText("走访瓯南司法所")

    seen = _drive(monkeypatch, fill)
    engine = page.database.engine
    event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA busy_timeout=100"))
    engine.dispose()  # new connections wait 0.1 s for a lock, not 5 s
    blocker = sqlite3.connect(db_path)
    blocker.execute("BEGIN EXCLUSIVE")  # another program holds the database
    try:
        qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    finally:
        blocker.rollback()
        blocker.close()
    dialog = seen[0]
    assert not dialog.result() and dialog.title.text() == "走访瓯南司法所"
    assert dialogs.texts("warning") and "数据库正被另一个程序占用" in dialogs.texts("warning")[0]
    assert "没有保存" in dialog.general_error.text()
    assert _entry_count(db_path) == 0


def test_the_date_filters_narrow_the_list_once_a_date_is_complete(qtbot, dialogs, db_path):
    _many_entries(db_path, 24)  # two a month, 2018-01 to 2018-12
    _window, page = _page(qtbot, db_path)
    assert page.model.total == 24 and page.date_from.value() is None  # empty: no limit
    page.date_from.edit.setFocus()
    qtbot.keyClicks(page.date_from.edit, "2018-07-0")
    assert page.model.total == 24  # not yet a date: the list stays as it was
    qtbot.keyClicks(page.date_from.edit, "1")
    assert page.model.total == 12
    qtbot.keyClicks(page.date_to.edit, "2018-7-31")
    assert page.model.total == 2
    page.date_to.edit.clear()
    qtbot.keyClicks(page.date_to.edit, "2018-02-30")
    qtbot.keyClick(page.date_to.edit, Qt.Key.Key_Return)  # finished typing: told what is wrong
    assert page.date_to.error.text().startswith("“2018-02-30”不是有效的日期")
    qtbot.mouseClick(page.clear_button, Qt.MouseButton.LeftButton)
    assert page.model.total == 24 and page.date_from.edit.text() == ""
    assert page.date_to.edit.text() == "" and page.date_to.error.isHidden()


def test_photos_are_added_and_removed_with_the_buttons(
    qtbot, monkeypatch, dialogs, db_path, tmp_path
):
    _window, page = _page(qtbot, db_path)
    photo = make_jpeg(tmp_path / "现场.jpg")
    dialogs.open_paths = [[photo]]
    counts = []

    def fill(dialog: EntryDialog) -> None:
        _choose(dialog.kind, "其他工作")
        dialog.title.setText("走访瓯南司法所")
        qtbot.mouseClick(dialog.photos.add_button, Qt.MouseButton.LeftButton)
        counts.append(dialog.photos.list.count())
        dialog.photos.list.setCurrentRow(0)
        qtbot.mouseClick(dialog.photos.remove_button, Qt.MouseButton.LeftButton)
        counts.append(dialog.photos.list.count())

    seen = _drive(monkeypatch, fill)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert counts == [1, 0] and seen[0].result()
    assert page.model.row_at(0).photo_count == 0


def test_an_identity_number_without_a_name_is_asked_for_not_dropped(
    qtbot, monkeypatch, gui_app, db_path
):
    _window, page = _page(qtbot, db_path)
    before = dump(db_path)

    def fill(dialog: EntryDialog) -> None:
        _choose(dialog.kind, "司法鉴定便利服务")
        dialog.entry_date.setValue(date(2018, 7, 12))
        dialog.title.setText("鉴定便利服务")
        dialog.fields_widget.set_value("service", "鉴定")
        dialog.subject_name.setText("   ")  # no name, but a number
        dialog.subject_id_number.setText(valid_id_number())

    seen = _drive(monkeypatch, fill)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    (dialog,) = seen
    assert dialog.result() == 0  # not saved: the name is asked for
    errors = [label.text() for label in dialog.findChildren(QLabel) if label.isVisibleTo(dialog)]
    assert any("请填写社区矫正对象姓名" in text for text in errors), errors
    assert dump(db_path) == before
