"""The folder a file dialog was last used in is kept across starts (``dialogs.ini`` in the user
data folder); one that is gone (a USB stick pulled out) falls back to 文档."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QWidget

from app import paths
from app.ui import files

ROOT = Path(__file__).resolve().parent.parent


def _documents() -> Path:
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and Path(documents).is_dir() else Path.home()


def _next_start(data_home: Path) -> Path:
    """Where a new program on this user's data folder opens its first file dialog."""
    script = (
        "from PySide6.QtWidgets import QApplication; app = QApplication([]);"
        "from app.ui.files import start_folder; print(start_folder())"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(data_home),
           "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}  # fmt: skip
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, check=True)
    return Path(out.stdout.decode("utf-8").strip())


def test_the_last_folder_is_remembered_across_starts(qtbot, gui_app, monkeypatch, tmp_path):
    data_home = tmp_path / "data"
    # the user data folder platformdirs gives a program started with XDG_DATA_HOME=data_home
    monkeypatch.setattr(paths, "user_data_dir", lambda: data_home / paths.APP_NAME)
    monkeypatch.setattr(files, "_last_folder", None)
    usb = tmp_path / "U盘" / "交换"
    usb.mkdir(parents=True)
    monkeypatch.setattr(files, "_save_file_name", lambda *_a: (str(usb / "第1号.bjpkg"), ""))
    parent = QWidget()
    qtbot.addWidget(parent)
    assert files.ask_save_path(parent, "保存数据包", "x.bjpkg", "数据包 (*.bjpkg)", ".bjpkg")
    assert (data_home / paths.APP_NAME / "dialogs.ini").is_file()

    assert _next_start(data_home) == usb  # another run of the program starts there
    monkeypatch.setattr(files, "_last_folder", None)  # and so does this one, restarted
    assert files.start_folder() == usb

    usb.rmdir()  # the stick is gone: 文档 again, never a missing folder
    assert files.start_folder() == _documents()
    assert _next_start(data_home) != usb
