"""审计日志: the audit log's lines, filtered by user, dates and kind; 核对完整性 and 导出 Excel."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.dates import DateRange
from app.ui.dialogs.guarded import fit_to_screen
from app.ui.files import ask_save_path
from app.ui.operations import Operation
from app.ui.table_model import Column, RowTableModel
from app.ui.table_view import RowTableView
from app.ui.widgets.dates import DateField

SHOWN = 5000  # lines listed at most (newest first); the export writes them all


class AuditLogDialog(QDialog):
    """The 审计日志 of this PC: who did what to which record and when (no personal values)."""

    def __init__(self, database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.setWindowTitle(self.tr("审计日志"))
        self.resize(1200, 640)
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.user_combo = QComboBox()
        self.kind_combo = QComboBox()
        dates = DateRange(earliest=date(2000, 1, 1), latest=date.today() + timedelta(days=1))
        self.date_from = DateField(dates, optional=True, label=self.tr("起始日期"))
        self.date_to = DateField(dates, optional=True, label=self.tr("截止日期"))
        self.filter_button = QPushButton(self.tr("筛选"))
        self.filter_button.clicked.connect(lambda: self.refresh())
        for label, widget in (
            (self.tr("用户："), self.user_combo),
            (self.tr("操作："), self.kind_combo),
            (self.tr("从："), self.date_from),
            (self.tr("到："), self.date_to),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.filter_button)
        filters.addStretch(1)
        layout.addLayout(filters)
        self.model: RowTableModel = RowTableModel([
            Column(self.tr("序号"), lambda r: r.seq, lambda r: r.seq, align_right=True),
            Column(self.tr("时间"), lambda r: r.at.strftime("%Y-%m-%d %H:%M:%S"), lambda r: r.seq),
            Column(self.tr("用户"), lambda r: r.display_name
                   + (f"（{r.user_name}）" if r.user_name else "")),
            Column(self.tr("操作"), lambda r: r.kind_label),
            Column(self.tr("记录"), lambda r: f"{r.table_label} {r.record_id}".strip()),
            Column(self.tr("说明"), lambda r: r.description),
        ], self)  # fmt: skip
        self.view = RowTableView(self.model, self, stretch=5)
        layout.addWidget(self.view, 1)
        self.count_label = QLabel()
        self.check_label = QLabel()
        self.check_label.setWordWrap(True)
        layout.addWidget(self.count_label)
        layout.addWidget(self.check_label)
        self.verify_button = QPushButton(self.tr("核对完整性"))
        self.verify_button.setToolTip(self.tr("逐条核对审计日志的校验值，发现被删除或改动的记录。"))
        self.verify_button.clicked.connect(lambda: self.verify())
        self.export_button = QPushButton(self.tr("导出 Excel…"))
        self.export_button.clicked.connect(lambda: self.export())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.verify_button)
        row.addWidget(self.export_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout.addLayout(row)
        self._fill_choices()
        self.refresh()
        fit_to_screen(self)

    def _operation(self, title: str, work, changes: bool = False) -> Operation:
        return Operation(self, title, work, database=self.database, changes=changes)

    def _fill_choices(self) -> None:
        from app.services import audit

        people = self._operation(self.tr("读取审计日志"), audit.users).run()[1] or []
        self.user_combo.addItem(self.tr("全部用户"), "")
        for name, display in people:
            shown = display if name == display else f"{display}（{name}）"
            self.user_combo.addItem(shown, name)
        self.kind_combo.addItem(self.tr("全部操作"), "")
        for kind, label in audit.KIND_LABELS.items():
            self.kind_combo.addItem(label, kind)

    def current_filter(self):
        """The filter the widgets set (dates already checked by their fields)."""
        from app.services.audit import AuditFilter

        return AuditFilter(
            user=self.user_combo.currentData() or "",
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
            kind=self.kind_combo.currentData() or "",
        )

    def _dates_ok(self) -> bool:
        for field in (self.date_from, self.date_to):
            problem = field.problem()
            field.show_problem(problem)
            if problem:
                return False
        start, end = self.date_from.value(), self.date_to.value()
        if start and end and start > end:
            self.date_to.show_problem(self.tr("截止日期不能早于起始日期。"))
            return False
        return True

    def refresh(self) -> None:
        """List the lines the filters select, newest first."""
        if not self._dates_ok():
            return
        from dataclasses import replace

        from app.services import audit

        flt = replace(self.current_filter(), limit=SHOWN + 1)
        rows = self._operation(self.tr("读取审计日志"), lambda s: audit.list_lines(s, flt)).run()[1]
        if rows is None:
            return
        self.model.set_rows(rows[:SHOWN])
        if len(rows) > SHOWN:
            self.count_label.setText(
                self.tr("显示最近 %1 条；请缩小筛选范围，或导出 Excel 查看全部。").replace(
                    "%1", str(SHOWN)
                )
            )
        else:
            self.count_label.setText(self.tr("共 %1 条。").replace("%1", str(len(rows))))

    def verify(self) -> None:
        """Check the whole chain and say the result under the list."""
        from app.services import audit

        check = self._operation(self.tr("核对审计日志"), audit.verify_chain).run()[1]
        if check is None:
            return
        self.check_label.setText(check.message)
        self.check_label.setStyleSheet("" if check.ok else "color: #b00020; font-weight: bold;")

    def export(self) -> Path | None:
        """Ask where, then write the lines the filters select to an .xlsx file."""
        if not self._dates_ok():
            return None
        path = ask_save_path(
            self,
            self.tr("导出审计日志"),
            f"审计日志-{date.today():%Y%m%d}.xlsx",
            self.tr("Excel 工作簿 (*.xlsx)"),
            ".xlsx",
        )
        if path is None:
            return None
        flt = self.current_filter()

        def work(session) -> int:
            from app.reports.audit_xlsx import write_audit_xlsx

            return write_audit_xlsx(session, path, flt)

        ok, count = self._operation(self.tr("导出审计日志"), work, changes=True).run()
        if not ok:
            return None
        self.count_label.setText(
            self.tr("已导出 %1 条到 %2").replace("%1", str(count)).replace("%2", str(path))
        )
        return path


def open_audit_log(database, parent: QWidget) -> int:
    """Show the 审计日志 dialog (modal); a role that may not read the log is told why."""
    from app.ui.messages import show_error
    from app.ui.pages.base import permission_note

    allowed, why = permission_note(database, "audit.read")
    if not allowed:
        show_error(parent, parent.tr("审计日志"), why)
        return 0
    return AuditLogDialog(database, parent).exec()


__all__ = ["AuditLogDialog", "open_audit_log"]
