"""Asking the clerk for a file or folder: dialogs that start in the folder used last (kept
across starts in ``dialogs.ini`` in the user data folder; at first, or when that folder is gone,
the user's 文档 folder, never the program's own folder) and add a missing extension.

The dialogs never read the files they list. Qt's own dialog (Linux without a desktop theme)
otherwise opens each file to guess its type for the icon, and closing that handle drops the
POSIX locks SQLite holds on the open database in the same process: another program could then
delete the database's write-ahead log under us (see ``Database.session``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QFileInfo, QSettings, QStandardPaths
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtWidgets import QFileDialog, QFileIconProvider, QHeaderView, QTreeView, QWidget

from app.services.filenames import safe_file_name

_last_folder: Path | None = None  # this run's; at first the one kept from an earlier run
LAST_FOLDER_KEY = "files/last_folder"


def _t(text: str) -> str:
    return QCoreApplication.translate("files", text)


class NameOnlyIconProvider(QFileIconProvider):
    """Icons and type names from a file's name alone: never opens the file."""

    def icon(self, what: object) -> QIcon:  # type: ignore[override]
        if isinstance(what, QFileInfo):
            kind = QAbstractFileIconProvider.IconType
            return super().icon(kind.Folder if what.isDir() else kind.File)
        return super().icon(what)  # type: ignore[call-overload]

    def type(self, info: QFileInfo) -> str:
        if info.isDir():
            return _t("文件夹")
        named = _KNOWN_TYPES.get(info.suffix().lower())
        if named:
            return _t(named)
        suffix = info.suffix().upper()
        return _t("%1 文件").replace("%1", suffix) if suffix else _t("文件")


_KNOWN_TYPES = {  # the files a clerk meets, by their suffix
    "bjpkg": "数据包", "cred": "接入凭证", "pdf": "PDF 文档", "docx": "Word 文档",
    "xlsx": "Excel 表格", "jpg": "照片", "jpeg": "照片", "png": "图片", "db": "数据库",
}  # fmt: skip


_icons: NameOnlyIconProvider | None = None


def _dialog(parent: QWidget | None, title: str, start: str, file_filter: str) -> QFileDialog:
    global _icons
    if _icons is None:
        _icons = NameOnlyIconProvider()
    dialog = QFileDialog(parent, title, start, file_filter)
    dialog.setIconProvider(_icons)
    # Qt's own translation lacks these two labels of its dialog (they would show in English)
    dialog.setLabelText(QFileDialog.DialogLabel.LookIn, _t("查找范围："))
    dialog.setLabelText(QFileDialog.DialogLabel.FileType, _t("文件类型(&T)："))
    for view in dialog.findChildren(QTreeView):  # sizes and types shown whole, names get the rest
        header = view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, header.count()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    dialog.resize(900, 520)
    return dialog


def _save_file_name(
    parent: QWidget | None, title: str, start: str, file_filter: str
) -> tuple[str, str]:
    """Like ``QFileDialog.getSaveFileName`` (``start`` may name the file), without reading files."""
    start_path = Path(start)
    folder, name = (start, "") if start_path.is_dir() else (str(start_path.parent), start_path.name)
    dialog = _dialog(parent, title, folder, file_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    if name:
        dialog.selectFile(name)
    if not dialog.exec() or not dialog.selectedFiles():
        return "", ""
    return dialog.selectedFiles()[0], dialog.selectedNameFilter()


def _open_file_names(
    parent: QWidget | None, title: str, start: str, file_filter: str
) -> tuple[list[str], str]:
    """Like ``QFileDialog.getOpenFileNames``, without reading files."""
    dialog = _dialog(parent, title, start, file_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    if not dialog.exec():
        return [], ""
    return dialog.selectedFiles(), dialog.selectedNameFilter()


def _open_file_name(
    parent: QWidget | None, title: str, start: str, file_filter: str
) -> tuple[str, str]:
    """Like ``QFileDialog.getOpenFileName``, without reading files."""
    dialog = _dialog(parent, title, start, file_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    if not dialog.exec() or not dialog.selectedFiles():
        return "", ""
    return dialog.selectedFiles()[0], dialog.selectedNameFilter()


def _existing_directory(parent: QWidget | None, title: str, start: str) -> str:
    """Like ``QFileDialog.getExistingDirectory``, without reading files."""
    dialog = _dialog(parent, title, start, "")
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    if not dialog.exec() or not dialog.selectedFiles():
        return ""
    return dialog.selectedFiles()[0]


def _settings() -> QSettings:
    """This user's dialog settings: ``dialogs.ini`` in the user data folder (a file on every
    system, so a test or a portable copy never touches the registry)."""
    from app import paths

    return QSettings(str(paths.user_data_dir() / "dialogs.ini"), QSettings.Format.IniFormat)


def _kept_folder() -> Path | None:
    value = _settings().value(LAST_FOLDER_KEY)
    return Path(value) if isinstance(value, str) and value else None


def start_folder() -> Path:
    """Where the next file dialog opens: the folder used last (in this run or an earlier one),
    else 文档 (Documents); a remembered folder that is gone (a USB stick pulled out) is skipped."""
    last = _last_folder if _last_folder is not None else _kept_folder()
    if last is not None and last.is_dir():
        return last
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return Path(documents)
    return Path.home()  # a PC without a 文档 folder (Qt would take its name for a file name)


def _remember(path: Path) -> Path:
    global _last_folder
    _last_folder = path if path.is_dir() else path.parent
    settings = _settings()
    settings.setValue(LAST_FOLDER_KEY, str(_last_folder))
    settings.sync()  # kept for the next start; a read-only profile only loses the convenience
    return path


def ask_save_path(
    parent: QWidget, title: str, name: str, file_filter: str, suffix: str = ""
) -> Path | None:
    """Where to save a new file (``name`` suggested); ``suffix`` (e.g. ".pdf") is added when
    the clerk left it out. None when cancelled."""
    chosen, _ = _save_file_name(
        parent, title, str(start_folder() / safe_file_name(name)), file_filter
    )
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
    chosen, selected = _save_file_name(
        parent, title, str(start_folder() / safe_file_name(name)), filters
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
    chosen, _ = _open_file_names(parent, title, str(start_folder()), file_filter)
    paths = [Path(p) for p in chosen]
    if paths:
        _remember(paths[0])
    return paths


def ask_open_path(parent: QWidget, title: str, file_filter: str) -> Path | None:
    """One file to read; None when cancelled."""
    chosen, _ = _open_file_name(parent, title, str(start_folder()), file_filter)
    return _remember(Path(chosen)) if chosen else None


def ask_folder(parent: QWidget, title: str) -> Path | None:
    """A folder (to write into or read from); None when cancelled."""
    chosen = _existing_directory(parent, title, str(start_folder()))
    return _remember(Path(chosen)) if chosen else None
