"""The photos of an entry: thumbnails, add (checked at once), remove, caption."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.services.attachments import AttachmentStore, check_file
from app.services.errors import ValidationError
from app.services.ledger import PhotoInput, PhotoView
from app.ui.dialogs.form_dialog import ERROR_STYLE
from app.ui.files import ask_open_paths
from app.ui.widgets.thumbnails import thumbnail_pixmap

PHOTO_ROLE = Qt.ItemDataRole.UserRole + 10
ICON = QSize(120, 90)
FILE_FILTER = "照片或 PDF (*.jpg *.jpeg *.png *.pdf *.JPG *.JPEG *.PNG *.PDF)"


class PhotoListWidget(QWidget):
    """A strip of thumbnails. Double-click a photo to edit its caption (说明)."""

    def __init__(
        self,
        store: AttachmentStore,
        photos: tuple[PhotoView, ...] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(ICON)
        self.list.setGridSize(QSize(ICON.width() + 24, ICON.height() + 44))
        self.list.setMovement(QListView.Movement.Static)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setFixedHeight(ICON.height() + 64)
        self.list.setWordWrap(True)
        self.add_button = QPushButton(self.tr("添加照片…"))
        self.remove_button = QPushButton(self.tr("移除"))
        self.hint = QLabel(
            self.tr("可添加 JPEG、PNG 照片或 PDF，每个文件不超过 20 MB。双击照片可填写说明。")
        )
        self.hint.setStyleSheet("color: #666;")
        self.hint.setWordWrap(True)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.hint, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        self.add_button.clicked.connect(lambda: self.choose_files())
        self.remove_button.clicked.connect(lambda: self.remove_selected())
        for photo in photos:
            self._add_item(
                PhotoInput(caption=photo.caption, attachment_id=photo.attachment_id),
                photo.original_name,
                self._stored_icon(photo),
            )

    def _stored_icon(self, photo: PhotoView) -> QIcon:
        thumb = thumbnail_pixmap(self.store, photo.sha256)
        if thumb is not None:
            return QIcon(thumb)
        return self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)

    def _add_item(self, photo: PhotoInput, name: str, icon: QIcon) -> None:
        item = QListWidgetItem(icon, photo.caption or name)
        item.setData(PHOTO_ROLE, (photo, name))
        item.setToolTip(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.list.addItem(item)

    def choose_files(self) -> None:
        """Ask for files and add them."""
        self.add_files(ask_open_paths(self, self.tr("选择照片或 PDF"), FILE_FILTER))

    def add_files(self, paths: list[Path]) -> list[str]:
        """Check and add files; refused ones are listed under the strip. Returns the messages."""
        problems = []
        for path in paths:
            try:
                media_type = check_file(path)
            except ValidationError as exc:
                problems.append(exc.message)
                continue
            if media_type.startswith("image/"):
                pixmap = QPixmap(str(path))
                icon = QIcon(
                    pixmap.scaled(
                        ICON,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )
            else:
                icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)
            self._add_item(PhotoInput(caption="", path=path), path.name, icon)
        self.show_error("\n".join(problems))
        return problems

    def remove_selected(self) -> None:
        """Take the selected photo off the entry (the stored file is kept)."""
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))

    def photos(self) -> list[PhotoInput]:
        """The photos in order, with captions as edited."""
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            photo, name = item.data(PHOTO_ROLE)
            caption = item.text().strip()
            out.append(
                PhotoInput(
                    caption=caption if caption != name else "",
                    path=photo.path,
                    attachment_id=photo.attachment_id,
                )
            )
        return out

    def show_error(self, message: str) -> None:
        """Show (or, when empty, hide) a message under the strip."""
        self.error.setText(message)
        self.error.setVisible(bool(message))
