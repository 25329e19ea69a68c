"""工作台账: filter, list (paged), add/edit/delete with undo, export to Excel, import from an
Excel workbook (with its template)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
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
from app.services.dates import DatePurpose, DateRange
from app.services.ledger import ENTERS_FOR_OTHER_UNITS, EntryInput, EntryRow, LedgerFilter
from app.services.privacy import FULL_NAMES_REFUSED, may_export_full_names
from app.ui.background import BackgroundTask, Cancelled
from app.ui.desktop import show_in_folder
from app.ui.files import ask_open_path, ask_save_path
from app.ui.ledger.entry_dialog import EntryDialog
from app.ui.ledger.table_model import TITLE_COLUMN, LedgerTableModel, locked_text
from app.ui.messages import confirm, inform, show_error
from app.ui.operations import report_failure
from app.ui.pages.base import Page, button_row
from app.ui.table_model import ROW_ROLE
from app.ui.widgets.dates import DateField


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
        # A little wider than the programme's year; empty means no limit.
        filter_dates = context.date_range(DatePurpose.FORM_FIELD)
        work = context.date_range(DatePurpose.WORK)
        self.date_from = DateField(filter_dates, optional=True, default=work.earliest,
                                   label=self.tr("起始日期"))  # fmt: skip
        self.date_to = DateField(filter_dates, optional=True, default=work.latest,
                                 label=self.tr("截止日期"))  # fmt: skip
        for field in (self.date_from, self.date_to):
            field.edit.setPlaceholderText(self.tr("不限"))
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

        self.may_edit = True  # set from the role below
        self.add_button = QPushButton(self.tr("新增台账"))
        self.add_button.setObjectName("primaryButton")
        self.edit_button = QPushButton(self.tr("查看/编辑"))
        self.delete_button = QPushButton(self.tr("删除"))
        self.undo_button = QPushButton(self.tr("撤销删除"))
        self.verify_button = QPushButton(self.tr("核实…"))
        self.verify_button.setToolTip(self.tr("标记所选台账已核实或存疑（县矫正办）"))
        self.answer_button = QPushButton(self.tr("说明存疑…"))
        self.answer_button.setToolTip(self.tr("对县矫正办标记存疑的本单位台账作出说明"))
        self.export_button = QPushButton(self.tr("导出 Excel…"))
        self.export_button.setToolTip(self.tr("把按上面的条件筛选出的台账导出为 Excel 文件"))
        self.check_button = QPushButton(self.tr("核查…"))
        self.check_button.setToolTip(
            self.tr("台账核查：同一照片重复使用、拍摄日期不符、内容相同等，可标记已说明或提出整改")
        )
        self.import_button = QPushButton(self.tr("导入 Excel…"))
        self.import_button.setToolTip(
            self.tr("从导入模板（或含完整姓名的导出文件）批量导入台账；有任何错误则全部不导入")
        )
        self.template_button = QPushButton(self.tr("下载导入模板…"))
        self.template_button.setToolTip(
            self.tr("生成台账导入模板：每种活动类型一个工作表，选项为下拉列表")
        )
        self.volume_button = QPushButton(self.tr("打印台账卷…"))
        self.volume_button.setToolTip(
            self.tr(
                "把一个单位一段时间的台账装订成卷（PDF）：封面、卷内目录、每件台账附照片，供检查翻阅"
            )
        )
        self.full_names_box = QCheckBox(self.tr("导出完整姓名"))
        self.full_names_box.setToolTip(
            self.tr(
                "默认导出的社区矫正对象姓名脱敏（如“王*”）；勾选并确认后，这一次导出写出完整姓名"
            )
        )
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        row = button_row(
            self.add_button,
            self.edit_button,
            self.delete_button,
            self.undo_button,
            self.verify_button,
            self.answer_button,
            self.export_button,
        )
        row.insertWidget(row.indexOf(self.export_button) + 1, self.full_names_box)
        row.insertWidget(row.indexOf(self.full_names_box) + 1, self.import_button)
        row.insertWidget(row.indexOf(self.import_button) + 1, self.template_button)
        row.insertWidget(row.indexOf(self.template_button) + 1, self.check_button)
        row.insertWidget(row.indexOf(self.check_button) + 1, self.volume_button)
        row.addWidget(self.count_label)
        self.layout_.addLayout(row)
        self.export_status = QLabel()
        self.export_status.setObjectName("hint")
        self.export_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_folder_button = QPushButton(self.tr("打开所在文件夹"))
        status_row = QHBoxLayout()
        status_row.addWidget(self.export_status)
        status_row.addWidget(self.open_folder_button)
        status_row.addStretch(1)
        self.layout_.addLayout(status_row)
        self.export_status.hide()
        self.open_folder_button.hide()
        self.exported_file: Path | None = None
        self.layout_.addWidget(self.view, 1)
        self._last_deleted: int | None = None
        self._saved_year: int | None = None  # the year the last saved entry belongs to
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
        for field in (self.date_from, self.date_to):
            field.valueChanged.connect(lambda _value, f=field: self._date_changed(f))
        # clicked(bool) must not reach a parameter: every button goes through a lambda
        self.clear_button.clicked.connect(lambda: self.clear_filters())
        self.add_button.clicked.connect(lambda: self.open_entry(None))
        self.edit_button.clicked.connect(lambda: self.open_selected())
        self.view.doubleClicked.connect(lambda index: self.open_entry(index.data(ROW_ROLE).id))
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.undo_button.clicked.connect(lambda: self.undo_delete())
        self.verify_button.clicked.connect(lambda: self.verify_selected())
        self.answer_button.clicked.connect(lambda: self.answer_selected())
        self.export_button.clicked.connect(lambda: self.export())
        self.check_button.clicked.connect(lambda: self.open_check())
        self.full_names_box.clicked.connect(lambda: self._full_names_clicked())
        self.volume_button.clicked.connect(lambda: self.print_volume())
        self.open_folder_button.clicked.connect(lambda: self.open_export_folder())
        self.import_button.clicked.connect(lambda: self.import_workbook())
        self.template_button.clicked.connect(lambda: self.save_template())
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        from app.services.programme import entry_window, entry_windows

        with self.database.session() as session:
            # entries belong to the programme whose period holds their date
            self.year_window = entry_window(session, context.programme_id)
            # the current year also takes a late entry of an earlier year (年底补登): saved, it
            # belongs to the year its date lies in (services.programme.programme_for_entry)
            windows = entry_windows(session).values()
            self.earliest_entry = min((first for first, _last in windows), default=None)
        # the logged-in user's role: disabled, the tooltip says why
        self.may_edit = self.forbid_unless(
            "ledger.edit", self.add_button, self.delete_button, self.import_button
        )
        self.forbid_unless(
            "ledger.export", self.export_button, self.full_names_box, self.volume_button
        )
        # 核实 is the county's; explaining a doubt is the unit's (whose entry it is)
        county = context.local_unit_kind == UnitKind.COUNTY_OFFICE
        self.verify_button.setVisible(county)
        self.answer_button.setVisible(not county)
        self.forbid_unless("ledger.verify", self.verify_button)
        self.forbid_unless("ledger.answer", self.answer_button)
        if context.read_only:  # an earlier year: view and export only
            for button in (self.add_button, self.import_button):
                button.setEnabled(False)
                button.setToolTip(context.read_only_note)
            self.edit_button.setText(self.tr("查看"))
        self.model.county = county
        self._load_choices()
        self._load_locks()
        self.apply_filter()

    def _load_locks(self) -> None:
        """The closed periods of every unit listed, once per page load (not per row)."""
        from app.services.period_locks import locked_periods

        units = [u for u in self.units if u.kind != UnitKind.CITY_OFFICE]

        def work(session) -> dict[str, list]:
            found = {u.name: locked_periods(session, u.id) for u in units}
            return {name: periods for name, periods in found.items() if periods}

        # a read: no "changed" (a second window's page would refresh and read back, for ever)
        ok, found = self.operation(self.tr("工作台账"), work, changes=False).run()
        self.model.locked_periods = (found if ok else None) or {}

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
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
            indicator_id=self.indicator_filter.currentData(),
            paired_office_id=self.office_filter.currentData(),
            text=self.text_filter.text(),
            window=self.year_window,
        )

    def _date_changed(self, field: DateField) -> None:
        """Filter again once a date is complete, or emptied (not at every keystroke between)."""
        if field.problem() is None:
            self.apply_filter()

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
        self.date_from.setValue(None)
        self.date_to.setValue(None)
        self.text_filter.clear()
        for widget in (self.unit_filter, self.kind_filter, self.indicator_filter, self.office_filter,
                       self.date_from, self.date_to, self.text_filter):  # fmt: skip
            widget.blockSignals(False)
        self.apply_filter()

    def refresh(self) -> None:
        """Reload choices (units or indicators may have changed) and the list."""
        current = self.current_filter()
        self._load_choices()
        self._load_locks()
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
        row = self.selected_row()
        period = self.model.lock_of(row) if row is not None else None
        self.enable(
            self.delete_button,
            selected and not self.context.read_only and period is None,
            locked_text(period, self.model.county) if period is not None else "",
        )
        self.enable(self.verify_button, row is not None and not row.deleted)
        doubted = row is not None and row.verification.startswith("存疑")
        own = row is not None and row.unit == self.context.local_unit_name
        self.enable(self.answer_button, doubted and own)

    def selected_row(self) -> EntryRow | None:
        """The selected list row, or None."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def verify_selected(self) -> None:
        """核实…: mark the selected entry 已核实 or 存疑 (the county)."""
        from app.services import verification
        from app.ui.dialogs.verification_dialogs import MarkDialog

        row = self.selected_row()
        if row is None:
            return
        today = date.today()

        def save(values: dict) -> None:
            self.save_from_dialog(
                self.tr("核实台账"),
                lambda s: verification.mark_entry(
                    s, row.id, values["status"], values["reason"], today
                ),
            )

        if MarkDialog(save, row, self).exec():
            self.model.reload(recount=False)

    def answer_selected(self) -> None:
        """说明存疑…: explain a doubt about one of this unit's entries."""
        from app.services import verification
        from app.ui.dialogs.verification_dialogs import AnswerDialog

        row = self.selected_row()
        if row is None:
            return
        marks = self.run(lambda s: verification.verifications(s, [row.id]), self.tr("说明存疑"))
        mark = (marks or {}).get(row.id)
        if mark is None:
            return
        today = date.today()

        def save(values: dict) -> None:
            self.save_from_dialog(
                self.tr("说明存疑"),
                lambda s: verification.answer_doubt(s, row.id, values["answer"], today),
            )

        if AnswerDialog(save, row, mark.reason, self).exec():
            self.model.reload(recount=False)

    def selected_entry_id(self) -> int | None:
        """The id of the selected entry, or None."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()).id if rows else None

    # ------------------------------------------------------------ entries

    def _kind_fields(self, kind_id: int):
        with self.database.session() as session:
            kind, fields = ledger_service.kind_fields(session, kind_id)
            return fields, kind.min_photos

    def entry_dates(self) -> DateRange:
        """The dates an entry may have: the programme's year, not after today; in the
        current year, from the first year's first day too (a late entry of an earlier year is
        saved into that year)."""
        work = self.context.date_range(DatePurpose.WORK)
        if not self.context.read_only and self.earliest_entry is not None:
            work = DateRange(earliest=min(work.earliest, self.earliest_entry),
                             latest=work.latest, period_end=work.period_end)  # fmt: skip
        today = date.today()
        if work.contains(today):
            return DateRange(earliest=work.earliest, latest=today, period_end=work.period_end)
        return work

    def enters_for_other_units(self) -> bool:
        """Whether this PC registers entries for other units (the county's; see the service)."""
        kind = self.context.local_unit_kind
        return kind is None or kind in ENTERS_FOR_OTHER_UNITS

    def make_entry_dialog(self, entry_id: int | None) -> EntryDialog | None:
        """The entry form for a new entry (None) or an existing one (None when it cannot be
        read, e.g. it was deleted meanwhile: the clerk was told)."""

        def load(session):
            entry = ledger_service.get_entry(session, entry_id) if entry_id is not None else None
            lock = None
            if entry is not None and entry.unit_id is not None and not entry.deleted:
                from app.services.period_locks import locked_periods

                periods = locked_periods(session, entry.unit_id)
                lock = next((p for p in periods if p.start <= entry.entry_date <= p.end), None)
            pairings: dict[int, list[int]] = {}
            for p in reference.list_pairings(session, self.context.programme_id):
                pairings.setdefault(p.department_id, []).append(p.office_id)
                pairings.setdefault(p.office_id, []).append(p.department_id)
            return entry, pairings, lock

        ok, loaded = self.operation(self.tr("打开台账"), load, changes=False).run()
        if not ok or loaded is None:
            return None
        entry, pairings, lock = loaded
        units = [  # an older entry of another unit still shows whose it is
            u
            for u in self.units
            if u.kind in ledger_service.LEDGER_UNIT_KINDS or (entry and u.id == entry.unit_id)
        ]
        store = self.database.attachments
        programme_id = self.context.programme_id
        revision = entry.revision if entry is not None else None  # as opened: 已被他人修改

        def save(data: EntryInput) -> None:
            def work(session) -> int:
                filled = replace(data, programme_id=programme_id, expected_revision=revision)
                saved = ledger_service.save_entry(session, store, entry_id, filled)
                self._saved_year = ledger_service.entry_year(session, saved)
                return saved

            self.save_from_dialog(self.tr("保存台账"), work)

        dialog = EntryDialog(
            save,
            kinds=self.kinds,
            kind_fields=self._kind_fields,
            units=units,
            offices=self.offices,
            pairings=pairings,
            store=store,
            unit_id=self.context.local_unit_id,
            unit_locked=not self.enters_for_other_units(),
            entry=entry,
            entry_dates=self.entry_dates(),
            field_dates=self.context.date_range(DatePurpose.FORM_FIELD),
            note=self._ownership_note(entry),
            read_only=entry is not None and (not self.may_edit or self.context.read_only),
            parent=self,
        )
        if lock is not None:
            dialog.show_locked(locked_text(lock, self.model.county))
        return dialog

    def _ownership_note(self, entry) -> str:
        """On the county's PC, what an edit of another unit's entry does."""
        here = self.context.local_unit_id
        if entry is None or here is None or entry.unit_id == here:
            return ""
        owner = next((u.name for u in self.units if u.id == entry.unit_id), "")
        if self.database.file is None:  # a server's database: seen at once by those on it
            return self.tr(
                "这条台账由%1填报，修改后仍是%1的台账（填报单位不能更改）。数据库在服务器上：%1"
                "在服务器上登录时立即看到这次修改；如%1通过数据包报送，它以后报送的修改与这次不同时，"
                "导入时会列为待核对的冲突，在“数据交换”页决定保留哪一份。"
            ).replace("%1", owner)
        return self.tr(
            "这条台账由%1填报，修改后仍是%1的台账（填报单位不能更改）。本机的修改只保存在本机，"
            "不会发给%1；%1以后报送的修改如与本机的修改不同，导入时会列为待核对的冲突，"
            "在“数据交换”页决定保留哪一份。"
        ).replace("%1", owner)

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
        if dialog is None:
            return False
        self._saved_year = None
        if dialog.exec():
            self.model.reload()
            year = self._saved_year
            if year is not None and year != self.context.programme_year:
                from app.ui.messages import inform

                inform(
                    self,
                    self.tr("保存台账"),
                    self.tr("这条台账的日期属于 %1 年度，已记入 %1 年度的台账，不在本年度的列表中；"
                            "可在窗口顶部选择 %1 年度查看。").replace("%1", str(year)),
                )  # fmt: skip
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
        if self.attempt(
            lambda s: ledger_service.delete_entry(s, row.id, row.revision), self.tr("删除台账")
        ):
            self._last_deleted = row.id
            self.undo_button.setEnabled(True)
        self.model.reload()

    def undo_delete(self) -> None:
        """Bring back the entry deleted last."""
        if self._last_deleted is None:
            return
        entry_id = self._last_deleted
        if self.attempt(lambda s: ledger_service.restore_entry(s, entry_id), self.tr("撤销删除")):
            self._last_deleted = None
            self.undo_button.setEnabled(False)
        self.model.reload()

    def open_check(self) -> None:
        """核查…: the evidence-integrity list of the year shown (worked out in the
        background); entries opened from it are reloaded here afterwards."""
        from app.ui.dialogs.evidence_dialog import EvidenceCheckDialog

        dialog = EvidenceCheckDialog(self)
        dialog.load()
        dialog.exec()
        self.model.reload()

    # ------------------------------------------------------------ export

    def export(self) -> BackgroundTask | None:
        """Ask where to save the entries the filters select, then export them (in the
        background); None when the clerk cancelled the file dialog."""
        path = ask_save_path(
            self,
            self.tr("导出工作台账"),
            f"工作台账-{date.today():%Y%m%d}.xlsx",
            self.tr("Excel 工作簿 (*.xlsx)"),
            ".xlsx",
        )
        return self.export_to(path) if path is not None else None

    def _full_names_clicked(self) -> None:
        """Ticking 导出完整姓名 asks first (and needs the permission); unticking does not."""
        if not self.full_names_box.isChecked():
            return
        with self.database.session() as session:
            allowed = may_export_full_names(session)
        if not allowed:
            self.full_names_box.setChecked(False)
            show_error(self, self.tr("导出完整姓名"), FULL_NAMES_REFUSED)
            return
        question = self.tr(
            "导出的 Excel 文件将含社区矫正对象的完整姓名。社区矫正对象的信息依法保密，"
            "文件须妥善保管，不得外传。\n\n确定要在这次导出中写出完整姓名吗？"
        )
        if not confirm(self, self.tr("导出完整姓名"), question):
            self.full_names_box.setChecked(False)

    def export_to(self, path: Path) -> BackgroundTask:
        """Export the entries the filters select to ``path`` in the background, with progress
        and 取消; afterwards the line under the buttons says what was written where. Names are
        masked unless 导出完整姓名 was ticked (and confirmed), which holds for this one export.
        Returns the running task (its ``finished`` fires after the line is set)."""
        flt, total = self.current_filter(), self.model.total
        full_names = self.full_names_box.isChecked()
        self.full_names_box.setChecked(False)

        def work(session, report) -> int:
            from app.reports.ledger_xlsx import export_ledger_xlsx

            return export_ledger_xlsx(session, flt, path, progress=report, full_names=full_names)

        title = self.tr("导出工作台账")
        self.export_button.setEnabled(False)
        self._show_export_status(self.tr("正在导出……"), None)
        operation = self.operation(title, work, changes=False)
        operation.success(lambda count: self._exported(count, path, full_names))
        operation.failure(lambda error: self._export_failed(title, error))
        task = operation.in_background(
            self.tr("正在导出 %1 条台账……").replace("%1", f"{total:,}"), total
        )
        task.finished.connect(lambda: self.enable(self.export_button, True))
        return task

    def print_volume(self) -> BackgroundTask | None:
        """打印台账卷…: ask the unit, period and 卷号, then where to save the PDF; bound in the
        background (the 档号 given are kept once the file is written) and opened. None when
        the clerk cancelled."""
        from app.ui.desktop import open_with_system
        from app.ui.dialogs.volume_dialog import VolumeDialog

        units = [(self.unit_filter.itemText(i), self.unit_filter.itemData(i))
                 for i in range(1, self.unit_filter.count())]  # fmt: skip
        chosen = self.unit_filter.currentData()  # the unit the list is narrowed to, else
        if chosen is None:  # the first unit with entries this year (the county keeps none)
            keeping = self.run(
                lambda s: ledger_service.entry_unit_ids(s, LedgerFilter(window=self.year_window)),
                self.tr("打印台账卷"),
            )
            chosen = next((unit_id for _name, unit_id in units if unit_id in (keeping or ())),
                          self.context.local_unit_id)  # fmt: skip
        work = self.context.date_range(DatePurpose.WORK)
        start = self.date_from.value() or work.earliest
        end = self.date_to.value() or min(work.latest, max(date.today(), work.earliest))
        dialog = VolumeDialog(
            units, chosen, self.context.date_range(DatePurpose.FORM_FIELD), start, end, self
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        unit_id, first, last, number = dialog.choice()
        unit = dialog.unit.currentText()
        name = f"台账卷-{unit}-{first:%Y%m%d}-{last:%Y%m%d}-第{number}卷.pdf"
        path = ask_save_path(self, self.tr("保存台账卷"), name, "PDF (*.pdf)", ".pdf")
        if path is None:
            return None

        def bind(session, report) -> Path:
            from app.reports.ledger_volume import write_volume
            from app.services.volumes import build_volume

            report(1)
            volume = build_volume(session, self.database.attachments, unit_id, first, last, number)
            report(2)
            write_volume(volume, path)  # in the transaction: no file, no 档号 kept
            report(3)
            return path

        return self.run_in_background(
            self.tr("打印台账卷"), self.tr("正在生成 %1……").replace("%1", path.name), bind,
            total=3, success=lambda saved: open_with_system(self, saved), changes=True,
        )  # fmt: skip

    def _exported(self, count: int, path: Path, full_names: bool) -> None:
        text = (
            self.tr("已导出 %1 条台账到：%2").replace("%1", f"{count:,}").replace("%2", str(path))
        )
        text += (
            self.tr("（含完整姓名，请妥善保管）")
            if full_names
            else self.tr("（姓名、身份证号码已脱敏）")
        )
        self._show_export_status(text, path)

    def _export_failed(self, title: str, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self._show_export_status(self.tr("已取消，本次未导出。"), None)
            return
        self._show_export_status(self.tr("导出未完成，未生成文件。"), None)
        report_failure(self, title, error)

    def _show_export_status(self, text: str, path: Path | None) -> None:
        self.exported_file = path
        self.export_status.setText(text)
        self.export_status.show()
        self.open_folder_button.setVisible(path is not None)

    def open_export_folder(self) -> None:
        """Show the folder of the file exported last in the PC's file manager."""
        if self.exported_file is not None:
            show_in_folder(self, self.exported_file)

    # ------------------------------------------------------------ import

    def save_template(self) -> BackgroundTask | None:
        """Ask where to save the import template, then write it (in the background)."""
        path = ask_save_path(
            self,
            self.tr("下载导入模板"),
            self.tr("工作台账导入模板.xlsx"),
            self.tr("Excel 工作簿 (*.xlsx)"),
            ".xlsx",
        )
        if path is None:
            return None

        def work(session, _report) -> list[str]:
            from app.reports.ledger_template import write_template

            return write_template(session, path)

        def done(titles: list[str]) -> None:
            text = self.tr("已生成导入模板（%1 种活动类型）：%2")
            self._show_export_status(
                text.replace("%1", str(len(titles))).replace("%2", str(path)), path
            )

        return self.run_in_background(
            self.tr("下载导入模板"), self.tr("正在生成导入模板……"), work, success=done
        )

    def import_workbook(self) -> BackgroundTask | None:
        """Ask for a workbook and import it in the background: every row saved or none; on
        errors the row-by-row error workbook is offered to save, with a summary."""
        path = ask_open_path(self, self.tr("导入工作台账"), self.tr("Excel 工作簿 (*.xlsx)"))
        return self.import_from(path) if path is not None else None

    def import_from(self, path: Path) -> BackgroundTask:
        """Import ``path`` in the background with progress (see :meth:`import_workbook`)."""

        def work(session, report):
            from app.services.ledger_import import import_ledger_workbook

            return import_ledger_workbook(
                session, self.database.attachments, path,
                progress=lambda done, _total: report(done),
            )  # fmt: skip

        title = self.tr("导入工作台账")
        self.import_button.setEnabled(False)
        operation = self.operation(title, work, changes=True)
        operation.success(lambda result: self._imported(title, result))
        operation.failure(lambda error: self._import_failed(title, path, error))
        task = operation.in_background(self.tr("正在检查并导入台账……"), 0)
        task.finished.connect(
            lambda: self.enable(self.import_button, self.may_edit and not self.context.read_only)
        )
        return task

    def _imported(self, title: str, result) -> None:
        self._show_export_status(result.summary(), None)
        self.refresh()
        inform(self, title, result.summary())

    def _import_failed(self, title: str, path: Path, error: BaseException) -> None:
        from app.services.ledger_import import ImportRefused, default_errors_path

        if isinstance(error, Cancelled):
            self._show_export_status(self.tr("已取消，本次未导入任何台账。"), None)
            return
        if not isinstance(error, ImportRefused):
            self._show_export_status(self.tr("导入未完成，未导入任何台账。"), None)
            report_failure(self, title, error)
            return
        result = error.result
        lines = [str(error)]
        for sheet, row, column, message in result.errors[:5]:
            where = self.tr("%1 第 %2 行").replace("%1", sheet).replace("%2", str(row))
            lines.append(
                f"· {where if row else sheet}{'“' + column + '”' if column else ''}：{message}"
            )
        if len(result.errors) > 5:
            lines.append(self.tr("……共 %1 处。").replace("%1", str(len(result.errors))))
        lines.append(self.tr("\n请保存错误清单（Excel），按其逐行改正后重新导入。"))
        show_error(self, title, "\n".join(lines))
        self._show_export_status(str(error), None)
        out = ask_save_path(
            self, self.tr("保存错误清单"), default_errors_path(path).name,
            self.tr("Excel 工作簿 (*.xlsx)"), ".xlsx",
        )  # fmt: skip
        if out is None:
            return

        def write() -> Path:
            from app.reports.ledger_template import write_errors

            write_errors(result.errors, out)
            return out

        ok, _ = self.operation(
            self.tr("保存错误清单"), lambda _session: write(), changes=False
        ).run()
        if ok:
            text = self.tr("全部台账均未导入。错误清单已保存到：%1").replace("%1", str(out))
            self._show_export_status(text, out)
