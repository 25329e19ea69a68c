"""阶段总结: every department's summary for a phase (or the year) — write, submit, and at the
county office return or accept; PDFs of one summary and of the county's whole set."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from app.models import ReviewDecision, SummaryStatus, UnitKind
from app.services import summaries
from app.services.context import PhaseRow
from app.services.dates import DatePurpose
from app.services.errors import write_file
from app.services.summaries import YEAR, SummaryRow
from app.services.wording import cn_date
from app.ui.background import BackgroundTask
from app.ui.desktop import open_with_system
from app.ui.dialogs.summary_dialogs import EditorData, ReturnDialog, SummaryDialog
from app.ui.files import ask_save_path_as
from app.ui.messages import confirm
from app.ui.pages.base import Page, button_row
from app.ui.printing import print_in_background
from app.ui.table_model import ALERT_BACKGROUND, Column, RowTableModel
from app.ui.table_view import RowTableView
from app.ui.widgets.dates import DateField

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

STATUS_COLOURS = {"已采用": "#1e7d32", "已提交": "#1d3f72", "草稿": "#b36b00",
                  "已退回": "#c0392b", "未开始": "#777777"}  # fmt: skip
OVERDUE_RED = "#c0392b"
OVERDUE_BACKGROUND = ALERT_BACKGROUND
EDITABLE = (None, SummaryStatus.DRAFT, SummaryStatus.RETURNED)


def _date(value: date | None) -> str:
    return f"{value.year}-{value.month:02d}-{value.day:02d}" if value else ""


def default_phase(phases: tuple[PhaseRow, ...], today: date) -> int | None:
    """The phase whose summary is due next (else the last one with a deadline), else the
    current phase, else the first; None (全年) without phases."""
    due = [p for p in phases if p.deadline]
    if due:
        return next((p for p in due if p.deadline and p.deadline >= today), due[-1]).id
    current = next((p for p in phases if p.start_date <= today <= p.end_date), None)
    return (current or phases[0]).id if phases else None


class SummariesPage(Page):
    """The summaries of the chosen period, one row per department (only its own on a
    department's PC); the county office reviews them."""

    title = "阶段总结"

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        self.today: Callable[[], date] = date.today
        kind = context.local_unit_kind
        self.is_county = kind == UnitKind.COUNTY_OFFICE
        self.is_department = kind == UnitKind.DEPARTMENT

        self.period = QComboBox()
        for phase_id, label in self._period_labels():
            self.period.addItem(label, phase_id)
        self.period.setCurrentIndex(
            self.period.findData(default_phase(context.phases, self.today()))
        )
        self.info = QLabel()
        self.info.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("总结期间：")))
        top.addWidget(self.period)
        top.addSpacing(16)
        top.addWidget(self.info, 1)
        self.layout_.addLayout(top)

        self.model = RowTableModel(
            [
                Column(self.tr("科室"), lambda r: r.department),
                Column(self.tr("状态"), lambda r: r.state_label,
                       foreground=lambda r: STATUS_COLOURS[r.status_label],
                       tooltip=lambda r: self._state_tip(r)),
                Column(self.tr("截止日期"), lambda r: _date(r.deadline)),
                Column(self.tr("提交日期"), lambda r: _date(r.submitted_on),
                       sort_key=lambda r: r.submitted_on or date.min),
                Column(self.tr("提示"), self._mark, foreground=lambda r: OVERDUE_RED),
                Column(self.tr("县矫正办意见"), lambda r: r.comment, tooltip=lambda r: r.comment),
            ],
            self,
            row_background=lambda r: OVERDUE_BACKGROUND if r.overdue(self.today()) else None,
        )  # fmt: skip
        self.view = RowTableView(self.model, self, stretch=5)
        self.layout_.addWidget(self.view, 1)

        self.edit_button = QPushButton(self.tr("编写/修改总结…"))
        self.submit_button = QPushButton(self.tr("提交"))
        self.return_button = QPushButton(self.tr("退回…"))
        self.accept_button = QPushButton(self.tr("采用"))
        self.unlock_button = QPushButton(self.tr("解锁台账…"))
        self.unlock_button.setToolTip(self._usable_unlock_tip())
        self.pdf_button = QPushButton(self.tr("生成总结 PDF…"))
        self.county_pdf_button = QPushButton(self.tr("生成全县汇总 PDF…"))
        self.narrative_button = QPushButton(self.tr("编写全县总结…"))
        self.narrative_button.setToolTip(
            self.tr(
                "县矫正办本期的全县总结（综述、主要做法、问题、下步打算等），列为汇总报告第一章。"
            )
        )
        for button in (self.pdf_button, self.county_pdf_button):
            button.setToolTip(self.tr("保存为 PDF；文件类型选“Word 文档”则保存可修改的 Word 文件"))
        self.status = QLabel()
        self.status.setStyleSheet("color: #555;")
        self.layout_.addLayout(button_row(self.edit_button, self.submit_button,
                                          self.return_button, self.accept_button,
                                          self.unlock_button))  # fmt: skip
        self.print_button = QPushButton(self.tr("打印刚生成的 PDF…"))
        self.print_button.setEnabled(False)
        self._last_pdf: tuple[bytes, str] | None = None
        self.as_of_label = QLabel(self.tr("统计截至："))
        self.as_of = DateField(context.date_range(DatePurpose.WORK), label=self.tr("统计截至日期"))
        self.as_of.setToolTip(self.tr("全县汇总统计到哪一天；默认为报送截止日期与今天中较早的一天"))
        pdf_row = button_row(
            self.pdf_button, self.narrative_button, self.county_pdf_button, self.print_button
        )
        pdf_row.insertWidget(2, self.as_of_label)
        pdf_row.insertWidget(3, self.as_of)
        self.layout_.addLayout(pdf_row)
        self.layout_.addWidget(self.status)
        if self.is_department and getattr(self.context, "database_unit_name", ""):
            self.status.setText(
                self.tr("写好后点“提交”：数据库在服务器上，县矫正办立即看到，不用导出数据包。")
            )
        elif self.is_department:
            self.status.setText(self.tr("写好后点“提交”，再到“数据交换”导出数据包发给县矫正办。"))
        self.submit_button.setVisible(self.is_department)
        for widget in (self.return_button, self.accept_button, self.unlock_button,
                       self.county_pdf_button,
                       self.narrative_button, self.as_of_label, self.as_of):  # fmt: skip
            widget.setVisible(self.is_county)

        self.period.currentIndexChanged.connect(self.refresh)
        self.period.currentIndexChanged.connect(lambda _index: self._default_as_of())
        self._default_as_of()
        self.view.selection_changed.connect(self._selection_changed)
        self.view.row_activated.connect(lambda _row: self.edit_selected())
        # clicked(bool) would reach a parameter: every button goes through a lambda
        self.edit_button.clicked.connect(lambda: self.edit_selected())
        self.submit_button.clicked.connect(lambda: self.submit_selected())
        self.return_button.clicked.connect(lambda: self.return_selected())
        self.accept_button.clicked.connect(lambda: self.accept_selected())
        self.unlock_button.clicked.connect(lambda: self.unlock_selected())
        self.pdf_button.clicked.connect(lambda: self.department_pdf())
        self.county_pdf_button.clicked.connect(lambda: self.county_pdf())
        self.narrative_button.clicked.connect(lambda: self.edit_narrative())
        self.print_button.clicked.connect(lambda: self.print_last())
        # the logged-in user's role: what it may not do is disabled, the tooltip says why
        self.may_draft = self.forbid_unless("summary.draft", self.narrative_button)
        self.forbid_unless("summary.submit", self.submit_button)
        self.forbid_unless("summary.review", self.return_button, self.accept_button)
        if not self.forbid_unless("summary.review", self.unlock_button):
            # in the words of this button, not of 采纳或退回 (the permission's name)
            from app.services.accounts import PERMISSION_NAMES

            why = self.forbidden[self.unlock_button].replace(
                PERMISSION_NAMES["summary.review"], self.tr("解锁台账（解锁由负责人办理）")
            )
            self.forbidden[self.unlock_button] = why
            self.unlock_button.setToolTip(why)
        self.refresh()

    # ------------------------------------------------------------ loading

    def phase_id(self) -> int | None:
        """The chosen period: a phase's id, or None for the whole year."""
        return self.period.currentData()

    def _period_labels(self) -> list[tuple[int | None, str]]:
        """(phase id, label) for every phase and the whole year: each with the days its
        summary covers and its deadline (as the summary counts them, not the phase's dates)."""
        ids: list[int | None] = [phase.id for phase in self.context.phases]
        ids.append(None)
        programme_id = self.context.programme_id
        if programme_id is None:
            names = {p.id: p.name for p in self.context.phases}
            return [(i, names.get(i, self.tr("全年")) if i is not None else self.tr("全年"))
                    for i in ids]  # fmt: skip
        with self.database.session() as session:
            return [(i, summaries.period_label(session, programme_id, i)) for i in ids]

    def period_name(self) -> str:
        """The chosen phase's name, or 全年."""
        return next((p.name for p in self.context.phases if p.id == self.phase_id()), YEAR)

    def default_as_of(self) -> date:
        """The county report counts to the chosen period's deadline (its end when it has none)
        or today, whichever is earlier (as ``summary_reports.default_as_of``)."""
        programme_id = self.context.programme_id
        if programme_id is None:
            return self.as_of.date_range().clamp(self.today())
        from app.services.summary_reports import default_as_of

        with self.database.session() as session:  # 全年 ends with the programme's period
            end = default_as_of(session, programme_id, self.phase_id(), self.today())
        return self.as_of.date_range().clamp(end)

    def _default_as_of(self) -> None:
        self.as_of.setValue(self.default_as_of())

    def _mark(self, row: SummaryRow) -> str:
        if row.overdue(self.today()):
            return self.tr("逾期未交")
        return self.tr("迟交") if row.late else ""

    def refresh(self) -> None:
        """Reload the rows of the chosen period."""
        selected = self.view.selected_row()
        rows: list[SummaryRow] = []
        if self.context.programme_id is not None:
            with self.database.session() as session:
                rows = summaries.summary_rows(session, self.context.programme_id, self.phase_id())
        if self.is_department:
            rows = [r for r in rows if r.department_id == self.context.local_unit_id]
        self.model.set_rows(rows)
        self._show_info(rows)
        if not (selected and self.view.select_where(
                lambda r: r.department_id == selected.department_id)):  # fmt: skip
            self.view.selectRow(0)
        self._selection_changed()

    def _show_info(self, rows: list[SummaryRow]) -> None:
        phase = next((p for p in self.context.phases if p.id == self.phase_id()), None)
        deadline = rows[0].deadline if rows else None
        parts = []
        if deadline:
            parts.append(self.tr("截止日期：%1").replace("%1", cn_date(deadline)))
        if phase and phase.deadline_task:
            parts.append(phase.deadline_task)
        if len(rows) > 1:
            count = {
                label: sum(r.status_label == label for r in rows) for label in ("已提交", "已采用")
            }
            late = sum(r.overdue(self.today()) for r in rows)
            parts.append(self.tr("已提交 %1 / %2，已采用 %3，逾期未交 %4")
                         .replace("%1", str(count["已提交"] + count["已采用"])).replace("%2", str(len(rows)))
                         .replace("%3", str(count["已采用"])).replace("%4", str(late)))  # fmt: skip
        elif self.is_department and not rows:
            parts.append(self.tr("本机单位不是局科室，无需报送阶段总结。"))
        self.info.setText("　｜　".join(parts))

    def show_records(self, unit_id: int | None = None, **_others: object) -> None:
        """Select a department's row (as 首页's overdue list asks)."""
        if unit_id is not None:
            self.view.select_where(lambda row: row.department_id == unit_id)

    def selected(self) -> SummaryRow | None:
        """The selected department's row."""
        return self.view.selected_row()

    def _own(self, row: SummaryRow | None) -> TypeGuard[SummaryRow]:
        return bool(row and self.is_department and row.department_id == self.context.local_unit_id)

    def _selection_changed(self) -> None:
        row = self.selected()
        writable = self._writable(row)
        self.edit_button.setText(self.tr("编写/修改总结…") if writable else self.tr("查看总结…"))
        self.edit_button.setEnabled(writable or bool(row and row.summary_id))
        self.enable(
            self.submit_button,
            self._own(row) and row.status in (SummaryStatus.DRAFT, SummaryStatus.RETURNED),
        )
        waiting = bool(row and row.status == SummaryStatus.SUBMITTED)
        self.enable(self.return_button, self.is_county and waiting)
        self.enable(self.accept_button, self.is_county and waiting)
        adopted = bool(row and row.status == SummaryStatus.ACCEPTED)
        locked = adopted and not (row and row.unlocked)
        self.enable(self.unlock_button, self.is_county and locked, self._unlock_tip(row))
        self.pdf_button.setEnabled(bool(row and row.summary_id))
        self.county_pdf_button.setEnabled(self.context.programme_id is not None)
        self.enable(self.narrative_button, self.is_county and self.context.programme_id is not None)

    def _usable_unlock_tip(self) -> str:
        """解锁台账…'s tooltip when it can be used."""
        return self.tr("采用总结后，该科室本阶段的台账即锁定；确需修改时在此写明原因后解锁")

    def _unlock_tip(self, row: SummaryRow | None) -> str:
        """Why 解锁台账… is disabled for ``row`` (in this page's words), or what it does."""
        if row is None:
            return self.tr("请先在列表中选择一个科室的总结。")
        if row.unlocked:
            return self.tr("%1的这份总结已解锁，台账可以修改；再次采用后重新锁定。").replace(
                "%1", row.department
            )
        if row.status != SummaryStatus.ACCEPTED:
            return (
                self.tr("只有已采用的总结才能解锁其台账（%1的总结现为“%2”）。")
                .replace("%1", row.department)
                .replace("%2", row.status_label)
            )
        return self._usable_unlock_tip()

    def _state_tip(self, row: SummaryRow) -> str:
        """The 状态 column's tooltip."""
        if row.unlocked:
            return self.tr(
                "总结已采用，县矫正办已解锁本阶段台账，科室可以修改；再次采用后重新锁定。"
            )
        if row.status == SummaryStatus.ACCEPTED:
            return self.tr("总结已采用，本阶段台账已锁定。")
        return ""

    def _writable(self, row: SummaryRow | None) -> TypeGuard[SummaryRow]:
        """Whether this PC writes ``row``'s summary now (its own, a draft or returned, and a
        role that drafts)."""
        return self._own(row) and self._open(row) and self.may_draft

    @staticmethod
    def _open(row: SummaryRow) -> bool:
        """A draft, a returned summary, or an adopted one whose period the county unlocked
        (corrected and resubmitted; the next adoption locks the period again)."""
        return row.status in EDITABLE or (row.status == SummaryStatus.ACCEPTED and row.unlocked)

    # ------------------------------------------------------------ writing and reviewing

    def _editor_data(self, row: SummaryRow) -> EditorData | None:
        """What the editor shows, read in one user action (which starts the department's draft
        when it writes its own); None when there is nothing to show or it failed (explained)."""
        writable = self._writable(row)
        programme_id, phase_id = self.context.programme_id, self.phase_id()
        if programme_id is None:
            return None
        note = self._note(row, writable)
        today = self.today()

        def read(session: Session) -> EditorData | None:
            summary = (
                summaries.start_summary(session, programme_id, row.department_id, phase_id, today)
                if writable
                else summaries.find_summary(session, programme_id, row.department_id, phase_id)
            )
            if summary is None:
                return None
            chosen = [
                (p.attachment_id, p.caption)
                for p, _sha in summaries.chosen_photos(session, summary)
            ]
            return EditorData(
                summary.id, row.department, dict(summary.sections or {}),
                summaries.figures_of(session, summary, today),
                summaries.candidate_photos(session, summary), chosen, writable, note,
                revision=summary.revision,
            )  # fmt: skip

        return self.run(read, self.tr("打开阶段总结"))

    def _note(self, row: SummaryRow, writable: bool) -> str:
        if row.status == SummaryStatus.RETURNED:
            comment = self.tr("县矫正办退回意见：%1").replace("%1", row.comment)
            return comment + (self.tr("　（修改并保存后可重新提交）") if writable else "")
        if writable:
            return ""
        if self._own(row) and self._open(row):  # a role that does not draft
            return self.forbidden.get(self.narrative_button, "")
        if row.status == SummaryStatus.SUBMITTED and self.is_county:
            return self.tr(
                "%1已提交这份总结，等待审核：看完后在列表下方点“退回…”或“采用”。"
            ).replace("%1", row.department)
        if row.status == SummaryStatus.SUBMITTED:
            return self.tr("总结已提交，等待县矫正办审核，不能修改；退回后才能修改。")
        if row.unlocked:
            return self.tr(
                "总结已被县矫正办采用，本阶段台账已由县矫正办解锁：修改台账和总结后请重新提交，"
                "再次采用后本阶段台账重新锁定。"
            )
        if row.status == SummaryStatus.ACCEPTED:
            return self.tr("总结已被县矫正办采用。")
        return self.tr("这是%1的总结，只能查看。").replace("%1", row.department)

    def edit_selected(self) -> None:
        """Open the editor (read-only when the summary cannot be changed here)."""
        row = self.selected()
        if row is None or self.context.programme_id is None:
            return
        data = self._editor_data(row)
        if data is None:
            self.refresh()
            return
        summary_id, revision = data.summary_id, data.revision

        def save(sections: dict[str, str], photos: list[tuple[int, str]]) -> None:
            self.save_from_dialog(
                self.tr("保存阶段总结"),
                lambda s: summaries.save_summary(s, summary_id, sections, photos, revision),
            )

        if SummaryDialog(data, self.database.attachments, save, self).exec():
            self.status.setText(self.tr("总结已保存。"))
        self.refresh()

    def edit_narrative(self) -> None:
        """Write the county's own summary of the period (the report's first chapter) in the
        summary editor: the same sections, every department's ledger figures added up beside them."""
        programme_id, phase_id = self.context.programme_id, self.phase_id()
        unit_id = self.context.local_unit_id
        if programme_id is None or unit_id is None or not self.is_county:
            return

        def read(session: Session) -> EditorData:
            from app.models import Unit
            from app.services import county_summary

            summary = county_summary.start_county_summary(session, programme_id, phase_id)
            return EditorData(
                summary.id, session.get_one(Unit, unit_id).name, dict(summary.sections or {}),
                county_summary.county_figures(session, programme_id, phase_id), [], [], True,
                self.tr("全县总结列为全县汇总报告的第一章，报送市矫正办；"
                        "各科室的图片资料随其总结列入报告附件。"), with_photos=False,
            )  # fmt: skip

        data = self.run(read, self.tr("打开全县总结"))
        if data is None:
            return
        summary_id = data.summary_id

        def save(sections: dict[str, str], _photos: list[tuple[int, str]]) -> None:
            from app.services import county_summary

            self.save_from_dialog(
                self.tr("保存全县总结"),
                lambda s: county_summary.save_county_summary(s, summary_id, sections),
            )

        dialog = SummaryDialog(data, self.database.attachments, save, self)
        dialog.setWindowTitle(self.tr("全县总结 — %1").replace("%1", self.period_name()))
        if dialog.exec():
            self.status.setText(self.tr("全县总结已保存，生成全县汇总 PDF 时列为第一章。"))

    def submit_selected(self) -> None:
        """Submit the selected department's summary, dated today, after confirmation."""
        row = self.selected()
        if row is None or row.summary_id is None:
            return
        question = self.tr("提交后总结即固定，不能再修改（县矫正办退回后才能修改）。"
                           "确定提交%1的阶段总结（%2）吗？")  # fmt: skip
        if not confirm(self, self.tr("提交总结"), question.replace("%1", row.department)
                       .replace("%2", self.period_name())):  # fmt: skip
            return
        summary_id, today = row.summary_id, self.today()
        if self.attempt(lambda s: summaries.submit_summary(s, summary_id, today),
                        self.tr("提交总结")):  # fmt: skip
            self.status.setText(self.tr("已提交。请在“数据交换”中导出数据包发给县矫正办。"))
        self.refresh()

    def return_selected(self) -> None:
        """Return the selected summary to its department, with a comment."""
        row = self.selected()
        if row is None or row.summary_id is None:
            return
        summary_id, today, me = row.summary_id, self.today(), self.context.local_unit_id

        def save(values: dict) -> None:
            self.save_from_dialog(
                self.tr("退回阶段总结"),
                lambda s: summaries.review_summary(
                    s, summary_id, ReviewDecision.RETURNED, values["comment"], today, me
                ),
            )

        if ReturnDialog(save, row.department, self).exec():
            self.status.setText(self.tr("已退回%1的总结。").replace("%1", row.department))
        self.refresh()

    def unlock_selected(self) -> None:
        """解锁台账…: let the department change its entries of the adopted summary's period,
        for a reason (audited, sent down with the next package)."""
        from app.services import period_locks
        from app.ui.dialogs.summary_dialogs import UnlockDialog

        row = self.selected()
        if row is None or row.summary_id is None:
            return
        summary_id, today = row.summary_id, self.today()

        def save(values: dict) -> None:
            self.save_from_dialog(
                self.tr("解锁台账"),
                lambda s: period_locks.unlock_period(s, summary_id, values["reason"], today),
            )

        if UnlockDialog(save, row.department, self).exec():
            self.status.setText(
                self.tr("已解锁%1本阶段的台账；请在“数据交换”中导出数据包发给该科室。").replace(
                    "%1", row.department
                )
            )
        self.refresh()

    def accept_selected(self) -> None:
        """Accept the selected summary."""
        row = self.selected()
        if row is None or row.summary_id is None:
            return
        question = self.tr("确定采用%1的阶段总结吗？").replace("%1", row.department)
        summary_id, today, me = row.summary_id, self.today(), self.context.local_unit_id
        if confirm(self, self.tr("采用总结"), question) and self.attempt(
            lambda s: summaries.review_summary(
                s, summary_id, ReviewDecision.ACCEPTED, "", today, me
            ),
            self.tr("采用总结"),
        ):
            self.status.setText(self.tr("已采用%1的总结。").replace("%1", row.department))
        self.refresh()

    # ------------------------------------------------------------ PDFs

    def _ask_path(self, title: str, name: str) -> Path | None:
        """A .pdf, or a .docx for an editable Word copy."""
        return ask_save_path_as(self, title, name)

    def department_pdf(self) -> BackgroundTask | None:
        """The selected department's summary as a PDF where the clerk says, made in the
        background, then opened."""
        row = self.selected()
        if row is None or row.summary_id is None:
            return None
        path = self._ask_path(
            self.tr("保存阶段总结"), f"阶段总结-{row.department}-{self.period_name()}.pdf"
        )
        if path is None:
            return None
        store, summary_id = self.database.attachments, row.summary_id

        def work(session: Session, report: Callable[[int], None]) -> bytes:
            from app.reports.summary_pdf import render_department_summary
            from app.services.summary_reports import department_report

            content = department_report(session, store, summary_id)
            report(1)
            if path.suffix.lower() == ".docx":
                from app.reports.docx.summary import render_department_docx

                return self._finish_pdf(render_department_docx(content), path, report)
            return self._finish_pdf(render_department_summary(content), path, report)

        return self._make_pdf(path, work)

    def county_pdf(self) -> BackgroundTask | None:
        """Every department's summary of the period in one PDF (the county's report for the
        city) where the clerk says, made in the background, then opened."""
        programme_id, phase_id = self.context.programme_id, self.phase_id()
        if programme_id is None:
            return None
        as_of = self.as_of.value()
        if as_of is None:
            self.as_of.show_problem(
                self.as_of.problem() or self.tr("请填写统计截至日期，例如 2018-10-15。")
            )
            self.as_of.setFocus()
            return None
        path = self._ask_path(self.tr("保存全县汇总报告"), f"阶段总结汇总-{self.period_name()}.pdf")
        if path is None:
            return None
        store = self.database.attachments

        def work(session: Session, report: Callable[[int], None]) -> bytes:
            from app.reports.summary_pdf import render_county_summary
            from app.services.summary_reports import county_report

            content = county_report(session, store, programme_id, phase_id, as_of)
            report(1)
            if path.suffix.lower() == ".docx":
                from app.reports.docx.summary import render_county_docx

                return self._finish_pdf(render_county_docx(content), path, report)
            return self._finish_pdf(render_county_summary(content), path, report)

        return self._make_pdf(path, work)

    @staticmethod
    def _finish_pdf(data: bytes, path: Path, report: Callable[[int], None]) -> bytes:
        """(In the worker) write the PDF made; its bytes."""
        report(2)
        write_file(path, data)
        report(3)
        return data

    def _make_pdf(self, path: Path, work: Callable) -> BackgroundTask:
        """``work(session, report)`` in the background (3 steps: read, lay out, write); then
        say where the file went and open it."""
        for button in (self.pdf_button, self.county_pdf_button):
            button.setEnabled(False)

        word = path.suffix.lower() == ".docx"

        def done(data: bytes) -> None:
            if word:  # a Word copy is printed from WPS or Word: only a PDF prints here
                self._last_pdf = None
                self.status.setText(
                    self.tr("已保存 Word 文件：%1（可在 WPS 或 Word 中修改、打印）").replace(
                        "%1", str(path)
                    )
                )
            else:
                self._last_pdf = (data, path.stem)
                self.status.setText(self.tr("已保存 PDF 文件：%1").replace("%1", str(path)))
            self.print_button.setEnabled(self._last_pdf is not None)
            open_with_system(self, path)

        title = self.tr("生成 Word 文件") if word else self.tr("生成 PDF")
        task = self.run_in_background(
            title, self.tr("正在生成 %1……").replace("%1", path.name), work,
            total=3, success=done,
        )  # fmt: skip
        task.finished.connect(self._selection_changed)
        return task

    def print_last(self) -> BackgroundTask | None:
        """Print the PDF made last (Qt's print dialog first, pages sent in the background)."""
        if self._last_pdf is None:
            return None
        data, title = self._last_pdf

        def printed(pages: int) -> None:
            self.status.setText(self.tr("已送打印机 %1 页。").replace("%1", str(pages)))

        return print_in_background(self, title, data, done=printed)
