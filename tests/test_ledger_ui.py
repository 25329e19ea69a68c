"""The 工作台账 page with real widgets: fill the form with a photo, find it, refuse bad input."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from sqlalchemy import func, select

from app.models import LedgerEntry
from app.services import ledger
from app.services.database import open_database
from app.services.ledger import EntryInput
from app.ui.ledger.entry_dialog import EntryDialog
from app.ui.ledger.table_model import PAGE_SIZE, LedgerTableModel
from app.ui.main_window import MainWindow
from app.ui.pages.ledger import LedgerPage
from tests.helpers import drive_dialog, kind_ids, make_jpeg, unit_ids, valid_id_number


def _page(qtbot, db_path) -> tuple[MainWindow, LedgerPage]:
    window = MainWindow(open_database(str(db_path)))
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
        dialog.entry_date.setDate(QDate(2018, 7, 12))
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
    page.date_from.setDate(QDate(2018, 7, 1))
    page.date_to.setDate(QDate(2018, 7, 31))
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
    db = open_database(str(db_path))
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 0
    db.close()


def test_identity_numbers_are_masked_in_the_list_but_not_in_the_form(qtbot, gui_app, db_path):
    db = open_database(str(db_path))
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
    db = open_database(str(db_path))
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
    db = open_database(str(db_path))
    model = LedgerTableModel(db)
    model.reload()
    assert model.rowCount() == 5
    qtmodeltester.check(model)
    db.close()


def test_export_runs_in_the_background_and_writes_the_filtered_list(
    qtbot, gui_app, db_path, tmp_path
):
    from openpyxl import load_workbook

    _many_entries(db_path, 12)
    _window, page = _page(qtbot, db_path)
    page.text_filter.setText("第00")
    page.apply_filter()
    assert page.model.total == 10
    out = tmp_path / "台账.xlsx"
    task = page.export(out)
    with qtbot.waitSignal(task.finished, timeout=20000):
        pass
    assert "已导出 10 条" in page.count_label.text()
    sheet = load_workbook(out, read_only=True)["工作台账"]
    titles = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == [f"第{i:03d}条" for i in range(10)]
