"""Reminders: the 今日待办 panel shown when the window opens, and the choice of unit for the
催办单."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.reminders import ReminderItem
from app.ui.charts import STATUS_COLOURS
from app.ui.dialogs.unit_choice import UnitChoiceDialog
from app.ui.table_model import Column, RowTableModel
from app.ui.table_view import RowTableView


def _due(item: ReminderItem) -> str:
    return item.due.isoformat() if item.due else "—"


def reminder_model(parent: QWidget, *, with_due: bool = True) -> RowTableModel[ReminderItem]:
    """The columns of a reminder list: 类别, 单位, 事项, 期限 (unless not ``with_due``: then in
    the status's tooltip), 状态 (red overdue, amber due soon)."""
    tr = parent.tr
    due = [Column(tr("期限"), _due, lambda i: _due(i))] if with_due else []
    return RowTableModel[ReminderItem]([
        Column(tr("类别"), lambda i: i.kind),
        Column(tr("单位"), lambda i: i.unit),
        Column(tr("事项"), lambda i: i.text, tooltip=lambda i: i.text),
        *due,
        Column(tr("状态"), lambda i: i.status, lambda i: -i.days_late if i.overdue else i.days_left,
               True, tooltip=lambda i: tr("期限：%1").replace("%1", _due(i)),
               foreground=lambda i: STATUS_COLOURS[i.colour]),
    ])  # fmt: skip


class TodayPanel(QDialog):
    """今日待办: this PC's overdue (red) and due-soon (amber) items, shown (not modal) when the
    window opens. A double-click opens the record; 今日不再提示 hides it until tomorrow.

    Signals:
        open_record(object): the ReminderItem double-clicked.
        dismissed(): 今日不再提示 was clicked.
    """

    open_record = Signal(object)
    dismissed = Signal()

    def __init__(self, items: list[ReminderItem], days: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("今日待办"))
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = reminder_model(self)
        self.set_items(items, days)
        self.view = RowTableView(self.model, stretch=2)
        self.view.row_activated.connect(self.open_record.emit)
        layout.addWidget(self.view, 1)
        self.dismiss_button = QPushButton(self.tr("今日不再提示"))
        self.dismiss_button.clicked.connect(lambda: self._dismiss())
        self.close_button = QPushButton(self.tr("关闭"))
        self.close_button.clicked.connect(lambda: self.close())
        row = QHBoxLayout()
        row.addWidget(self.dismiss_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.resize(760, 380)

    def set_items(self, items: list[ReminderItem], days: int) -> None:
        """Show ``items`` (again: another PC changed what is due)."""
        overdue = sum(1 for i in items if i.overdue)
        self.summary.setText(
            self.tr("逾期 %1 项（红色），%2 天内到期 %3 项（橙色）。双击一行查看。")
            .replace("%1", str(overdue)).replace("%2", str(days))
            .replace("%3", str(len(items) - overdue))
        )  # fmt: skip
        self.model.set_rows(items)

    def _dismiss(self) -> None:
        self.dismissed.emit()
        self.close()


class ReminderUnitDialog(UnitChoiceDialog):
    """打印催办单: one unit, or every unit with items (a page each)."""

    def __init__(self, units: list[str], parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("打印催办单"), self.tr("催办单位："), self.tr("全部单位（%1 个，每单位一页）"),
            self.tr("列出该单位逾期和即将到期的事项。下一步选择保存位置。"), units, None, parent,
        )  # fmt: skip
