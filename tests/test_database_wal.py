"""The database's write-ahead log survives other programs reading the file while the app is open.

SQLite's POSIX locks belong to the process: any handle on the database file that the app closes
(Qt's file dialog guessing a file's type, a library reading it) drops them, and another program
that then opens and closes the database deletes the ``-wal`` file under the app. These tests use
a real second process, as a clerk's colleague running a query tool would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.services.database import Database, open_database
from app.services.settings import get_setting, set_setting

OUTSIDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
row = connection.execute("SELECT value FROM local_settings WHERE key = 'wal-test'").fetchone()
connection.close()
print(row[0] if row else "")
"""


def _outside_read(path: Path) -> str:
    """What another program reads from the file (and, closing last, it may delete the log)."""
    done = subprocess.run(
        [sys.executable, "-c", OUTSIDER, str(path)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _save(database: Database, value: str) -> None:
    with database.session() as session:
        set_setting(session, "wal-test", value)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def test_saves_after_another_program_deleted_the_log_reach_the_file(tmp_path):
    path = tmp_path / "county.db"
    database = open_database(str(path))
    try:
        _save(database, "一")
        assert _wal(path).exists()
        with path.open("rb") as handle:  # a library reads the file: the process's locks are gone
            handle.read(16)
        assert _outside_read(path) == "一"
        assert not _wal(path).exists()  # the other program closed last and removed the log

        _save(database, "二")

        assert _outside_read(path) == "二"  # without reconnecting, this save sat in a lost file
        with database.session() as session:
            assert get_setting(session, "wal-test") == "二"
    finally:
        database.close()


def test_a_file_dialog_listing_the_database_folder_keeps_the_log(qtbot, gui_app, tmp_path):
    from PySide6.QtCore import QFileInfo

    from app.ui import files

    path = tmp_path / "county.db"
    (tmp_path / "数据包.bjpkg").write_bytes(b"\0" * 64)
    database = open_database(str(path))
    try:
        _save(database, "一")
        dialog = files._dialog(None, "导出", str(tmp_path), "")
        qtbot.addWidget(dialog)
        label = dialog.labelText
        assert (label(dialog.DialogLabel.LookIn), label(dialog.DialogLabel.FileType)) == (
            "查找范围：", "文件类型(&T)：")  # fmt: skip
        dialog.show()
        qtbot.wait(1500)  # the dialog lists the folder and fetches its icons
        icons = dialog.iconProvider()
        assert (
            icons is not None and icons.type(QFileInfo(str(tmp_path / "数据包.bjpkg"))) == "数据包"
        )
        dialog.close()
        assert _outside_read(path) == "一"
        assert _wal(path).exists()  # the app's locks held: the other program left the log alone
        _save(database, "二")
        assert _outside_read(path) == "二"
    finally:
        database.close()
