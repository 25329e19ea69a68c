"""A section not built yet: says what it will hold."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PlaceholderPage(QWidget):
    """Shows the section's name and what it will do."""

    def __init__(self, title: str, description: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        heading = QLabel(title)
        heading.setObjectName("pageTitle")
        body = QLabel(description + "\n\n" + self.tr("本功能正在建设中，敬请期待。"))
        body.setWordWrap(True)
        body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        body.setObjectName("placeholderText")
        layout.addWidget(heading)
        layout.addWidget(body, 1)

    def refresh(self) -> None:
        """Nothing to reload."""
