"""统计报表: the statistics reports (月报/季报) of the template's ``[statistics]``. At a unit:
its reports period by period — state, due day, 逾期 in red — filled in and submitted in a
dialog. At the county: every unit's report of the chosen form and period, accepted (受理) or
returned (退回…), an accepted period unlocked (解锁台账…), the table exported for the city."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from app.models import StatisticsDecision, UnitKind
from app.services import statistics_reports as sr
from app.services import verification
from app.services.statistics_reports import ReportRow
from app.services.wording import cn_date
from app.ui.background import BackgroundTask
from app.ui.desktop import open_with_system
from app.ui.dialogs.statistics_dialogs import ReasonDialog, ReportData, StatisticsReportDialog
from app.ui.files import ask_save_path_as
from app.ui.messages import confirm
from app.ui.pages.base import Page, button_row
from app.ui.table_model import ALERT_BACKGROUND, Column, RowTableModel
from app.ui.table_view import RowTableView

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

STATUS_COLOURS = {sr.UNLOCKED: "#b36b00", sr.ACCEPTED: "#1e7d32", sr.SUBMITTED: "#1d3f72", sr.DRAFT: "#b36b00",
                  sr.RETURNED: "#c0392b", sr.NOT_REPORTED: "#777777"}  # fmt: skip
LATE_RED = "#c0392b"
PDF_OR_EXCEL = (("PDF (*.pdf)", ".pdf"), ("Excel 工作簿 (*.xlsx)", ".xlsx"))
EDITABLE = (sr.NOT_REPORTED, sr.DRAFT, sr.RETURNED, sr.UNLOCKED)


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


def _figure(value: int | float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


class StatisticsPage(Page):
    """The statistics reports: a unit's own, or (at the county) every unit's for a period."""

    title = "统计报表"

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        self.today: Callable[[], date] = date.today
        self.is_county = context.local_unit_kind == UnitKind.COUNTY_OFFICE
        self.forms: tuple[sr.ReportForm, ...] = ()
        with database.session() as session:
            self.forms = sr.report_forms(session, context.programme_id)

        self.form_choice = QComboBox()
        for form in self.forms:
            self.form_choice.addItem(form.name, form.key)
        self.period_choice = QComboBox()
        self.period_choice.setMinimumWidth(160)
        self.info = QLabel()
        self.info.setWordWrap(True)
        top = QHBoxLayout()
        if self.is_county:
            top.addWidget(QLabel(self.tr("报表：")))
            top.addWidget(self.form_choice)
            top.addWidget(QLabel(self.tr("统计期间：")))
            top.addWidget(self.period_choice)
            top.addSpacing(16)
        top.addWidget(self.info, 1)
        self.layout_.addLayout(top)

        first: Column[ReportRow] = (
            Column(self.tr("单位"), lambda r: r.unit)
            if self.is_county
            else Column(self.tr("报表"), lambda r: r.form_name)
        )
        self.model = RowTableModel(
            [
                first,
                Column(self.tr("统计期间"), lambda r: r.period.label,
                       sort_key=lambda r: r.period.start),
                Column(self.tr("状态"), lambda r: r.status,
                       foreground=lambda r: STATUS_COLOURS.get(r.status)),
                Column(self.tr("报送期限"), lambda r: _date(r.due_on)),
                Column(self.tr("提交日期"), lambda r: _date(r.submitted_on),
                       sort_key=lambda r: r.submitted_on or date.min),
                Column(self.tr("按时/逾期"), lambda r: r.mark(self.today()),
                       foreground=lambda r: LATE_RED if r.late or r.overdue(self.today()) else None),
                Column(self.tr("县矫正办退回原因"), lambda r: r.reason, tooltip=lambda r: r.reason),
            ],
            self,
            row_background=lambda r: ALERT_BACKGROUND if r.overdue(self.today()) else None,
        )  # fmt: skip
        self.view = RowTableView(self.model, self, stretch=6)
        self.layout_.addWidget(self.view, 1)

        self.fill_button = QPushButton(self.tr("填报…"))
        self.accept_button = QPushButton(self.tr("受理"))
        self.return_button = QPushButton(self.tr("退回…"))
        self.unlock_button = QPushButton(self.tr("解锁台账…"))
        self.unlock_button.setToolTip(
            self.tr("受理报表后，该单位本期的台账即锁定；确需修改时在此写明原因后解锁")
        )
        self.export_button = QPushButton(self.tr("导出汇总表…"))
        self.export_button.setToolTip(self.tr("全县统计汇总表，保存为 PDF 或 Excel（报市矫正办）"))
        self.status = QLabel()
        self.status.setStyleSheet("color: #555;")
        self.layout_.addLayout(button_row(self.fill_button, self.accept_button, self.return_button,
                                          self.unlock_button, self.export_button))  # fmt: skip
        self.layout_.addWidget(self.status)
        for button in (self.accept_button, self.return_button, self.unlock_button,
                       self.export_button):  # fmt: skip
            button.setVisible(self.is_county)
        self.hint = ""  # what the status line says when nothing has just been done
        if self.is_county:
            self.fill_button.setText(self.tr("查看…"))
        elif getattr(self.context, "database_unit_name", ""):  # on the county's server
            self.hint = self.tr("填好后在对话框中点“提交”：数据库在服务器上，县矫正办立即看到。")
        else:
            self.hint = self.tr("填好后在对话框中点“提交”，再到“数据交换”导出数据包发给县矫正办。")
        self.status.setText(self.hint)

        self.form_choice.currentIndexChanged.connect(lambda _i: self._fill_periods())
        self.period_choice.currentIndexChanged.connect(lambda _i: self.refresh())
        self.view.selection_changed.connect(self._selection_changed)
        self.view.row_activated.connect(lambda _row: self.fill_selected())
        # clicked(bool) would reach a parameter: every button goes through a lambda
        self.fill_button.clicked.connect(lambda: self.fill_selected())
        self.accept_button.clicked.connect(lambda: self.accept_selected())
        self.return_button.clicked.connect(lambda: self.return_selected())
        self.unlock_button.clicked.connect(lambda: self.unlock_selected())
        self.export_button.clicked.connect(lambda: self.export_table())
        self.may_draft = self.forbid_unless("statistics.draft")
        self.may_submit = self.forbid_unless("statistics.submit")
        self.forbid_unless("statistics.review", self.accept_button, self.return_button,
                           self.unlock_button)  # fmt: skip
        self._fill_periods()

    # ------------------------------------------------------------ loading

    def form(self) -> sr.ReportForm | None:
        """The form chosen (the county's page)."""
        key = self.form_choice.currentData()
        return next((f for f in self.forms if f.key == key), None)

    def period(self) -> sr.Period | None:
        """The period chosen (the county's page)."""
        return self.period_choice.currentData()

    def _fill_periods(self) -> None:
        """The chosen form's periods so far; chosen: the latest with a report waiting for
        受理/退回, else the latest ended (``sr.opening_period``)."""
        form, programme_id = self.form(), self.context.programme_id
        self.period_choice.blockSignals(True)
        self.period_choice.clear()
        if form is not None and programme_id is not None:
            today = self.today()
            with self.database.session() as session:
                periods = sr.programme_periods(session, programme_id, form, today)
                opening = sr.opening_period(session, programme_id, form, periods, today)
            for period in reversed(periods):
                self.period_choice.addItem(period.label, period)
            chosen = next((i for i, p in enumerate(reversed(periods)) if p == opening), 0)
            self.period_choice.setCurrentIndex(chosen)
        self.period_choice.blockSignals(False)
        self.refresh()

    def refresh(self, said: str = "") -> None:
        """Reload the rows and the on-time rate; the status line says ``said`` (what was just
        done) or else its standing hint, never an earlier action's word on a list that may
        have changed since (a package may have brought a 退回)."""
        self.status.setText(said or self.hint)
        programme_id, unit_id = self.context.programme_id, self.context.local_unit_id
        today = self.today()
        rows: list[ReportRow] = []
        text = ""
        if programme_id is None or not self.forms:
            text = self.tr("本方案的模板没有统计报表（[statistics]），无需填报。")
        elif self.is_county:
            form, period = self.form(), self.period()
            if form is not None and period is not None:
                with self.database.session() as session:
                    rows = sr.county_rows(session, programme_id, form, period)
                    overall = sr.county_rate(session, programme_id, today)
                rate = sr.on_time_rate(rows, today)
                reported = sum(r.reported for r in rows)  # as the on-time count reads it
                text = (
                    self.tr("%1：%2前报送；已报 %3/%4；本期%5；全县累计%6")
                    .replace("%1", period.label).replace("%2", cn_date(period.due_on))
                    .replace("%3", str(reported)).replace("%4", str(len(rows)))
                    .replace("%5", rate.text).replace("%6", overall.text)
                )  # fmt: skip
        elif unit_id is not None:
            with self.database.session() as session:
                rows = sr.unit_rows(session, programme_id, unit_id, today)
            if rows:
                rate = sr.on_time_rate(rows, today)
                late = sum(r.overdue(today) for r in rows)
                text = self.tr("按时报送率：%1").replace("%1", rate.text)
                if late:
                    text += self.tr("；%1 份逾期未报").replace("%1", str(late))
            else:
                text = self.tr("本机单位不报送统计报表。")
        self.info.setText(text)
        self.model.set_rows(rows)
        self._selection_changed()

    def selected(self) -> ReportRow | None:
        """The selected row."""
        return self.view.selected_row()

    def _own(self, row: ReportRow | None) -> bool:
        return bool(row and not self.is_county and row.unit_id == self.context.local_unit_id)

    def _writable(self, row: ReportRow | None) -> bool:
        return bool(row and self._own(row) and row.status in EDITABLE and self.may_draft)

    def _selection_changed(self) -> None:
        row = self.selected()
        writable = self._writable(row)
        if not self.is_county:
            viewing = row is not None and not writable
            self.fill_button.setText(self.tr("查看…") if viewing else self.tr("填报…"))
        self.fill_button.setEnabled(writable or bool(row and row.report_id))
        waiting = bool(row and row.status == sr.SUBMITTED)
        self.enable(self.accept_button, self.is_county and waiting)
        self.enable(self.return_button, self.is_county and waiting)
        self.enable(self.unlock_button, self.is_county and bool(row and row.status == sr.ACCEPTED))
        self.export_button.setEnabled(self.is_county and self.period() is not None)

    # ------------------------------------------------------------ the unit's side

    def _report_data(self, row: ReportRow) -> ReportData | None:
        """What the dialog shows, read in one user action (starting the unit's pre-filled
        draft when it fills its own); None when it failed (explained)."""
        programme_id = self.context.programme_id
        if programme_id is None:
            return None
        writable = self._writable(row)
        reviewable = (
            self.is_county and row.status == sr.SUBMITTED and self.accept_button.isEnabled()
        )
        message = ""
        if row.status == sr.RETURNED:
            message = self.tr("县矫正办退回：%1").replace("%1", row.reason)
        elif row.status == sr.SUBMITTED and self._own(row):
            message = self.tr("报表已提交，等待县矫正办受理，不能修改；退回后才能修改。")
        elif row.status == sr.ACCEPTED:
            message = self.tr("报表已被县矫正办受理，本期台账已锁定。")
        elif row.status == sr.UNLOCKED:
            message = self.tr(
                "县矫正办已解锁本期台账：修改台账后，请点“按台账重新计算”核对数字，再重新提交；"
                "县矫正办再次受理后，本期台账重新锁定。"
            )
        elif self._own(row) and not self.may_draft:
            message = self.tr("当前用户的角色不能填写统计报表，只能查看。")
        if writable and not self.may_submit:
            message = self.tr("当前用户的角色只能保存草稿；提交请由负责人登录后办理。")

        def read(session: Session) -> ReportData:
            report = (
                sr.start_report(session, programme_id, row.unit_id, row.form_key, row.period.start)
                if writable
                else sr.report_by_id(session, row.report_id or 0)
            )
            form = sr.report_form(session, programme_id, row.form_key)
            due = self.tr("%1前报送").replace("%1", cn_date(row.due_on))
            if writable:
                hints = {f.key: sr.source_hint(session, f) for f in form.figures}
            elif self.is_county:  # beside each reported figure, what the unit's ledger says
                ledger = sr.prefill(session, programme_id, form, row.unit_id, row.period.start,
                                    row.period.end)  # fmt: skip
                hints = {
                    f.key: self.tr("台账现有：%1").replace("%1", _figure(ledger[f.key]))
                    for f in form.figures
                    if f.source != "manual" and f.key in ledger
                }
            else:
                hints = {}
            return ReportData(report.id, row.unit, form.name, row.period.label, due,
                              sr.status_of(session, report), form.figures,
                              dict(report.values or {}), report.note, writable, message,
                              hints, reviewable, report.revision)  # fmt: skip

        return self.run(read, self.tr("打开统计报表"))

    def fill_selected(self) -> None:
        """填报… (or 查看…): the selected report in its dialog."""
        row = self.selected()
        if row is None or (row.report_id is None and not self._writable(row)):
            return
        data = self._report_data(row)
        if data is None:
            self.refresh()
            return
        report_id, today, revision = data.report_id, self.today(), data.revision

        def save(values: dict) -> None:
            self.save_from_dialog(
                self.tr("保存统计报表"),
                lambda s: sr.save_draft(s, report_id, values["values"], values["note"], revision),
            )

        def submit(values: dict) -> None:
            def work(s: Session) -> None:
                sr.save_draft(s, report_id, values["values"], values["note"], revision)
                sr.submit_report(s, report_id, today)

            self.save_from_dialog(self.tr("提交统计报表"), work)

        programme_id, unit_id = self.context.programme_id, row.unit_id
        start, end = row.period.start, row.period.end

        def refill() -> dict[str, int | float] | None:
            if programme_id is None:
                return None
            return self.operation(
                self.tr("按台账重新计算"),
                lambda s: sr.prefill(s, programme_id, sr.report_form(s, programme_id, row.form_key),
                                     unit_id, start, end),
                changes=False,
            ).run()[1]  # fmt: skip

        dialog = StatisticsReportDialog(data, save, submit, self, refill=refill)
        if not self.may_submit:
            dialog.submit_button.setEnabled(False)
        said = ""
        if dialog.exec() and dialog.decision:  # the row is still the one selected
            (self.accept_selected if dialog.decision == "accept" else self.return_selected)()
            return
        if dialog.result():
            said = (
                self.tr("已提交。请在“数据交换”中导出数据包发给县矫正办。")
                if dialog.submitted
                else self.tr("草稿已保存。")
            )
        self.refresh(said)

    # ------------------------------------------------------------ the county's side

    def accept_selected(self) -> None:
        """受理 the selected report (its unit's ledger of the period is then locked)."""
        row = self.selected()
        if row is None or row.report_id is None:
            return
        unit_id, start, end = row.unit_id, row.period.start, row.period.end
        doubts = self.operation(
            self.tr("受理统计报表"),
            lambda s: verification.doubts_in_period(s, unit_id, start, end),
            changes=False,
        ).run()[1]
        if doubts is None:
            return
        question = self.tr("受理后%1本期（%2）的台账即锁定。确定受理%1的%3吗？")
        question = question.replace("%1", row.unit).replace("%2", row.period.label)
        if doubts.total:
            question = (
                self.tr("注意：%1本期的台账仍有%2，受理后台账即锁定；如需先核对，请点“否”，再退回。\n\n")
                .replace("%1", row.unit).replace("%2", doubts.text())
            ) + question  # fmt: skip
        if not confirm(self, self.tr("受理报表"), question.replace("%3", row.form_name)):
            return
        report_id, today = row.report_id, self.today()
        if self.attempt(
            lambda s: sr.review_report(s, report_id, StatisticsDecision.ACCEPTED, "", today),
            self.tr("受理统计报表"),
        ):
            self.refresh(self.tr("已受理%1的报表。").replace("%1", row.unit))
            return
        self.refresh()

    def return_selected(self) -> None:
        """退回… the selected report with a reason."""
        row = self.selected()
        if row is None or row.report_id is None:
            return
        report_id, today = row.report_id, self.today()

        def save(values: dict) -> None:
            self.save_from_dialog(
                self.tr("退回统计报表"),
                lambda s: sr.review_report(
                    s, report_id, StatisticsDecision.RETURNED, values["reason"], today
                ),
            )

        dialog = ReasonDialog(
            self.tr("退回统计报表 — %1").replace("%1", row.unit), self.tr("退回"),
            self.tr("原因随数据包告知该单位，单位更正后可重新提交。"),
            self.tr("例如：“服务社区矫正对象人次”与台账不符，请核对。"), save, self,
        )  # fmt: skip
        returned = dialog.exec()
        self.refresh(self.tr("已退回%1的报表。").replace("%1", row.unit) if returned else "")

    def unlock_selected(self) -> None:
        """解锁台账…: let the unit change its entries of the accepted report's period."""
        from app.services import period_locks

        row = self.selected()
        if row is None or row.report_id is None:
            return
        report_id, today = row.report_id, self.today()

        def save(values: dict) -> None:
            self.save_from_dialog(
                self.tr("解锁台账"),
                lambda s: period_locks.unlock_report(s, report_id, values["reason"], today),
            )

        dialog = ReasonDialog(
            self.tr("解锁台账 — %1 %2").replace("%1", row.unit).replace("%2", row.period.label),
            self.tr("解锁"),
            self.tr("原因记入审计日志，并随数据包告知该单位；报表再次受理后重新锁定。"),
            self.tr("例如：补登遗漏的走访记录。"), save, self,
        )  # fmt: skip
        unlocked = dialog.exec()
        self.refresh(
            self.tr("已解锁%1本期的台账；请在“数据交换”中导出数据包发给该单位。").replace(
                "%1", row.unit
            )
            if unlocked
            else ""
        )

    def export_table(self) -> BackgroundTask | None:
        """导出汇总表…: the county's table of the chosen form and period as PDF or Excel,
        made in the background, then opened."""
        form, period = self.form(), self.period()
        programme_id = self.context.programme_id
        if form is None or period is None or programme_id is None:
            return None
        path = ask_save_path_as(self, self.tr("保存全县统计汇总表"),
                                f"{form.name}汇总表-{period.label}.pdf", PDF_OR_EXCEL)  # fmt: skip
        if path is None:
            return None
        today = self.today()

        def work(session: Session, report: Callable[[int], None]) -> Path:
            table = sr.county_table(session, form.key, period, made_on=today,
                                    programme_id=programme_id)  # fmt: skip
            report(1)
            from app.reports.statistics_pdf import write_statistics_pdf as write_pdf
            from app.reports.statistics_xlsx import write_statistics_xlsx as write_xlsx

            (write_xlsx if path.suffix.lower() == ".xlsx" else write_pdf)(table, path)
            report(2)
            return path

        def done(written: Path) -> None:
            self.status.setText(self.tr("已保存全县统计汇总表：%1").replace("%1", str(written)))
            open_with_system(self, written)

        return self.run_in_background(
            self.tr("导出汇总表"), self.tr("正在生成 %1……").replace("%1", path.name), work,
            total=2, success=done,
        )  # fmt: skip
