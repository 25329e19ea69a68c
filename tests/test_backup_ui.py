"""设置's backup section clicked as a clerk clicks it, the restore dialog answered, the daily
automatic backup, 首页's warning; dialogs fit 1366×768; screenshots for the notes."""

from __future__ import annotations

import logging
import os
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.services.attachments import store_for
from app.services.backup.archive import write_backup
from app.services.backup.container import MasterKey
from app.services.backup.schedule import record, set_folder, set_password
from app.ui.dialogs.backup_dialogs import BackupPasswordDialog, RestoreDialog
from app.ui.operations import running_tasks
from tests.conftest import open_unlocked
from tests.helpers import assert_fits_screen, dump, open_page
from tests.seed import _own_entry, seed_everything

PASSWORD = "纸上的密码-2018"
SHOTS = os.environ.get("BANGJIAO_SHOTS", "")  # a folder for the pictures, when asked for


def _click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=60000)


def _shoot(widget, name: str) -> None:
    if SHOTS and Path(SHOTS).is_dir():
        widget.grab().save(str(Path(SHOTS) / name))


def _configure(db_path: Path, folder: Path | None) -> None:
    database = open_unlocked(str(db_path))
    with database.session() as s:
        set_password(s, PASSWORD)
        if folder is not None:
            set_folder(s, folder)
    database.close()


def test_settings_sets_folder_and_password_backs_up_and_restores(
    qtbot, monkeypatch, dialogs, db_path, tmp_path
):
    seed_everything(db_path, tmp_path)
    usb = tmp_path / "U盘"
    usb.mkdir()
    page = open_page(qtbot, db_path, "settings")
    assert "未选择" in page.backup_folder_label.text()
    assert "未设置" in page.backup_password_label.text()

    dialogs.folders = [usb]
    _click(qtbot, page.folder_button)
    assert page.backup_folder_label.toolTip() == str(usb)
    assert page.backup_folder_label.text().endswith("U盘")

    typed: list[BackupPasswordDialog] = []

    def fill_password(dialog):
        typed.append(dialog)
        assert_fits_screen(dialog)
        dialog.password.setText("short")
        dialog.repeated.setText("short")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.error.isVisibleTo(dialog) and "至少要 8 个字符" in dialog.error.text()
        dialog.password.clear()
        dialog.repeated.clear()
        dialog.password.setText(PASSWORD)
        dialog.repeated.setText(PASSWORD)
        _shoot(dialog, "backup-password-dialog.png")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(BackupPasswordDialog, "exec", fill_password)
    _click(qtbot, page.password_button)
    assert typed and page.backup_password_label.text() == "已设置"
    assert PASSWORD not in "".join(dump(db_path))  # only the derived key is kept

    _click(qtbot, page.backup_now_button)
    made = list(usb.glob("大帮教备份-县矫正办-*.bjbak"))
    assert len(made) == 1
    assert any("已备份并核对" in text for text in dialogs.texts("information"))
    assert "成功" in page.backup_result_label.text() and "从未" not in page.backup_last_label.text()
    page.window().resize(1366, 768)
    _shoot(page.window(), "backup-settings.png")

    # a change after the backup, then 恢复… brings back the backup's state
    database = page.database
    _own_entry(database, datetime(2018, 9, 1).date(), "备份之后登记的台账")
    assert any("备份之后" in line for line in dump(db_path))
    seen: list[RestoreDialog] = []

    def answer_restore(dialog):
        seen.append(dialog)
        assert_fits_screen(dialog)
        assert not dialog.ok_button.isEnabled()
        dialog.password.setText("别的密码-12345")
        qtbot.mouseClick(dialog.read_button, Qt.MouseButton.LeftButton)
        assert "备份密码不对" in dialog.summary.text() and not dialog.ok_button.isEnabled()
        dialog.password.clear()
        dialog.password.setText(PASSWORD)
        qtbot.mouseClick(dialog.read_button, Qt.MouseButton.LeftButton)
        assert "单位：县矫正办" in dialog.summary.text() and "工作台账" in dialog.summary.text()
        _shoot(dialog, "backup-restore-dialog.png")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(RestoreDialog, "exec", answer_restore)
    dialogs.open_paths = [[made[0]]]
    _click(qtbot, page.restore_button)
    assert seen
    assert any("用" in t and "替换本机" in t for t in dialogs.texts("question"))
    assert any("已从备份恢复" in text for text in dialogs.texts("information"))
    qtbot.waitUntil(lambda: not any("备份之后" in line for line in dump(db_path)))
    safety = list((db_path.parent / "恢复前备份").glob("*.bjbak"))
    assert len(safety) == 1


def test_restore_cancelled_changes_nothing(qtbot, monkeypatch, dialogs, db_path, tmp_path):
    _configure(db_path, None)
    backup = tmp_path / "b.bjbak"
    write_backup(db_path, store_for(db_path), backup, MasterKey.from_password(PASSWORD))
    page = open_page(qtbot, db_path, "settings")
    before = dump(db_path)
    monkeypatch.setattr(RestoreDialog, "exec", lambda dialog: 0)
    dialogs.open_paths = [[backup]]
    _click(qtbot, page.restore_button)
    assert dump(db_path) == before


def test_a_missing_folder_is_told_on_settings_not_as_a_traceback(qtbot, dialogs, db_path, tmp_path):
    _configure(db_path, tmp_path / "拔掉的U盘")
    page = open_page(qtbot, db_path, "settings")
    assert "无法访问" in page.backup_folder_label.text()
    _click(qtbot, page.backup_now_button)
    assert any("U 盘没有插好" in text for text in dialogs.texts("warning"))
    assert "未完成" in page.backup_result_label.text()
    assert "U 盘没有插好" in page.backup_result_label.text()
    page.window().resize(1366, 768)
    _shoot(page.window(), "backup-settings-missing-folder.png")


def test_the_daily_backup_runs_once_in_the_background(qtbot, gui_app, db_path, tmp_path, caplog):
    from app.ui.main_window import MainWindow

    usb = tmp_path / "U盘"
    usb.mkdir()
    _configure(db_path, usb)
    window = MainWindow(open_unlocked(str(db_path)), remind=True)  # as the app opens
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: len(list(usb.glob("*.bjbak"))) == 1, timeout=30000)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    assert window.start_daily_backup() is None  # today's is done
    assert len(list(usb.glob("*.bjbak"))) == 1
    window.close()


def test_a_missing_folder_at_start_is_logged_in_chinese(qtbot, gui_app, db_path, tmp_path, caplog):
    from app.ui.main_window import MainWindow

    _configure(db_path, tmp_path / "拔掉的U盘")
    window = MainWindow(open_unlocked(str(db_path)))
    qtbot.addWidget(window)
    window.show()
    with caplog.at_level(logging.WARNING):
        assert window.start_daily_backup() is not None
        qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    assert any("自动备份未完成" in r.getMessage() and "U 盘没有插好" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    page = window.open_section("settings")
    assert "U 盘没有插好" in page.backup_result_label.text()
    window.close()


def test_home_warns_after_a_week_without_a_backup(qtbot, gui_app, db_path, tmp_path):
    database = open_unlocked(str(db_path))
    _own_entry(database, datetime(2018, 9, 1).date(), "一条台账")
    database.close()
    page = open_page(qtbot, db_path, "home")
    assert not page.backup_warning.isVisible()  # entered today: no nagging yet
    page.window().close()
    old = (datetime.now() - timedelta(days=10)).isoformat(sep=" ")
    with closing(sqlite3.connect(db_path)) as connection:
        connection.execute("UPDATE ledger_entries SET created_at = ?", (old,))
        connection.commit()
    page = open_page(qtbot, db_path, "home")
    assert page.backup_warning.isVisible() and "从未备份" in page.backup_warning.text()
    _shoot(page.window(), "backup-home-warning.png")
    with page.database.session() as s:
        record(s, datetime.now() - timedelta(days=9), True, "成功")
    page.refresh()
    assert "已有 9 天没有成功备份" in page.backup_warning.text()
    with page.database.session() as s:
        record(s, datetime.now(), True, "成功")
    page.refresh()
    assert not page.backup_warning.isVisible()


@pytest.mark.parametrize("dialog_class", [BackupPasswordDialog, RestoreDialog])
def test_the_backup_dialogs_fit(qtbot, gui_app, tmp_path, dialog_class):
    if dialog_class is BackupPasswordDialog:
        dialog = BackupPasswordDialog(lambda *_: None, True)
    else:
        dialog = RestoreDialog(tmp_path / ("很长的文件夹名" * 12) / "b.bjbak", lambda _: None)
    qtbot.addWidget(dialog)
    assert_fits_screen(dialog)
