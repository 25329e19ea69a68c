"""Handing files to the PC's own programs (PDF reader, file manager), and saying so when
there is none."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMimeDatabase, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from app.services.filenames import safe_file_name
from app.ui import messages

log = logging.getLogger("bangjiao.ui")


def _t(text: str) -> str:
    return QCoreApplication.translate("desktop", text)


def _kind_of(path: Path) -> str:
    """What ``path`` is, for the notice (“本机没有可打开 PDF 的程序”)."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _t("PDF")
    if suffix == ".docx":
        return _t("Word 文档")
    if suffix == ".xlsx":
        return _t("Excel 表格")
    return _t("这种文件")


def has_program_for(path: Path) -> bool:
    """Whether the PC has a program for ``path``. Only a freedesktop PC (Linux, 统信UOS,
    麒麟) can tell us too late: Qt starts ``xdg-open`` and reports success even when no program
    is set for the file's type, so ask ``xdg-mime`` first. Windows and macOS answer through
    ``openUrl`` itself."""
    if sys.platform.startswith(("win", "darwin")):
        return True
    by_name = QMimeDatabase.MatchMode.MatchExtension
    mime = QMimeDatabase().mimeTypeForFile(str(path), by_name).name()
    try:
        found = subprocess.run(
            ["xdg-mime", "query", "default", mime],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return True  # no xdg-mime: let openUrl say
    return bool(found.stdout.strip())


def _program_for(path: Path) -> str:
    """An example of the program that opens ``path`` (for the messages)."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _t("例如 WPS 或 Word")
    if suffix == ".pdf":
        return _t("例如 PDF 阅读器")
    return _t("例如看图或办公软件")


def open_with_system(parent: QWidget | None, path: Path, *, temporary: bool = False) -> bool:
    """Open ``path`` with the program the PC uses for it. When there is none (no PDF reader,
    or no WPS/Word for a .docx), say so plainly: a saved file is still saved (an information,
    not a failure); a ``temporary`` copy made only for viewing is not kept, so say how to keep
    it."""
    if has_program_for(path) and QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return True
    log.warning(
        "文件已保存，没有自动打开（本机没有可打开 %s 文件的程序）：%s",
        path.suffix.lower() or "这种",
        path,
    )
    program = _program_for(path)
    if temporary:
        messages.show_error(
            parent,
            _t("无法打开"),
            _t(
                "本机没有安装能打开这种文件的程序（%1）。"
                "可以点“另存为…”把文件保存下来，复制到其他电脑上查看，或直接点“打印…”。"
            ).replace("%1", program),
        )
    else:
        messages.inform(
            parent,
            _t("文件已保存"),
            _t(
                "已保存到：\n%1\n\n（本机没有可打开 %3 的程序，所以没有自动打开。"
                "可以请技术人员安装一个（%2），或把文件复制到其他电脑上查看、打印。）"
            )
            .replace("%3", _kind_of(path))
            .replace("%2", program)
            .replace("%1", str(path)),
        )
    return False


def show_in_folder(parent: QWidget | None, path: Path) -> bool:
    """Open the folder that holds ``path`` (or ``path`` itself when it is a folder) in the
    PC's file manager; when there is none, say where the folder is."""
    folder = path if path.is_dir() else path.parent
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        return True
    messages.inform(
        parent,
        _t("无法打开文件夹"),
        _t("本机没有可以打开文件夹的程序。文件夹位置：\n%1").replace("%1", str(folder)),
    )
    return False


TEMPORARY_FOLDER = "BangjiaoDesk"
TEMPORARY_KEPT = 24 * 3600  # seconds a copy made for viewing is kept before it is tidied away


def temporary_copy(data: bytes, name: str) -> Path:
    """Write ``data`` to a new file called ``name`` (made safe as a file name) in a folder of
    its own under the app's temporary folder; its path. Never the same path twice: WPS or
    Adobe may still hold the last copy open, which cannot be overwritten on Windows. Copies
    older than a day are removed where nothing holds them."""
    import time

    root = Path(tempfile.gettempdir()) / TEMPORARY_FOLDER
    root.mkdir(mode=0o700, exist_ok=True)  # copies of documents: their owner's only
    for old in root.iterdir():
        try:
            if time.time() - old.stat().st_mtime > TEMPORARY_KEPT:
                if old.is_dir():
                    shutil.rmtree(old)
                else:
                    old.unlink()
        except OSError:
            pass  # still open in a viewer: tried again next time
    path = Path(tempfile.mkdtemp(dir=root, prefix="view-")) / safe_file_name(name)
    path.write_bytes(data)
    return path
