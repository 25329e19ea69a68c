"""The 核查 list opened from 工作台账 (核查…): flags listed, entries opened, a flag explained,
a rectification item raised, the list saved as Excel — all by clicking."""

from __future__ import annotations

from datetime import date

import openpyxl
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import func, select

from app.models import RectificationItem
from app.services.evidence_check import EXIF_FAR, SAME_PHOTO, SAME_TEXT
from app.ui.dialogs.evidence_dialog import EvidenceCheckDialog, ExplainDialog, RaiseDialog
from app.ui.ledger.entry_dialog import EntryDialog
from app.ui.operations import running_tasks
from tests.conftest import open_unlocked
from tests.helpers import assert_fits_screen, drive_dialog, open_page
from tests.test_evidence_check import seed_cases

SHOTS = "/tmp/check17-shots"


def _row_of(dialog: EvidenceCheckDialog, kind: str) -> int:
    return next(i for i, f in enumerate(dialog.flags) if f.kind == kind)


def _click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_check_list_is_clicked_through(
    qtbot,
    monkeypatch,
    dialogs,
    db_path,
    database,
    tmp_path,
):
    import os

    seed_cases(database, tmp_path)

    os.makedirs(SHOTS, exist_ok=True)
    page = open_page(qtbot, db_path, "ledger")
    shown: list[QDialog] = []

    def show_instead(dialog: QDialog) -> int:  # the list stays open for the test to click
        shown.append(dialog)
        dialog.show()
        return 0

    monkeypatch.setattr(EvidenceCheckDialog, "exec", show_instead)
    _click(qtbot, page.check_button)
    check = shown[0]
    qtbot.addWidget(check)
    qtbot.waitUntil(lambda: running_tasks() == 0 and check.table.rowCount() > 0, timeout=30000)
    assert_fits_screen(check)
    kinds = [check.table.item(r, 0).text() for r in range(check.table.rowCount())]
    assert kinds[0] == "同一照片用于多条台账" and "照片缺少拍摄信息" in kinds
    assert check.count_label.text() == "共 5 处，待处理 5 处"

    # the same photo: its three entries listed; 打开台账 opens the second in the entry form
    check.table.selectRow(_row_of(check, SAME_PHOTO))
    assert check.entries.count() == 3
    check.grab().save(f"{SHOTS}/核查清单.png")
    opened: list[EntryDialog] = []

    def look(dialog: EntryDialog) -> int:
        opened.append(dialog)
        return 0

    monkeypatch.setattr(EntryDialog, "exec", look)
    check.entries.setCurrentRow(1)
    _click(qtbot, check.open_button)
    assert opened and opened[0].title.text() == "法律咨询活动"

    # 标记已说明… on the identical texts
    check.table.selectRow(_row_of(check, SAME_TEXT))
    explained = drive_dialog(monkeypatch, ExplainDialog,
                             lambda d: (assert_fits_screen(d),
                                        d.note.setPlainText("上午、下午各一场")))  # fmt: skip
    _click(qtbot, check.explain_button)
    assert explained
    qtbot.waitUntil(lambda: running_tasks() == 0 and "待处理 4 处" in check.count_label.text(),
                    timeout=30000)  # fmt: skip
    row = _row_of(check, SAME_TEXT)
    assert check.table.item(row, 4).text() == "已说明"
    check.table.selectRow(row)
    assert "上午、下午各一场" in check.note_label.text()

    # 提出整改… on the shifted EXIF date: an item for the unit, the flag then closed to change
    check.table.selectRow(_row_of(check, EXIF_FAR))

    def fill(d: RaiseDialog) -> None:
        assert_fits_screen(d)
        assert d.responsible_unit.currentText() == "律师管理科"
        d.inspection_date.setValue(date(2018, 9, 1))
        d.deadline.setValue(date(2018, 9, 30))
        d.inspectors.setText("县矫正办 李明")

    drive_dialog(monkeypatch, RaiseDialog, fill)
    _click(qtbot, check.raise_button)
    qtbot.waitUntil(lambda: running_tasks() == 0 and "待处理 3 处" in check.count_label.text(),
                    timeout=30000)  # fmt: skip
    row = _row_of(check, EXIF_FAR)
    assert check.table.item(row, 4).text() == "已提出整改"
    check.table.selectRow(row)
    assert not check.explain_button.isEnabled() and not check.raise_button.isEnabled()
    check.grab().save(f"{SHOTS}/核查清单-已处理.png")
    db = open_unlocked(str(db_path))
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(RectificationItem)) == 1
    finally:
        db.close()

    # 导出 Excel…: the list as shown
    out = tmp_path / "核查.xlsx"
    dialogs.save_paths.append(out)
    _click(qtbot, check.export_button)
    rows = list(openpyxl.load_workbook(out)["台账核查"].iter_rows(values_only=True))
    assert len(rows) == 6 and {r[5] for r in rows[1:]} == {"待处理", "已说明", "已提出整改"}
