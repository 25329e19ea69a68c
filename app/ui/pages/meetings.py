"""例会: the monthly meetings of middle-level cadres and the other meetings (动员部署会, 座谈会,
推进会: the template's types) — the year's meetings with their type and the months that had no
月度例会, the editor, minutes as an official PDF, and the decisions still open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from app.services import meetings
from app.services.dates import DatePurpose
from app.services.errors import write_file
from app.services.meetings import DecisionRow, MeetingInput, MeetingMinutes, MeetingRow
from app.ui.background import BackgroundTask
from app.ui.desktop import open_with_system
from app.ui.dialogs.meeting_dialogs import MeetingDialog
from app.ui.files import ask_save_path
from app.ui.messages import confirm
from app.ui.pages.base import Page, button_row, section_label
from app.ui.table_model import ALERT_BACKGROUND, Column, RowTableModel
from app.ui.table_view import RowTableView

if TYPE_CHECKING:
    from typing_extensions import TypeIs  # typing.TypeIs from Python 3.13

RED = "#c0392b"
OTHER_TYPE = "#1f5f99"  # a meeting that is not the month's 例会
GREEN = "#1e7d32"
MISSING_BACKGROUND = ALERT_BACKGROUND


@dataclass(frozen=True)
class MonthGap:
    """A month that should have had a meeting and had none (shown as a red row)."""

    month: date


ListRow = MeetingRow | MonthGap


def _date(value: date | None) -> str:
    return f"{value.year}-{value.month:02d}-{value.day:02d}" if value else ""


def _when(row: ListRow) -> date:
    return row.month if isinstance(row, MonthGap) else row.meeting_date


def _key(row: ListRow) -> tuple[str, object]:
    return ("gap", row.month) if isinstance(row, MonthGap) else ("meeting", row.id)


class MeetingsPage(Page):
    """The programme year's meetings in date order with a red row for each month that had
    none, and every decision not yet done (overdue ones in red)."""

    title = "例会"

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        self.today: Callable[[], date] = date.today
        self._task: BackgroundTask | None = None
        self._missing: list[date] = []
        self._types = meetings.DEFAULT_TYPES

        self.missing_label = QLabel()
        self.missing_label.setWordWrap(True)
        self.missing_label.setObjectName("missingMonths")
        self.rule_label = QLabel()
        self.rule_label.setWordWrap(True)
        self.rule_label.setStyleSheet("color: #555;")
        self.layout_.addWidget(self.missing_label)
        self.layout_.addWidget(self.rule_label)

        def gap(row: ListRow) -> TypeIs[MonthGap]:
            return isinstance(row, MonthGap)

        self.model = RowTableModel(
            [
                Column(self.tr("会议日期"),
                       lambda r: meetings.month_label(r.month) if gap(r) else _date(r.meeting_date),
                       sort_key=lambda r: r.month if gap(r) else r.meeting_date),
                Column(self.tr("类型"), lambda r: self._types.monthly if gap(r) else r.meeting_type,
                       foreground=lambda r: None if gap(r) or r.monthly else OTHER_TYPE),
                Column(self.tr("情况"), lambda r: self.tr("未召开") if gap(r) else self.tr("已召开"),
                       foreground=lambda r: RED if gap(r) else GREEN),
                Column(self.tr("主持人"), lambda r: "" if gap(r) else r.chair),
                Column(self.tr("会议地点"), lambda r: "" if gap(r) else r.location),
                Column(self.tr("汇报科室"),
                       lambda r: "" if gap(r) else f"{r.reports} / {r.reporting_units}",
                       sort_key=lambda r: -1 if gap(r) else r.reports),
                Column(self.tr("议定事项"), lambda r: "" if gap(r) else r.decisions,
                       sort_key=lambda r: -1 if gap(r) else r.decisions),
                Column(self.tr("未完成事项"), self._open_text,
                       sort_key=lambda r: -1 if gap(r) else r.open_decisions,
                       foreground=lambda r: RED if not gap(r) and r.overdue_decisions else None),
            ],
            self,
            row_background=lambda r: MISSING_BACKGROUND if gap(r) else None,
        )  # fmt: skip
        self.view = RowTableView(self.model, self, stretch=3)

        self.new_button = QPushButton(self.tr("登记会议…"))
        self.edit_button = QPushButton(self.tr("查看/修改…"))
        self.delete_button = QPushButton(self.tr("删除"))
        self.pdf_button = QPushButton(self.tr("生成纪要 PDF…"))
        self.print_button = QPushButton(self.tr("打印纪要…"))

        self.decisions: RowTableModel[DecisionRow] = RowTableModel(
            [
                Column(self.tr("例会日期"), lambda r: _date(r.meeting_date),
                       sort_key=lambda r: r.meeting_date),
                Column(self.tr("议定事项"), lambda r: r.text, tooltip=lambda r: r.text),
                Column(self.tr("责任单位"), lambda r: r.responsible or "—"),
                Column(self.tr("完成时限"), lambda r: _date(r.due_date) or "—",
                       sort_key=lambda r: r.due_date or date.max),
                Column(self.tr("状态"), lambda r: self.tr("逾期") if r.overdue else self.tr("进行中"),
                       foreground=lambda r: RED if r.overdue else None),
            ],
            self,
        )  # fmt: skip
        self.decisions_view = RowTableView(self.decisions, self, stretch=1)
        self.done_button = QPushButton(self.tr("标记完成"))
        self.decisions_label = section_label(self.tr("未完成的议定事项"))
        self.status = QLabel()
        self.status.setStyleSheet("color: #555;")

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(section_label(self.tr("会议记录")))
        top_layout.addWidget(self.view, 1)
        top_layout.addLayout(button_row(self.new_button, self.edit_button, self.delete_button,
                                        self.pdf_button, self.print_button))  # fmt: skip
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.decisions_label)
        bottom_layout.addWidget(self.decisions_view, 1)
        bottom_layout.addLayout(button_row(self.done_button))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.layout_.addWidget(splitter, 1)
        self.layout_.addWidget(self.status)

        self.view.selection_changed.connect(self._selection_changed)
        self.view.row_activated.connect(lambda _row: self.edit_selected())
        self.decisions_view.selection_changed.connect(self._selection_changed)
        self.new_button.clicked.connect(lambda: self.new_meeting())
        self.edit_button.clicked.connect(lambda: self.edit_selected())
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.pdf_button.clicked.connect(lambda: self.minutes_pdf())
        self.print_button.clicked.connect(lambda: self.print_minutes())
        self.done_button.clicked.connect(lambda: self.mark_selected_done())
        # the logged-in user's role: what it may not do is disabled, the tooltip says why
        self.may_edit = self.forbid_unless(
            "meeting.edit", self.new_button, self.delete_button, self.done_button
        )
        self.refresh()

    # ------------------------------------------------------------ loading

    def _open_text(self, row: ListRow) -> str:
        if isinstance(row, MonthGap) or not row.open_decisions:
            return ""
        if row.overdue_decisions:
            return (
                self.tr("%1（逾期 %2）")
                .replace("%1", str(row.open_decisions))
                .replace("%2", str(row.overdue_decisions))
            )
        return str(row.open_decisions)

    def refresh(self) -> None:
        """Reload meetings, missing months and open decisions."""
        selected = self.view.selected_row()
        programme_id, today = self.context.programme_id, self.today()
        rows: list[MeetingRow] = []
        decisions: list[DecisionRow] = []
        self._missing, due = [], []
        if programme_id is not None:
            with self.database.session() as session:
                self._types = meetings.meeting_types(session, programme_id)
                rows = meetings.list_meetings(session, programme_id, today)
                decisions = meetings.open_decisions(session, today, programme_id)
                self._missing = meetings.missing_months(session, programme_id, today)
                due = meetings.due_months(session, programme_id, today)
        self.model.set_rows(sorted([*rows, *(MonthGap(m) for m in self._missing)], key=_when))
        self.decisions.set_rows(decisions)
        self._show_missing(due)
        overdue = sum(d.overdue for d in decisions)
        text = self.tr("未完成的议定事项（%1 项").replace("%1", str(len(decisions)))
        text += (self.tr("，其中逾期 %1 项）").replace("%1", str(overdue)) if overdue
                 else self.tr("）"))  # fmt: skip
        self.decisions_label.setText(text)
        if not (selected and self.view.select_where(lambda r: _key(r) == _key(selected))):
            self.view.selectRow(self.model.rowCount() - 1)
        if self.decisions_view.selected_row() is None:
            self.decisions_view.selectRow(0)
        self._selection_changed()

    def show_records(self, record_id: int | None = None, **_others: object) -> None:
        """Select an open decision (``record_id`` is a decision's id, as the dashboard's
        overdue list gives it) and the meeting that took it."""
        if record_id is None:
            return
        self.refresh()
        decision = next((d for d in self.decisions.rows() if d.id == record_id), None)
        if decision is not None:
            self.decisions_view.select_where(lambda d: d.id == record_id)
            self.view.select_where(lambda r: _key(r) == ("meeting", decision.meeting_id))

    def _show_missing(self, due: list[date]) -> None:
        if self.context.programme_id is None:
            self.missing_label.setText(self.tr("还没有实施方案，不能登记例会。"))
            self.rule_label.clear()
            return
        if self._missing:
            months = "、".join(meetings.month_label(m) for m in self._missing)
            self.missing_label.setText(
                self.tr("未召开例会的月份（%1 个）：%2").replace("%1", str(len(self._missing)))
                .replace("%2", months)
            )  # fmt: skip
            self.missing_label.setStyleSheet(f"color: {RED}; font-weight: bold;")
        elif due:
            self.missing_label.setText(
                self.tr("截至%1，每月例会均已召开。").replace("%1", meetings.month_label(due[-1]))
            )
            self.missing_label.setStyleSheet(f"color: {GREEN}; font-weight: bold;")
        else:
            self.missing_label.setText(self.tr("还没有到应召开例会的月份。"))
            self.missing_label.setStyleSheet("")
        self.rule_label.setText(
            self.tr("方案要求每月召开一次中层干部月度例会，各科室汇报工作进展。"
                    "某月结束后仍未登记例会的，列为“未召开”（红色行）；当月的例会在月内登记即可。"
                    "动员部署会、座谈会等其他类型的会议照常登记，但不计入当月例会。")
        )  # fmt: skip

    def selected(self) -> ListRow | None:
        """The selected meeting or missing month."""
        return self.view.selected_row()

    def selected_meeting(self) -> MeetingRow | None:
        """The selected meeting (None for a missing month)."""
        row = self.selected()
        return row if isinstance(row, MeetingRow) else None

    def _own(self, row: MeetingRow | DecisionRow | None) -> bool:
        return bool(row and row.owner_unit_id in (None, self.context.local_unit_id))

    def _selection_changed(self) -> None:
        row = self.selected()
        meeting = self.selected_meeting()
        has_programme = self.context.programme_id is not None
        self.enable(self.new_button, has_programme)
        self.new_button.setText(
            self.tr("登记%1例会…").replace("%1", meetings.month_label(row.month))
            if isinstance(row, MonthGap) else self.tr("登记会议…")
        )  # fmt: skip
        self.edit_button.setEnabled(meeting is not None)
        self.edit_button.setText(
            self.tr("查看…")
            if meeting and not (self._own(meeting) and self.may_edit)
            else self.tr("查看/修改…")
        )
        self.enable(self.delete_button, self._own(meeting))
        busy = self._task is not None
        self.pdf_button.setEnabled(meeting is not None and not busy)
        self.print_button.setEnabled(meeting is not None and not busy)
        decision = self.decisions_view.selected_row()
        self.enable(
            self.done_button, self._own(decision),
            "" if decision is None or self._own(decision)
            else self.tr("这项事项由其他单位登记，只能在登记单位的电脑上标记完成。"),
        )  # fmt: skip

    # ------------------------------------------------------------ editing

    def _suggested_date(self) -> date:
        """The selected missing month, else today, else (today outside the programme's year)
        its first missing month or 1 December; always inside the year."""
        row, today = self.selected(), self.today()
        if isinstance(row, MonthGap):
            return row.month
        year = self.context.programme_year or today.year
        if today.year == year:
            return today
        suggested = self._missing[0] if self._missing else date(year, 12, 1)
        return self.context.date_range(DatePurpose.WORK).clamp(suggested)

    def _dialog(self, data: MeetingInput, meeting_id: int | None, editable: bool,
                note: str = "") -> MeetingDialog:  # fmt: skip
        with self.database.session() as session:
            reporting = meetings.reporting_units(session)
            responsible = meetings.responsible_units(session)
            types = meetings.meeting_types(session, data.programme_id)

        def save(values: MeetingInput) -> None:
            self.save_from_dialog(self.tr("保存例会"),
                lambda s: meetings.save_meeting(s, meeting_id, values, self.context.local_unit_id,
                                                self.today()),
            )  # fmt: skip

        return MeetingDialog(data, reporting, responsible, save, editable, note, self,
                             work_range=self.context.date_range(DatePurpose.WORK),
                             deadline_range=self.context.date_range(DatePurpose.DEADLINE),
                             types=types)  # fmt: skip

    @Slot()
    def new_meeting(self) -> None:
        """Record a meeting (the selected missing month's, else today's)."""
        if self.context.programme_id is None:
            return
        data = MeetingInput(
            programme_id=self.context.programme_id, meeting_date=self._suggested_date(), chair="",
            meeting_type=self._types.monthly,
        )  # fmt: skip
        if self._dialog(data, None, True).exec():
            self.status.setText(self.tr("会议已登记。"))
        self.refresh()

    @Slot()
    def edit_selected(self) -> None:
        """Open the selected meeting (read-only when another unit recorded it); on a missing
        month, record that month's meeting."""
        row = self.selected()
        if isinstance(row, MonthGap):
            self.new_meeting()
            return
        if row is None:
            return
        with self.database.session() as session:
            data = meetings.load_meeting(session, row.id)
        own = self._own(row)
        note = "" if own else self.tr("这次例会由其他单位登记，只能查看。")
        if own and not self.may_edit:
            note = self.forbidden[self.new_button]
        self._dialog(data, row.id, own and self.may_edit, note).exec()
        self.refresh()

    @Slot()
    def delete_selected(self) -> None:
        """Delete the selected meeting after confirmation."""
        row = self.selected_meeting()
        if row is None:
            return
        question = self.tr("确定删除 %1 的会议记录吗？各科室汇报和议定事项将一并删除。").replace(
            "%1", _date(row.meeting_date)
        )
        if not confirm(self, self.tr("删除例会"), question):
            return
        if self.attempt(lambda s: meetings.delete_meeting(s, row.id, self.context.local_unit_id,
                                                       row.revision),
                        self.tr("删除例会")):  # fmt: skip
            self.status.setText(self.tr("已删除。"))
        self.refresh()

    @Slot()
    def mark_selected_done(self) -> None:
        """Mark the selected open decision done."""
        row = self.decisions_view.selected_row()
        if row is None:
            return
        if self.attempt(
            lambda s: meetings.mark_decision_done(s, row.id, self.context.local_unit_id),
            self.tr("标记完成"),
        ):
            self.status.setText(self.tr("已标记完成：%1").replace("%1", row.text))
        self.refresh()

    # ------------------------------------------------------------ minutes

    def _minutes(self) -> MeetingMinutes | None:
        """The selected meeting's minutes (read through the operations path), or None."""
        row = self.selected_meeting()
        if row is None:
            return None
        ok, minutes = self.operation(
            self.tr("生成纪要"), lambda s: meetings.meeting_minutes(s, row.id), changes=False
        ).run()
        return minutes if ok else None

    def minutes_pdf(self, path: Path | None = None) -> BackgroundTask | None:
        """The selected meeting's minutes as a PDF, made and saved in the background where the
        clerk says, then opened; returns the running task."""
        minutes = self._minutes()
        if minutes is None:
            return None
        if path is None:
            path = ask_save_path(
                self, self.tr("保存例会纪要"), minutes.file_name, "PDF (*.pdf)", ".pdf"
            )
            if path is None:
                return None
        target = path

        def saved(_result: object) -> None:
            self.status.setText(self.tr("纪要已保存到 %1").replace("%1", str(target)))
            open_with_system(self, target)

        return self._make_pdf(minutes, saved, target)

    def print_minutes(self) -> BackgroundTask | None:
        """The selected meeting's minutes, made in the background, through Qt's print dialog."""
        minutes = self._minutes()
        if minutes is None:
            return None

        def made(data: bytes) -> None:
            from app.ui.printing import ask_and_print

            if ask_and_print(self, data, Path(minutes.file_name).stem):
                self.status.setText(self.tr("纪要已送往打印机。"))

        return self._make_pdf(minutes, made)

    def _make_pdf(self, minutes: MeetingMinutes, then: Callable[[bytes], None],
                  path: Path | None = None) -> BackgroundTask:  # fmt: skip
        """Render the minutes in a worker thread (and write them to ``path`` when given)."""

        def work(_session: object, report: Callable[[int], None]) -> bytes:
            from app.reports.minutes_pdf import render_minutes_pdf

            data = render_minutes_pdf(minutes)
            report(1)  # 取消 pressed while rendering: nothing is written
            if path is not None:
                write_file(path, data)
            return data

        task = self.run_in_background(self.tr("生成纪要"), self.tr("正在生成例会纪要……"), work,
                                      total=1, success=then)  # fmt: skip

        def finished() -> None:
            self._task = None
            self._selection_changed()

        task.finished.connect(finished)
        self._task = task
        self._selection_changed()
        return task
