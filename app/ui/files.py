"""Asking the clerk for a file or folder: dialogs that start in the folder used last (at
first the user's 文档 folder, never the program's own folder) and add a missing extension."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

_last_folder: Path | None = None


def start_folder() -> Path:
    """Where the next file dialog opens: the folder used last, else 文档 (Documents)."""
    if _last_folder is not None and _last_folder.is_dir():
        return _last_folder
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return Path(documents)
    return Path.home()  # a PC without a 文档 folder (Qt would take its name for a file name)


def _remember(path: Path) -> Path:
    global _last_folder
    _last_folder = path if path.is_dir() else path.parent
    return path


def ask_save_path(
    parent: QWidget, title: str, name: str, file_filter: str, suffix: str = ""
) -> Path | None:
    """Where to save a new file (``name`` suggested); ``suffix`` (e.g. ".pdf") is added when
    the clerk left it out. None when cancelled."""
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(start_folder() / name), file_filter)
    if not chosen:
        return None
    path = Path(chosen)
    if suffix and path.suffix.lower() != suffix.lower():
        path = path.with_name(path.name + suffix)
    return _remember(path)


PDF_OR_WORD = (("PDF (*.pdf)", ".pdf"), ("Word 文档 (*.docx)", ".docx"))  # for ask_save_path_as


def ask_save_path_as(
    parent: QWidget, title: str, name: str, choices: tuple[tuple[str, str], ...] = PDF_OR_WORD
) -> Path | None:
    """Where to save a file that can be written in several formats: ``choices`` are (filter,
    suffix) pairs, e.g. :data:`PDF_OR_WORD`. The suffix the clerk typed decides; without one of
    them, the chosen file type's suffix is added (else the first). None when cancelled."""
    filters = ";;".join(label for label, _suffix in choices)
    chosen, selected = QFileDialog.getSaveFileName(
        parent, title, str(start_folder() / name), filters
    )
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() not in {suffix for _label, suffix in choices}:
        suffix = next((s for label, s in choices if label == selected), choices[0][1])
        path = path.with_name(path.name + suffix)
    return _remember(path)


def ask_open_paths(parent: QWidget, title: str, file_filter: str) -> list[Path]:
    """Files to read (several may be chosen); empty when cancelled."""
    chosen, _ = QFileDialog.getOpenFileNames(parent, title, str(start_folder()), file_filter)
    paths = [Path(p) for p in chosen]
    if paths:
        _remember(paths[0])
    return paths


def ask_open_path(parent: QWidget, title: str, file_filter: str) -> Path | None:
    """One file to read; None when cancelled."""
    chosen, _ = QFileDialog.getOpenFileName(parent, title, str(start_folder()), file_filter)
    return _remember(Path(chosen)) if chosen else None


def ask_folder(parent: QWidget, title: str) -> Path | None:
    """A folder (to write into or read from); None when cancelled."""
    chosen = QFileDialog.getExistingDirectory(parent, title, str(start_folder()))
    return _remember(Path(chosen)) if chosen else None
