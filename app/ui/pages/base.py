"""Common parts of the main window's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.context import WorkContext
from app.services.database import Database
from app.services.errors import UserError
from app.ui.messages import error_text, show_error


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

    def keep_reference_data_read_only(self, *buttons: QPushButton) -> None:
        """On a PC whose unit does not keep the reference data: hide the editing buttons and
        say who keeps it (its changes arrive in that office's packages)."""
        for button in buttons:
            button.setVisible(False)
        note = QLabel(
            self.tr(
                "单位、结对、职责和指标由县矫正办统一维护，本机只能查看；导入县矫正办的数据包后自动更新。"
            )
        )
        note.setObjectName("hint")
        note.setWordWrap(True)
        self.layout_.insertWidget(1, note)

    def run(self, action: Callable[[Any], Any]) -> Any:
        """Run ``action(session)`` as one user action; show a UserError instead of raising."""
        try:
            with self.database.session() as session:
                return action(session)
        except UserError as exc:
            show_error(self, self.tr("操作未完成"), error_text(exc))
            return None

    def attempt(self, action: Callable[[Any], Any]) -> bool:
        """:meth:`run` for an action whose result does not matter: True when it was done."""
        done = False

        def act(session) -> None:
            nonlocal done
            action(session)
            done = True

        self.run(act)
        return done


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
