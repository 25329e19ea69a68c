"""Small Qt-native charts drawn with QPainter: horizontal progress bars per department with a
marker for the time gone, and clickable figure cards."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

STATUS_COLOURS = {"green": "#2e7d32", "amber": "#d08a00", "red": "#c0392b"}
ROW_HEIGHT = 30
LABEL_WIDTH = 150
VALUE_WIDTH = 56


@dataclass(frozen=True)
class Bar:
    """One bar: a label, a share 0–1 (may exceed 1), a status colour and what it stands for."""

    key: int
    label: str
    value: float
    status: str
    tooltip: str = ""


class ProgressBars(QWidget):
    """Horizontal bars, one per row, with a dashed line at ``marker`` (the time gone).

    Signals:
        bar_clicked(int): the key of the bar clicked.
    """

    bar_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[Bar] = []
        self.marker: float | None = None
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_bars(self, bars: list[Bar], marker: float | None) -> None:
        """Show these bars, with the time-gone line at ``marker`` (0–1)."""
        self.bars, self.marker = list(bars), marker
        self.setFixedHeight(max(1, len(self.bars)) * ROW_HEIGHT + 22)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(520, len(self.bars) * ROW_HEIGHT + 22)

    def _track(self) -> QRectF:
        return QRectF(
            LABEL_WIDTH, 0, max(40, self.width() - LABEL_WIDTH - VALUE_WIDTH - 8), ROW_HEIGHT
        )

    def bar_at(self, y: float) -> Bar | None:
        """The bar drawn at height ``y``, if any."""
        row = int(y // ROW_HEIGHT)
        return self.bars[row] if 0 <= row < len(self.bars) else None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        bar = self.bar_at(event.position().y())
        if bar is not None and event.button() == Qt.MouseButton.LeftButton:
            self.bar_clicked.emit(bar.key)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        bar = self.bar_at(event.position().y())
        self.setToolTip(bar.tooltip if bar else "")

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = self._track()
        for row, bar in enumerate(self.bars):
            top = row * ROW_HEIGHT
            painter.setPen(QColor("#1d2b40"))
            painter.drawText(QRectF(0, top, LABEL_WIDTH - 8, ROW_HEIGHT),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, bar.label)  # fmt: skip
            lane = QRectF(track.left(), top + 7, track.width(), ROW_HEIGHT - 14)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#e6eaf0"))
            painter.drawRoundedRect(lane, 3, 3)
            filled = QRectF(
                lane.left(), lane.top(), lane.width() * max(0.0, min(bar.value, 1.0)), lane.height()
            )
            painter.setBrush(QColor(STATUS_COLOURS.get(bar.status, "#1d3f72")))
            painter.drawRoundedRect(filled, 3, 3)
            painter.setPen(QColor("#1d2b40"))
            painter.drawText(QRectF(track.right() + 6, top, VALUE_WIDTH, ROW_HEIGHT),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             f"{bar.value * 100:.0f}%")  # fmt: skip
        if self.marker is not None and self.bars:
            x = track.left() + track.width() * max(0.0, min(self.marker, 1.0))
            pen = QPen(QColor("#1d3f72"), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            bottom = len(self.bars) * ROW_HEIGHT
            painter.drawLine(int(x), 2, int(x), bottom)
            small = QFont(painter.font())
            small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
            painter.setFont(small)
            painter.drawText(QRectF(x - 60, bottom, 120, 20), Qt.AlignmentFlag.AlignCenter,
                             self.tr("时间进度 %1%").replace("%1", f"{self.marker * 100:.0f}"))  # fmt: skip
        painter.end()


class FigureCard(QFrame):
    """A figure with its caption and a line under it; click to see the records behind it.

    Signals:
        clicked(): the card was clicked.
    """

    clicked = Signal()

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("figureCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        self.caption = QLabel(caption)
        self.caption.setObjectName("cardCaption")
        self.caption.setWordWrap(True)
        self.value = QLabel()
        self.value.setObjectName("cardValue")
        self.detail = QLabel()
        self.detail.setObjectName("cardDetail")
        self.detail.setWordWrap(True)
        for label in (self.caption, self.value, self.detail):
            layout.addWidget(label)

    def show_figure(self, value: str, detail: str, status: str | None = None) -> None:
        """Set the figure; ``status`` ("green"/"amber"/"red") colours it."""
        self.value.setText(value)
        self.detail.setText(detail)
        colour = STATUS_COLOURS.get(status or "", "#1d3f72")
        self.value.setStyleSheet(f"color: {colour};")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
