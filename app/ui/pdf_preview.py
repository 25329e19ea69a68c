"""A simple PDF preview: every page rendered to an image, stacked in a scroll area.

(PySide6's QtPdf 6.12 wheel crashed the interpreter once its document emitted signals —
"none_dealloc" — so pages are rendered with PDFium through pypdfium2.)
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.ui.pdf_pages import render_pages

PAGE_WIDTH = 460  # pixels per rendered page


class PdfPreview(QScrollArea):
    """Shows the pages of PDF bytes; ``page_labels`` holds one QLabel per page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setObjectName("pdfPreview")
        self.setMinimumWidth(240)
        self.page_labels: list[QLabel] = []
        self._container = QWidget()
        self._layout = QVBoxLayout(self._container)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self._layout.setSpacing(12)
        self.setWidget(self._container)

    def show_pdf(self, data: bytes | None) -> None:
        """Replace the pages shown (None clears)."""
        for label in self.page_labels:
            self._layout.removeWidget(label)
            label.hide()
            label.setParent(None)
            label.deleteLater()
        self.page_labels = []
        if not data:
            return
        for image in render_pages(data, PAGE_WIDTH):
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(image))
            label.setFrameShape(QFrame.Shape.Box)
            self._layout.addWidget(label)
            self.page_labels.append(label)
