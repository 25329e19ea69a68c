"""A simple PDF preview: every page rendered to an image, stacked in a scroll area.

(PySide6's QtPdf 6.12 wheel crashed the interpreter once its document emitted signals —
"none_dealloc" — so pages are rendered with PDFium through pypdfium2.)
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.ui.pdf_pages import render_pages

MIN_PAGE_WIDTH = 240  # pixels; pages are rendered to fit the width of the view


class PdfPreview(QScrollArea):
    """Shows the pages of PDF bytes; ``page_labels`` holds one QLabel per page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setObjectName("pdfPreview")
        self.setMinimumWidth(MIN_PAGE_WIDTH + 40)
        self.page_labels: list[QLabel] = []
        self._data: bytes | None = None
        self._rendered_width = 0
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(150)
        self._resize_timer.timeout.connect(self._render)
        self._container = QWidget()
        self._layout = QVBoxLayout(self._container)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self._layout.setSpacing(12)
        self.setWidget(self._container)

    def show_pdf(self, data: bytes | None) -> None:
        """Replace the pages shown (None clears)."""
        self._data = data
        self._render()

    def _page_width(self) -> int:
        return max(MIN_PAGE_WIDTH, self.viewport().width() - 30)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if abs(self._page_width() - self._rendered_width) > 20:
            self._resize_timer.start()

    def _render(self) -> None:
        data = self._data
        for label in self.page_labels:
            self._layout.removeWidget(label)
            label.hide()
            label.setParent(None)
            label.deleteLater()
        self.page_labels = []
        if not data:
            return
        self._rendered_width = self._page_width()
        for image in render_pages(data, self._rendered_width):
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(image))
            label.setFrameShape(QFrame.Shape.Box)
            self._layout.addWidget(label)
            self.page_labels.append(label)
