"""工作台账: filter, list (paged), add/edit/delete with undo, export to Excel."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QWidget,
)

from app.models import UnitKind
from app.services import ledger as ledger_service
from app.services import reference
from app.services.errors import UserError
from app.services.ledger import EntryInput, LedgerFilter
from app.ui.background import BackgroundTask, Cancelled
from app.ui.ledger.entry_dialog import EntryDialog
from app.ui.ledger.table_model import TITLE_COLUMN, LedgerTableModel
from app.ui.messages import confirm, show_error
from app.ui.pages.base import Page, button_row
from app.ui.table_model import ROW_ROLE

NO_DATE = QDate(2000, 1, 1)


def _date_edit() -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText("不限")
    edit.setDate(NO_DATE)
    return edit


def _to_date(edit: QDateEdit) -> date | None:
    d = edit.date()
    return None if d == NO_DATE else date(d.year(), d.month(), d.day())


class LedgerPage(Page):
    """The ledger list with its filters; opens the entry form."""

    title = "工作台账"

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        self.model = LedgerTableModel(database, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(40)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((96, 130, 130, 320, 100, 80, 200, 50)):
            self.view.setColumnWidth(column, width)
        header.setSectionResizeMode(TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)

        self.unit_filter = QComboBox()
        self.kind_filter = QComboBox()
        self.indicator_filter = QComboBox()
        self.indicator_filter.setMinimumWidth(260)
        self.office_filter = QComboBox()
        self.date_from = _date_edit()
        self.date_to = _date_edit()
        self.text_filter = QLineEdit()
        self.text_filter.setPlaceholderText(self.tr("标题或情况说明中的文字"))
        self.text_filter.setClearButtonEnabled(True)
        self.clear_button = QPushButton(self.tr("清空条件"))
        filters = QGridLayout()
        for col, (label, widget) in enumerate(
            ((self.tr("填报单位"), self.unit_filter), (self.tr("活动类型"), self.kind_filter),
             (self.tr("结对司法所"), self.office_filter), (self.tr("日期从"), self.date_from))
        ):  # fmt: skip
            filters.addWidget(QLabel(label), 0, col * 2)
            filters.addWidget(widget, 0, col * 2 + 1)
        for col, (label, widget) in enumerate(
            ((self.tr("量化指标"), self.indicator_filter), (self.tr("关键词"), self.text_filter),
             ("", self.clear_button), (self.tr("至"), self.date_to))
        ):  # fmt: skip
            if label:
                filters.addWidget(QLabel(label), 1, col * 2)
            filters.addWidget(widget, 1, col * 2 + 1)
        filters.setColumnStretch(1, 1)
        filters.setColumnStretch(3, 1)
        self.layout_.addLayout(filters)

        self.add_button = QPushButton(self.tr("新增台账"))
        self.add_button.setObjectName("primaryButton")
        self.edit_button = QPushButton(self.tr("查看/编辑"))
        self.delete_button = QPushButton(self.tr("删除"))
        self.undo_button = QPushButton(self.tr("撤销删除"))
        self.export_button = QPushButton(self.tr("导出 Excel…"))
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        row = button_row(
            self.add_button,
            self.edit_button,
            self.delete_button,
            self.undo_button,
            self.export_button,
        )
        row.addWidget(self.count_label)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.view, 1)
        self._last_deleted: int | None = None
        self.undo_button.setEnabled(False)

        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(300)
        self._text_timer.timeout.connect(self.apply_filter)
        self.text_filter.textChanged.connect(self._text_timer.start)
        self.text_filter.returnPressed.connect(self.apply_filter)
        for combo in (
            self.unit_filter,
            self.kind_filter,
            self.indicator_filter,
            self.office_filter,
        ):
            combo.currentIndexChanged.connect(self.apply_filter)
        self.date_from.dateChanged.connect(self.apply_filter)
        self.date_to.dateChanged.connect(self.apply_filter)
        self.clear_button.clicked.connect(self.clear_filters)
        self.add_button.clicked.connect(lambda: self.open_entry(None))
        self.edit_button.clicked.connect(self.open_selected)
        self.view.doubleClicked.connect(lambda index: self.open_entry(index.data(ROW_ROLE).id))
        self.delete_button.clicked.connect(self.delete_selected)
        self.undo_button.clicked.connect(self.undo_delete)
        self.export_button.clicked.connect(self.export)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        self._load_choices()
        self.apply_filter()

    # ------------------------------------------------------------ filters

    def _load_choices(self) -> None:
        with self.database.session() as session:
            units = reference.list_units(session)
            kinds = reference.list_entry_kinds(session)
            items = (
                reference.indicator_choices(session, self.context.programme_id)
                if self.context.programme_id
                else []
            )
        self.units = units
        self.kinds = kinds
        self.offices = [u for u in units if u.kind == UnitKind.JUDICIAL_OFFICE]
        names = {u.id: u.name for u in units}
        for combo, entries in (
            (self.unit_filter, [(u.name, u.id) for u in units if u.kind in (UnitKind.DEPARTMENT, UnitKind.JUDICIAL_OFFICE,
                                                                             UnitKind.CORRECTION_SECTION, UnitKind.COUNTY_OFFICE)]),
            (self.kind_filter, [(k.name, k.id) for k in kinds]),
            (self.office_filter, [(o.name, o.id) for o in self.offices]),
            (self.indicator_filter, [(f"{names[department]} · {name}", ind) for ind, department, name in items]),
        ):  # fmt: skip
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("全部"), None)
            for label, value in entries:
                combo.addItem(label, value)
            combo.blockSignals(False)

    def current_filter(self) -> LedgerFilter:
        """The filter the controls describe."""
        return LedgerFilter(
            unit_id=self.unit_filter.currentData(),
            kind_id=self.kind_filter.currentData(),
            date_from=_to_date(self.date_from),
            date_to=_to_date(self.date_to),
            indicator_id=self.indicator_filter.currentData(),
            paired_office_id=self.office_filter.currentData(),
            text=self.text_filter.text(),
        )

    def apply_filter(self) -> None:
        """Reload the list for the current filter."""
        self._text_timer.stop()
        self.model.set_filter(self.current_filter())

    def clear_filters(self) -> None:
        """Show every entry again."""
        for widget in (self.unit_filter, self.kind_filter, self.indicator_filter, self.office_filter,
                       self.date_from, self.date_to, self.text_filter):  # fmt: skip
            widget.blockSignals(True)
        for combo in (
            self.unit_filter,
            self.kind_filter,
            self.indicator_filter,
            self.office_filter,
        ):
            combo.setCurrentIndex(0)
        self.date_from.setDate(NO_DATE)
        self.date_to.setDate(NO_DATE)
        self.text_filter.clear()
        for widget in (self.unit_filter, self.kind_filter, self.indicator_filter, self.office_filter,
                       self.date_from, self.date_to, self.text_filter):  # fmt: skip
            widget.blockSignals(False)
        self.apply_filter()

    def refresh(self) -> None:
        """Reload choices (units or indicators may have changed) and the list."""
        current = self.current_filter()
        self._load_choices()
        for combo, value in ((self.unit_filter, current.unit_id), (self.kind_filter, current.kind_id),
                             (self.indicator_filter, current.indicator_id),
                             (self.office_filter, current.paired_office_id)):  # fmt: skip
            combo.blockSignals(True)
            combo.setCurrentIndex(max(combo.findData(value), 0))
            combo.blockSignals(False)
        self.apply_filter()

    def _update_count(self) -> None:
        self.count_label.setText(self.tr("共 %1 条").replace("%1", f"{self.model.total:,}"))

    def _update_buttons(self) -> None:
        selected = self.selected_entry_id() is not None
        self.edit_button.setEnabled(selected)
        self.delete_button.setEnabled(selected)

    def selected_entry_id(self) -> int | None:
        """The id of the selected entry, or None."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()).id if rows else None

    # ------------------------------------------------------------ entries

    def _kind_fields(self, kind_id: int):
        with self.database.session() as session:
            kind, fields = ledger_service.kind_fields(session, kind_id)
            return fields, kind.min_photos

    def make_entry_dialog(self, entry_id: int | None) -> EntryDialog:
        """The entry form for a new entry (None) or an existing one."""
        with self.database.session() as session:
            entry = ledger_service.get_entry(session, entry_id) if entry_id is not None else None
            pairings: dict[int, list[int]] = {}
            for p in reference.list_pairings(session, self.context.programme_id):
                pairings.setdefault(p.department_id, []).append(p.office_id)
                pairings.setdefault(p.office_id, []).append(p.department_id)
        county = self.context.local_unit_kind in (
            UnitKind.COUNTY_OFFICE,
            UnitKind.CORRECTION_SECTION,
        )
        units = [u for u in self.units if u.kind != UnitKind.CITY_OFFICE]

        def save(data: EntryInput) -> None:
            data.programme_id = self.context.programme_id
            with self.database.session() as session:
                ledger_service.save_entry(session, self.database.attachments, entry_id, data)

        return EntryDialog(
            save,
            kinds=self.kinds,
            kind_fields=self._kind_fields,
            units=units,
            offices=self.offices,
            pairings={k: v for k, v in pairings.items()},
            store=self.database.attachments,
            unit_id=self.context.local_unit_id,
            unit_locked=not county,
            entry=entry,
            parent=self,
        )

    def show_records(
        self, unit_id: int | None = None, entry_id: int | None = None, **_other
    ) -> None:
        """Show one unit's entries (clearing the other conditions), or open one entry."""
        if unit_id is not None:
            self.clear_filters()
            index = self.unit_filter.findData(unit_id)
            if index >= 0:
                self.unit_filter.setCurrentIndex(index)
            self.apply_filter()
        if entry_id is not None:
            self.open_entry(entry_id)

    def open_entry(self, entry_id: int | None) -> bool:
        """Open the form; reload the list if it was saved."""
        dialog = self.make_entry_dialog(entry_id)
        if dialog.exec():
            self.model.reload()
            return True
        return False

    def open_selected(self) -> None:
        """Open the selected entry."""
        entry_id = self.selected_entry_id()
        if entry_id is not None:
            self.open_entry(entry_id)

    def delete_selected(self) -> None:
        """Delete the selected entry after confirmation (undo is offered)."""
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return
        row = self.model.row_at(rows[0].row())
        question = self.tr("确定删除台账“%1”吗？删除后可点“撤销删除”恢复。").replace(
            "%1", row.title
        )
        if not confirm(self, self.tr("删除台账"), question):
            return
        self.run(lambda s: ledger_service.delete_entry(s, row.id))
        self._last_deleted = row.id
        self.undo_button.setEnabled(True)
        self.model.reload()

    def undo_delete(self) -> None:
        """Bring back the entry deleted last."""
        if self._last_deleted is None:
            return
        entry_id = self._last_deleted
        self.run(lambda s: ledger_service.restore_entry(s, entry_id))
        self._last_deleted = None
        self.undo_button.setEnabled(False)
        self.model.reload()

    def export(self, path: Path | None = None) -> BackgroundTask | None:
        """Export the current filter to an .xlsx file in the background (asks where if no ``path``).

        Returns the running task; its ``finished`` signal fires when the file is written.
        """
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                self.tr("导出工作台账"),
                f"工作台账-{date.today():%Y%m%d}.xlsx",
                "Excel 工作簿 (*.xlsx)",
            )
            if not chosen:
                return None
            path = Path(chosen)
        flt, total, database = self.current_filter(), self.model.total, self.database

        def work(report):
            from app.reports.ledger_xlsx import export_ledger_xlsx

            with database.session() as session:
                return export_ledger_xlsx(session, flt, path, progress=report)

        task = BackgroundTask(self, self.tr("导出工作台账"), self.tr("正在导出 %1 条台账……").replace("%1", f"{total:,}"),
                              total, work)  # fmt: skip
        self.export_button.setEnabled(False)

        def done(count: int) -> None:
            self.count_label.setText(
                self.tr("已导出 %1 条到 %2").replace("%1", f"{count:,}").replace("%2", path.name)
            )

        def failed(error: object) -> None:
            if isinstance(error, Cancelled):
                self.count_label.setText(self.tr("已取消导出"))
            elif isinstance(error, UserError):
                show_error(self, self.tr("导出失败"), str(error))
            else:
                show_error(
                    self, self.tr("导出失败"), self.tr("导出时出错：%1").replace("%1", repr(error))
                )

        task.succeeded.connect(done)
        task.failed.connect(failed)
        task.finished.connect(lambda: self.export_button.setEnabled(True))
        self._export_task = task
        task.start()
        return task
