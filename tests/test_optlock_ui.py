"""已被他人修改 in the window (issue 18): two windows (two clerks' programs) on one database
open the same ledger entry; the first saves, the second clicks 保存 and answers the real
conflict dialog: 返回继续编辑, then 以我的为准保存; or 采用他人的; a delete from the list is
refused the same way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton
from sqlalchemy import select

from app.models import AuditEntry, LedgerEntry
from app.services import ledger
from app.ui.dialogs.conflict_dialog import ConflictDialog
from app.ui.main_window import MainWindow
from app.ui.pages.ledger import LedgerPage
from tests.conftest import open_unlocked
from tests.helpers import assert_fits_screen, kind_ids, unit_ids
from tests.test_optlock import clerk


def _entry(db_path) -> int:
    db = open_unlocked(str(db_path))
    try:
        with db.session() as s:
            units, kinds = unit_ids(s), kind_ids(s)
            return ledger.save_entry(s, db.attachments, None, ledger.EntryInput(
                kind_id=kinds["hotline"], unit_id=units["法律援助中心"],
                entry_date=date(2018, 7, 2), title="热线咨询", values={"calls": 2},
            ))  # fmt: skip
    finally:
        db.close()


def _page(qtbot, db_path, user_id: int, name: str, display: str) -> LedgerPage:
    database = open_unlocked(str(db_path))
    database.actor = clerk(user_id, name, display)
    window = MainWindow(database)
    qtbot.addWidget(window)
    window.show()
    page = window.open_section("ledger")
    assert isinstance(page, LedgerPage)
    return page


def _stored(db_path, entry_id: int) -> tuple[str, bool]:
    db = open_unlocked(str(db_path))
    try:
        with db.session() as s:
            entry = s.get_one(LedgerEntry, entry_id)
            return entry.title, entry.deleted
    finally:
        db.close()


def answer(qtbot, button: Callable[[ConflictDialog], QPushButton], seen: list) -> None:
    """When the conflict dialog is up (modal, in its own event loop), note what it shows and
    click ``button`` of it."""

    def look() -> None:
        shown = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, ConflictDialog) and w.isVisible()]  # fmt: skip
        if not shown:
            QTimer.singleShot(20, look)
            return
        dialog = shown[0]
        assert_fits_screen(dialog)
        table = dialog.table
        rows = {
            table.item(r, 0).text(): (table.item(r, 1).text(), table.item(r, 2).text())
            for r in range(table.rowCount())
        }
        seen.append((dialog.who_label.text(), rows, dialog))
        qtbot.mouseClick(button(dialog), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, look)


def test_the_second_window_saving_gets_the_conflict_and_chooses(qtbot, gui_app, db_path, dialogs):
    entry_id = _entry(db_path)
    zhang = _page(qtbot, db_path, 1, "zhang", "张科员")
    li = _page(qtbot, db_path, 2, "li", "李科员")
    first, second = zhang.make_entry_dialog(entry_id), li.make_entry_dialog(entry_id)
    assert first is not None and second is not None
    for dialog in (first, second):
        qtbot.addWidget(dialog)
        dialog.show()
    first.title.setText("热线咨询（张科员改）")
    qtbot.mouseClick(first.ok_button, Qt.MouseButton.LeftButton)
    assert first.result() and _stored(db_path, entry_id)[0] == "热线咨询（张科员改）"

    second.title.setText("热线咨询（李科员改）")
    seen: list = []
    answer(qtbot, lambda d: d.back_button, seen)  # 返回继续编辑: nothing lost
    qtbot.mouseClick(second.ok_button, Qt.MouseButton.LeftButton)
    who, rows, _dialog = seen[0]
    assert "张科员" in who
    assert rows["标题"] == ("热线咨询（张科员改）", "热线咨询（李科员改）")
    assert second.isVisible() and second.title.text() == "热线咨询（李科员改）"
    assert _stored(db_path, entry_id)[0] == "热线咨询（张科员改）"
    assert "已被张科员" in second.general_error.text()

    answer(qtbot, lambda d: d.overwrite_button, seen)  # 以我的为准保存, then confirmed
    qtbot.mouseClick(second.ok_button, Qt.MouseButton.LeftButton)
    assert len(seen) == 2 and any("覆盖" in t for t in dialogs.texts("question"))
    assert not second.isVisible() and second.result()
    assert _stored(db_path, entry_id)[0] == "热线咨询（李科员改）"
    db = open_unlocked(str(db_path))
    try:
        with db.session() as s:
            lines = list(
                s.scalars(select(AuditEntry.display_name).where(AuditEntry.kind == "overwrite"))
            )
    finally:
        db.close()
    assert lines == ["李科员"]


def test_taking_the_other_version_closes_the_form_without_saving(qtbot, gui_app, db_path, dialogs):
    entry_id = _entry(db_path)
    zhang = _page(qtbot, db_path, 1, "zhang", "张科员")
    li = _page(qtbot, db_path, 2, "li", "李科员")
    first, second = zhang.make_entry_dialog(entry_id), li.make_entry_dialog(entry_id)
    assert first is not None and second is not None
    for dialog in (first, second):
        qtbot.addWidget(dialog)
        dialog.show()
    first.title.setText("热线咨询（张科员改）")
    qtbot.mouseClick(first.ok_button, Qt.MouseButton.LeftButton)
    second.title.setText("热线咨询（李科员改）")
    seen: list = []
    answer(qtbot, lambda d: d.theirs_button, seen)
    qtbot.mouseClick(second.ok_button, Qt.MouseButton.LeftButton)
    assert seen and not second.isVisible() and not second.result()
    assert dialogs.texts("question") == []  # closed without asking about unsaved changes
    assert _stored(db_path, entry_id)[0] == "热线咨询（张科员改）"


def test_deleting_from_the_list_an_entry_changed_meanwhile(qtbot, gui_app, db_path, dialogs):
    entry_id = _entry(db_path)
    li = _page(qtbot, db_path, 2, "li", "李科员")  # lists the entry as it is now
    other_pc = open_unlocked(str(db_path))  # 张科员 saves it on another PC meanwhile
    other_pc.actor = clerk(1, "zhang", "张科员")
    try:
        with other_pc.session() as s:
            entry = s.get_one(LedgerEntry, entry_id)
            entry.title = "热线咨询（张科员改）"
    finally:
        other_pc.close()
    li.view.selectRow(0)
    seen: list = []
    answer(qtbot, lambda d: d.theirs_button, seen)  # 不删除
    qtbot.mouseClick(li.delete_button, Qt.MouseButton.LeftButton)
    _who, rows, dialog = seen[0]
    assert dialog.conflict.deleting and not dialog.back_button.isVisible()
    assert "张科员" in dialog.who_label.text()
    assert rows["标题"] == ("热线咨询（张科员改）", "（删除）")
    assert _stored(db_path, entry_id) == ("热线咨询（张科员改）", False)
    assert li.model.row_at(0).title == "热线咨询（张科员改）"  # the list shows it now
    li.view.selectRow(0)
    qtbot.mouseClick(li.delete_button, Qt.MouseButton.LeftButton)  # listed again: deleted
    assert _stored(db_path, entry_id)[1] is True
