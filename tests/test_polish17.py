"""Issue 17's new-clerk pass (polish 17): what the clerk sees around saved files, closed
periods, 核实, 核查, the import template and the first 管理员."""

from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

SHOTS = os.environ.get("BANGJIAO_SHOTS", "")  # a folder for the pictures, when asked for


def _shot(widget, name: str) -> None:
    """Keep a picture of ``widget`` for the reviewer (only when BANGJIAO_SHOTS names a
    folder: an ordinary test run writes nothing outside its temporary folders)."""
    if SHOTS and Path(SHOTS).is_dir():
        widget.grab().save(str(Path(SHOTS) / f"polish17-{name}.png"))


def _no_program_for_anything(monkeypatch, tmp_path: Path) -> None:
    """A Linux PC where no program is set for any file type: xdg-mime names none, while Qt's
    openUrl still reports success (it only starts xdg-open)."""
    empty = tmp_path / "xdg-empty"
    empty.mkdir()
    for name in ("XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "XDG_DATA_DIRS"):
        monkeypatch.setenv(name, str(empty))


# 1. a saved file that no program opens ------------------------------------------------------


def test_a_volume_saved_where_no_program_opens_pdfs_says_where_it_is(
    qtbot, dialogs, monkeypatch, db_path, tmp_path, caplog
):
    from app.ui.dialogs.volume_dialog import VolumeDialog
    from app.ui.operations import running_tasks
    from tests.helpers import drive_dialog, open_page
    from tests.test_ledger_volume import UNIT, _fill_db

    _fill_db(db_path, tmp_path, 1)
    page = open_page(qtbot, db_path, "ledger")
    _no_program_for_anything(monkeypatch, tmp_path)
    assert dialogs.viewer_installed  # openUrl says yes, as Qt does on Linux

    def fill(dialog: VolumeDialog) -> None:
        dialog.unit.setCurrentIndex(dialog.unit.findText(UNIT))
        dialog.date_from.setValue(date(2018, 7, 1))
        dialog.date_to.setValue(date(2018, 12, 31))

    drive_dialog(monkeypatch, VolumeDialog, fill)
    written = tmp_path / "卷.pdf"
    dialogs.save_paths = [written]
    with caplog.at_level(logging.WARNING, logger="bangjiao"):
        qtbot.mouseClick(page.volume_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    assert written.exists()
    assert not dialogs.opened  # nothing handed to a program that is not there
    notice = dialogs.texts("information")[-1]
    assert "已保存到" in notice and str(written) in notice and "PDF 的程序" in notice
    assert any(str(written) in r.getMessage() for r in caplog.records)


def test_a_file_opens_where_the_pc_has_a_program_for_it(qtbot, dialogs, tmp_path):
    from PySide6.QtWidgets import QWidget

    from app.ui.desktop import has_program_for, open_with_system

    parent = QWidget()
    qtbot.addWidget(parent)
    saved = tmp_path / "表.xlsx"
    saved.write_bytes(b"PK")
    assert has_program_for(saved)
    assert open_with_system(parent, saved)
    assert dialogs.opened == [str(saved)] and not dialogs.shown


# 2. an entry of a closed period shows it before 保存 -------------------------------------


def _select_title(qtbot, page, title: str):
    """Select the list row of the entry called ``title``; the row."""
    for n, row in enumerate(page.model.loaded_rows()):
        if row.title == title:
            index = page.model.index(n, 0)
            page.view.scrollTo(index)
            rect = page.view.visualRect(page.model.index(n, 3))
            qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            return n
    raise AssertionError(f"no row {title}")


def test_an_entry_of_a_closed_period_says_so_and_cannot_be_saved_or_deleted(
    qtbot, dialogs, monkeypatch, database, db_path
):
    from app.ui.ledger.entry_dialog import EntryDialog
    from tests.helpers import assert_fits_screen, open_page
    from tests.test_period_locks import _adopted

    _adopted(database)  # 热线咨询 of 法律援助中心, 2018-07-02, its whole-year summary adopted
    page = open_page(qtbot, db_path, "ledger")
    n = _select_title(qtbot, page, "热线咨询")
    date_cell = page.model.index(n, 0)
    assert date_cell.data(Qt.ItemDataRole.DecorationRole) is not None  # the padlock
    assert "已由县矫正办采用并锁定" in date_cell.data(Qt.ItemDataRole.ToolTipRole)
    assert not page.delete_button.isEnabled()
    assert "锁定" in page.delete_button.toolTip()
    _shot(page.window(), "ledger-locked-row")

    seen = []

    def look(dialog):
        dialog.show()
        assert_fits_screen(dialog)
        _shot(dialog, "entry-locked")
        seen.append(dialog)
        return 0

    monkeypatch.setattr(EntryDialog, "exec", look)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    dialog = seen[0]
    assert dialog.lock_note.isVisible()
    text = dialog.lock_note.text()
    assert text.startswith("本条记录所在的") and "已由县矫正办采用并锁定" in text
    assert "解锁" in text
    assert dialog.ok_button.isVisible() and not dialog.ok_button.isEnabled()
    assert dialog.title.isReadOnly()


def test_an_open_entry_has_no_lock_note(qtbot, dialogs, monkeypatch, database, db_path):
    from dataclasses import replace

    from app.services import ledger
    from app.ui.ledger.entry_dialog import EntryDialog
    from tests.helpers import open_page
    from tests.test_period_locks import _adopted

    _entry, _summary, data = _adopted(database)
    with database.session() as s:  # after the period the summary reported on: open
        ledger.save_entry(s, database.attachments, None,
                          replace(data, entry_date=date(2018, 11, 20), title="十一月热线"))  # fmt: skip
    page = open_page(qtbot, db_path, "ledger")
    n = _select_title(qtbot, page, "十一月热线")
    assert page.model.index(n, 0).data(Qt.ItemDataRole.DecorationRole) is None
    assert page.delete_button.isEnabled()
    seen = []
    monkeypatch.setattr(EntryDialog, "exec", lambda d: seen.append(d) or 0)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    assert not hasattr(seen[0], "lock_note") and seen[0].ok_button.isEnabled()


# 3./4. 阶段总结: an unlocked adoption, and why 解锁台账… is disabled --------------------------


def _summaries_row(qtbot, page, department: str) -> int:
    page.period.setCurrentIndex(page.period.findData(None))  # the whole year
    n = next(i for i, r in enumerate(page.model.rows()) if r.department == department)
    rect = page.view.visualRect(page.view.model().index(n, 0))
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    return n


def test_an_unlocked_adoption_reads_so_and_the_unlock_button_says_why_it_is_disabled(
    qtbot, dialogs, monkeypatch, database, db_path
):
    from app.ui.dialogs.summary_dialogs import UnlockDialog
    from tests.helpers import drive_dialog, open_page
    from tests.test_period_locks import _adopted

    _adopted(database)
    page = open_page(qtbot, db_path, "summaries")
    _summaries_row(qtbot, page, "基层科")  # not started: nothing to unlock
    assert not page.unlock_button.isEnabled()
    assert "只有已采用的总结才能解锁其台账" in page.unlock_button.toolTip()
    assert "采纳或退回" not in page.unlock_button.toolTip()
    n = _summaries_row(qtbot, page, "法律援助中心")
    state = page.view.model().index(n, 1)
    assert state.data(Qt.ItemDataRole.DisplayRole) == "已采用"
    assert page.unlock_button.isEnabled()

    drive_dialog(monkeypatch, UnlockDialog, lambda d: d.reason.setPlainText("补充遗漏的照片"))
    qtbot.mouseClick(page.unlock_button, Qt.MouseButton.LeftButton)
    n = _summaries_row(qtbot, page, "法律援助中心")
    state = page.view.model().index(n, 1)
    assert state.data(Qt.ItemDataRole.DisplayRole) == "已采用（已解锁）"
    assert "已解锁" in state.data(Qt.ItemDataRole.ToolTipRole)
    assert not page.unlock_button.isEnabled()
    assert "已解锁" in page.unlock_button.toolTip()
    _shot(page.window(), "summaries-unlocked")


def test_a_role_that_may_not_unlock_is_told_so_in_the_buttons_words(qtbot, db_path):
    from app.services import accounts
    from app.ui.main_window import MainWindow
    from tests.conftest import open_unlocked

    database = open_unlocked(str(db_path))
    with database.session() as s:
        accounts.add_user(s, "viewer", "role-pass-1", "查看", check=False)
    with database.session() as s:
        database.actor = accounts.authenticate(s, "viewer", "role-pass-1")
    window = MainWindow(database)
    qtbot.addWidget(window)
    window.show()
    page = window.open_section("summaries")
    assert not page.unlock_button.isEnabled()
    tip = page.unlock_button.toolTip()
    assert "查看" in tip and "不能解锁台账" in tip and "采纳或退回" not in tip
    assert "采纳或退回" in page.accept_button.toolTip()  # the others keep the permission's words


# 6. 核查: rows that say what differs, with the photo in question ------------------------------


def test_the_check_list_names_the_entries_and_shows_the_photos(
    qtbot, monkeypatch, dialogs, db_path, database, tmp_path
):
    from PySide6.QtWidgets import QDialog

    from app.services.evidence_check import SAME_PHOTO, SAME_TEXT
    from app.ui.dialogs.evidence_dialog import (
        ENTRIES_COLUMN,
        PHOTO_COLUMN,
        EvidenceCheckDialog,
    )
    from app.ui.operations import running_tasks
    from tests.helpers import assert_fits_screen, open_page
    from tests.test_evidence_check import seed_cases

    seed_cases(database, tmp_path)
    page = open_page(qtbot, db_path, "ledger")
    shown: list[QDialog] = []
    monkeypatch.setattr(EvidenceCheckDialog, "exec", lambda d: shown.append(d) or d.show() or 0)
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    check = shown[0]
    qtbot.addWidget(check)
    qtbot.waitUntil(lambda: running_tasks() == 0 and check.table.rowCount() > 0, timeout=30000)
    assert_fits_screen(check)
    rows = {f.kind: n for n, f in enumerate(check.flags)}
    same = check.table.item(rows[SAME_PHOTO], ENTRIES_COLUMN).text()
    assert "7月12日 律师管理科：修心教育法律讲座" in same and "法律援助中心" in same
    texts = [check.table.item(r, ENTRIES_COLUMN).text() for r in range(check.table.rowCount())]
    assert len(set(texts)) > 1 and all(texts)  # rows tell their entries apart
    photo = check.table.item(rows[SAME_PHOTO], PHOTO_COLUMN)
    assert photo.data(Qt.ItemDataRole.DecorationRole) is not None  # the thumbnail
    assert check.table.item(rows[SAME_TEXT], PHOTO_COLUMN).data(
        Qt.ItemDataRole.DecorationRole) is None  # fmt: skip

    check.table.selectRow(rows[SAME_PHOTO])
    flag = check.flags[rows[SAME_PHOTO]]
    assert check.photos.isVisible() and check.photos.count() == len(flag.photos) >= 2
    assert all(not check.photos.item(i).icon().isNull() for i in range(check.photos.count()))
    _shot(check, "evidence-check")
    check.table.selectRow(rows[SAME_TEXT])
    assert not check.photos.isVisible()


# 7. the import template offers only the units that keep a ledger ---------------------------


def test_the_template_offers_only_ledger_units_and_the_import_refuses_the_others(
    database, tmp_path
):
    import openpyxl

    from app.services.ledger_import import ImportRefused, import_ledger_workbook
    from tests.helpers import dump
    from tests.test_ledger_import import fill, funding_row, template

    path = template(database, tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book["经费保障"]
    lists = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    cells = lists["B2:B1001"].formula1.split("!")[1].replace("$", "")
    offered = [row[0].value for row in book["选项"][cells]]
    assert "办公室（政治处）" in offered and "腊口司法所" in offered
    assert "市矫正办" not in offered and {"县矫正办", "社区矫正科"} <= set(offered)

    rows = [funding_row(1), funding_row(2)]
    rows[1][1] = "市矫正办"  # typed over the drop-down
    bad = fill(path, tmp_path / "台账.xlsx", "经费保障", rows)
    before = dump(database)
    with pytest.raises(ImportRefused) as refused, database.session() as s:
        import_ledger_workbook(s, database.attachments, bad)
    assert refused.value.result.errors == [
        (
            "经费保障",
            3,
            "填报单位",
            "“市矫正办”不填报工作台账，填报单位请从下拉列表中选择本县的单位。",
        )
    ]
    assert dump(database) == before


# 8. the first 管理员's intro stays whole when the error line shows ----------------------------


def test_the_first_admin_intro_stays_whole_under_an_error(qtbot, gui_app, tmp_path):
    from app.services.setup import initialise
    from app.ui.dialogs.account_dialogs import FirstAdminDialog
    from tests.helpers import assert_fits_screen

    path = tmp_path / "old.db"
    database = initialise(str(path), "qingtian-2018", "县矫正办").database  # no users yet
    dialog = FirstAdminDialog(database, "县矫正办", required=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    intro = dialog.intro
    assert intro.height() >= intro.heightForWidth(intro.width())
    dialog.name.setText("王管理")
    dialog.password.setText("office-pass-1")
    dialog.repeat.setText("office-pass-2")
    qtbot.mouseClick(dialog.ok_button(), Qt.MouseButton.LeftButton)
    assert dialog.error.isVisible() and "不一致" in dialog.error.text()
    qtbot.wait(50)  # the layout settles
    assert intro.height() >= intro.heightForWidth(intro.width())  # every line of it shown
    assert dialog.error.height() >= dialog.error.heightForWidth(dialog.error.width())
    assert_fits_screen(dialog)
    _shot(dialog, "first-admin-error")
    database.close()


# 9. the command line's --out, one helper for ledger and ledger check ----------------------


@pytest.mark.parametrize(
    ("command", "suffix"),
    [
        (["check"], ".xlsx"),
        (["export"], ".xlsx"),
        (["template"], ".xlsx"),
        (
            ["volume", "--unit", "法律援助中心", "--from", "2018-07-01", "--to", "2018-12-31"],
            ".pdf",
        ),
    ],
)
def test_every_ledger_command_checks_its_out_file_alike(db_path, tmp_path, capsys, command, suffix):
    from app.cli import main
    from tests.helpers import dump

    wrong = tmp_path / "结果.txt"
    before = dump(db_path)
    assert main(["--db", str(db_path), "ledger", *command, "--out", str(wrong)]) == 2
    message = capsys.readouterr().err
    assert f"文件名应以 {suffix} 结尾：“{wrong}”" in message
    assert not wrong.exists() and dump(db_path) == before
    right = tmp_path / f"结果{suffix}"
    if command[0] in ("check", "template"):
        assert main(["--db", str(db_path), "ledger", *command, "--out", str(right)]) == 0
        assert right.exists() and str(right) in capsys.readouterr().out
