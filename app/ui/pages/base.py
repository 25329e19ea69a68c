"""Common parts of the main window's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.context import WorkContext
from app.services.database import Database
from app.services.errors import UserError
from app.ui.messages import show_error


class Page(QWidget):
    """A page of the main window, working on one database and context."""

    title = ""

    def __init__(
        self, database: Database, context: WorkContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.context = context
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(18, 14, 18, 14)
        heading = QLabel(self.title)
        heading.setObjectName("pageTitle")
        self.layout_.addWidget(heading)

    def refresh(self) -> None:
        """Reload what the page shows from the database."""

    def run(self, action: Callable[[Any], Any]) -> Any:
        """Run ``action(session)`` as one user action; show a UserError instead of raising."""
        try:
            with self.database.session() as session:
                return action(session)
        except UserError as exc:
            show_error(self, self.tr("操作未完成"), str(exc))
            return None


def button_row(*buttons: QPushButton) -> QHBoxLayout:
    """A row of buttons, left-aligned."""
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


def section_label(text: str) -> QLabel:
    """A sub-heading inside a page."""
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label
