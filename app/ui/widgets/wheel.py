"""The mouse wheel scrolls the page, not a drop-down or number box it merely passes over."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QComboBox, QWidget


class WheelGuard(QObject):
    """An application-wide event filter: a wheel turned over a combo box or spin box that does
    not have the focus scrolls the nearest scroll area around it instead of changing the value
    (a clerk scrolling a long form once changed fields without noticing).

    Such widgets take the focus only by click or Tab: with Qt's default (WheelFocus) a real
    wheel turn gives them the focus before the wheel event arrives, so they would change."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(watched, (QComboBox, QAbstractSpinBox)):
            if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return False
        if kind != QEvent.Type.Wheel or not isinstance(watched, (QComboBox, QAbstractSpinBox)):
            return False
        if watched.hasFocus():
            return False
        parent: QWidget | None = watched.parentWidget()
        while parent is not None and not isinstance(parent, QAbstractScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            QCoreApplication.sendEvent(parent.viewport(), event)
        return True


def install_wheel_guard(app: QCoreApplication) -> WheelGuard:
    """Install the guard on the application (once); returns it."""
    guard = app.findChild(WheelGuard)
    if guard is None:
        guard = WheelGuard(app)
        app.installEventFilter(guard)
    return guard
