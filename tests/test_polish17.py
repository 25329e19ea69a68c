"""Issue 17's new-clerk pass (polish 17): what the clerk sees around saved files, closed
periods, 核实, 核查, the import template and the first 管理员."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt

SHOTS = Path("/work/notes/shots")


def _shot(widget, name: str) -> None:
    """Keep a picture of ``widget`` for the reviewer (where the notes folder exists)."""
    if SHOTS.is_dir():
        widget.grab().save(str(SHOTS / f"polish17-{name}.png"))


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
