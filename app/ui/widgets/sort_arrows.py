"""Sort indicators that point the way the rows run on every platform: ▲ when the smallest
(oldest) row is on top, ▼ when the largest (newest) is. Qt gives the header style
``SortUp`` for a descending column and Fusion draws that as ▲, while the Windows style turns it
the other way; the clerk reads ▲ as ascending, so the arrow is drawn here, not by the style."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainter, QPalette, QPolygonF
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleOption,
    QStyleOptionHeader,
    QWidget,
)

_INSTALLED = "bangjiaoSortArrows"


class SortArrowStyle(QProxyStyle):
    """The platform's style, with the header's sort arrow drawn as the order reads."""

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow and isinstance(
            option, QStyleOptionHeader
        ):
            order = option.sortIndicator  # type: ignore[attr-defined]  # stubs name it otherwise
            if order in (QStyleOptionHeader.SortIndicator.SortUp,
                         QStyleOptionHeader.SortIndicator.SortDown):  # fmt: skip
                # Qt: SortDown is an ascending column, SortUp a descending one
                _draw_arrow(painter, option, up=order == QStyleOptionHeader.SortIndicator.SortDown)
            return
        super().drawPrimitive(element, option, painter, widget)


def _draw_arrow(painter: QPainter, option: QStyleOption, *, up: bool) -> None:
    rect = option.rect  # type: ignore[attr-defined]
    half = min(rect.width(), rect.height(), 9) / 2  # about Fusion's arrow
    centre = rect.center()
    x, y = float(centre.x()), float(centre.y())
    tip, base = (y - half / 2, y + half / 2) if up else (y + half / 2, y - half / 2)
    triangle = QPolygonF([QPointF(x - half, base), QPointF(x + half, base), QPointF(x, tip)])
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(option.palette.color(QPalette.ColorRole.WindowText))  # type: ignore[attr-defined]
    painter.drawPolygon(triangle)
    painter.restore()


def install_sort_arrows(app: QApplication) -> None:
    """Wrap the application's style once (before its style sheet is set)."""
    if app.property(_INSTALLED):
        return
    app.setStyle(SortArrowStyle(app.style().name()))
    app.setProperty(_INSTALLED, True)
