"""A read-only table model over a list of plain rows (dataclasses)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

Row = TypeVar("Row")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ALERT_BACKGROUND = "#fbe3e0"  # rows that need attention: overdue, missing
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One column: its header, how to show a row's value, and how to sort it."""

    header: str
    display: Callable[[Row], Any]
    sort_key: Callable[[Row], Any] | None = None
    align_right: bool = False
    tooltip: Callable[[Row], str] | None = None
    foreground: Callable[[Row], str | None] | None = None  # a colour name, or None


class RowTableModel(QAbstractTableModel, Generic[Row]):
    """Shows ``rows`` in ``columns``; ``set_rows`` replaces them all.

    ``SORT_ROLE`` gives a sortable value (numbers as numbers) for a sort proxy, and
    ``ROW_ROLE`` gives the row object itself. ``row_background`` colours whole rows (a colour
    name, or None), e.g. ``ALERT_BACKGROUND`` for overdue ones.
    """

    def __init__(
        self,
        columns: Sequence[Column[Row]],
        parent=None,
        row_background: Callable[[Row], str | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Row] = []
        self._row_background = row_background

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def refresh_display(self) -> None:
        """Redraw every cell (after values the columns read from elsewhere changed)."""
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(self._columns) - 1)
            )

    def rows(self) -> list[Row]:
        """The rows shown, in model order."""
        return list(self._rows)

    def row_at(self, row: int) -> Row:
        """The row object at a model row number."""
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, column = self._rows[index.row()], self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = column.display(row)
            return "" if value is None else str(value)
        if role == SORT_ROLE:
            key = column.sort_key or column.display
            return key(row)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.BackgroundRole and self._row_background is not None:
            colour = self._row_background(row)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.ForegroundRole and column.foreground is not None:
            colour = column.foreground(row)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = (
                Qt.AlignmentFlag.AlignRight if column.align_right else Qt.AlignmentFlag.AlignLeft
            )
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section].header
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None


def format_percent(ratio: float | None) -> str:
    """A ratio as a whole percentage, empty when unknown."""
    return "" if ratio is None else f"{ratio * 100:.0f}%"


def progress_colour(ratio: float | None) -> str | None:
    """Green when met, amber from half way, red below."""
    if ratio is None:
        return None
    if ratio >= 1:
        return "#1e7d32"
    return "#b36b00" if ratio >= 0.5 else "#c0392b"


def format_number(value: float) -> str:
    """A figure without a useless ``.0`` and with thousands separators."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def format_local_time(moment: datetime | None) -> str:
    """A stored (UTC) time in this PC's time zone, to the minute."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone():%Y-%m-%d %H:%M}"
