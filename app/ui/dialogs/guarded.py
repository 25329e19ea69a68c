"""Dialogs that fit a 1366×768 screen and ask before throwing typed work away."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from app.ui import messages

MAX_DIALOG_WIDTH = 1340
MAX_DIALOG_HEIGHT = 700  # 768 less a taskbar and the title bar


def screen_limit(widget: QWidget) -> tuple[int, int]:
    """The largest (width, height) a dialog may take: 1340 × 700, or less on a smaller screen."""
    screen = widget.screen()
    width, height = MAX_DIALOG_WIDTH, MAX_DIALOG_HEIGHT
    if screen is not None:
        available = screen.availableGeometry()
        width = min(width, available.width() - 20)
        height = min(height, available.height() - 40)
    return width, height


def fit_to_screen(dialog: QWidget) -> None:
    """Shrink ``dialog`` to the screen limit (long content scrolls inside its scroll areas)."""
    width, height = screen_limit(dialog)
    dialog.setMaximumSize(max(width, dialog.minimumWidth()), max(height, dialog.minimumHeight()))
    if dialog.width() > width or dialog.height() > height:
        dialog.resize(min(dialog.width(), width), min(dialog.height(), height))


def form_state(container: QWidget) -> tuple[object, ...]:
    """What the input widgets in ``container`` hold, to tell whether anything was changed."""
    state: list[object] = []
    for widget in container.findChildren(QWidget):
        if isinstance(widget, QLineEdit):
            state.append(widget.text())
        elif isinstance(widget, (QPlainTextEdit, QTextEdit)):
            state.append(widget.toPlainText())
        elif isinstance(widget, QComboBox):
            state.append((widget.currentIndex(), widget.currentText()))
        elif isinstance(widget, QAbstractSpinBox):
            state.append(widget.text())
        elif isinstance(widget, QAbstractButton) and widget.isCheckable():
            state.append(widget.isChecked())
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            state.append(widget.model().rowCount())
    return tuple(state)


class GuardedDialog(QDialog):
    """Base of the editing dialogs: fits the screen when shown, and Esc, 取消 or the close
    button (QDialog routes it through reject) ask before discarding changes (call :meth:`mark_unchanged` after a save that keeps
    the dialog open)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._opened_with: tuple[object, ...] | None = None

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_to_screen(self)
        if self._opened_with is None:
            self.mark_unchanged()

    def mark_unchanged(self) -> None:
        """Take what the fields hold now as the unchanged state."""
        self._opened_with = form_state(self)

    def has_changes(self) -> bool:
        """Whether the fields differ from when the dialog was opened (or last saved)."""
        return self._opened_with is not None and form_state(self) != self._opened_with

    def discard(self) -> None:
        """Close without saving and without asking (采用他人的: the clerk chose to drop the
        changes)."""
        self._opened_with = None
        QDialog.reject(self)

    def reject(self) -> None:
        if self.has_changes() and not messages.confirm(
            self,
            self.tr("放弃修改"),
            self.tr("表单中有尚未保存的修改。确定不保存就关闭吗？"),
        ):
            return
        super().reject()
