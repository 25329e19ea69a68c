"""Thumbnails of stored photos for lists and cards: the store gives the JPEG's plain bytes
(opening it when the database seals its files), Qt decodes them in memory."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtGui import QPixmap

from app.models.sealed import DataLocked
from app.services.errors import UserError

if TYPE_CHECKING:
    from app.services.attachments import AttachmentStore

log = logging.getLogger("bangjiao.ui")
_REPORTED: set[str] = set()


def thumbnail_pixmap(store: AttachmentStore, sha256: str) -> QPixmap | None:
    """The thumbnail of a stored photo, or None (a PDF, a file that is not here or cannot be
    read, or a sealed one while the database is locked: the caller shows its placeholder)."""
    try:
        data = store.thumbnail_bytes(sha256)
    except DataLocked:
        return None  # expected while nobody is logged in: the window is hidden then
    except (OSError, UserError) as exc:
        if sha256 not in _REPORTED:  # once, not on every repaint of the row
            _REPORTED.add(sha256)
            log.warning("照片 %s… 的缩略图无法显示：%s", sha256[:12], exc)
        return None
    if data is None:
        return None
    pixmap = QPixmap()
    if not pixmap.loadFromData(data):
        return None
    return pixmap
