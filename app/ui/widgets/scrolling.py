"""Long content inside a scroll area, and bringing a widget into view."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


def scroll_area(content: QWidget) -> QScrollArea:
    """``content`` in a frameless scroll area that resizes it to its width."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(content)
    return area


def reveal(widget: QWidget, focus: bool = True) -> None:
    """Scroll every scroll area around ``widget`` so that it is visible; give it the focus."""
    # an error label just shown has not been laid out yet: lay out first, else the scroll
    # areas scroll by the old geometry and the message stays below the fold
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            parent.ensureWidgetVisible(widget, 20, 20)
        parent = parent.parentWidget()
    if focus:
        widget.setFocus()
