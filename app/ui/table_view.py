"""A sortable, row-selecting table view over a RowTableModel."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.ui.table_model import ROW_ROLE, SORT_ROLE, RowTableModel


class RowTableView(QTableView):
    """Shows a RowTableModel; clicking a header sorts by that column.

    Signals:
        row_activated(object): the row object double-clicked or Enter-pressed.
        selection_changed(): the selected row changed.
    """

    row_activated = Signal(object)
    selection_changed = Signal()

    def __init__(
        self, model: RowTableModel, parent: QWidget | None = None, stretch: int = -1
    ) -> None:
        super().__init__(parent)
        self.source_model = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        if stretch >= 0:
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        else:
            header.setStretchLastSection(True)
        self.doubleClicked.connect(lambda index: self.row_activated.emit(index.data(ROW_ROLE)))
        self.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())
        model.modelReset.connect(self.selection_changed.emit)

    def selected_row(self) -> Any | None:
        """The selected row object, or None."""
        indexes = self.selectionModel().selectedRows()
        return indexes[0].data(ROW_ROLE) if indexes else None

    def select_where(self, predicate) -> bool:
        """Select the first row for which ``predicate(row)`` is true."""
        for view_row in range(self.proxy.rowCount()):
            index = self.proxy.index(view_row, 0)
            if predicate(index.data(ROW_ROLE)):
                self.selectRow(view_row)
                self.scrollTo(index)
                return True
        return False
