"""Handing files to the PC's own programs (PDF reader, file manager), and saying so when
there is none."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from app.ui import messages


def _t(text: str) -> str:
    return QCoreApplication.translate("desktop", text)


def open_with_system(parent: QWidget | None, path: Path) -> bool:
    """Open ``path`` with the program the PC uses for it; when there is none (no PDF reader
    installed), tell the clerk where the file is instead of doing nothing."""
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return True
    messages.show_error(
        parent,
        _t("无法打开文件"),
        _t(
            "本机没有能打开这种文件的程序（例如 PDF 阅读器）。文件已保存在：\n%1\n"
            "可以请技术人员安装阅读器，或把文件复制到其他电脑上查看、打印。"
        ).replace("%1", str(path)),
    )
    return False


def show_in_folder(parent: QWidget | None, path: Path) -> bool:
    """Open the folder that holds ``path`` (or ``path`` itself when it is a folder)."""
    folder = path if path.is_dir() else path.parent
    return open_with_system(parent, folder)


def temporary_copy(data: bytes, name: str) -> Path:
    """Write ``data`` to a file called ``name`` in the app's temporary folder; its path."""
    folder = Path(tempfile.gettempdir()) / "BangjiaoDesk"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path
