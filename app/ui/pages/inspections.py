"""督查整改: inspections and their rectification items — status in colour, deadlines, overdue
rows in red; the inspecting office records, corrects and deletes (with 撤销删除) inspections and
items, closes (销号) or sends back items; the responsible unit reports its progress."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape
from typing import TypeGuard

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from app.models import RectificationItem, RectificationStatus, UnitKind
from app.services import inspections, reference
from app.services.dates import DatePurpose, DateRange
from app.services.inspections import InspectionEdit, InspectionInput, InspectionRow, ItemRow
from app.services.period import judged_on
from app.ui.dialogs.inspection_dialogs import (
    CloseDialog,
    InspectionDialog,
    InspectionEditDialog,
    ItemDialog,
    ProgressDialog,
    SendBackDialog,
    default_deadline,
)
from app.ui.messages import confirm
from app.ui.pages.base import Page, button_row, section_label
from app.ui.table_model import ALERT_BACKGROUND, Column, RowTableModel
from app.ui.table_view import RowTableView

S = RectificationStatus
STATUS_COLOURS = {S.PENDING: "#b36b00", S.IN_PROGRESS: "#1d3f72", S.RECTIFIED: "#1e7d32",
                  S.CLOSED: "#777777"}  # fmt: skip
OVERDUE_RED = "#c0392b"
OVERDUE_BACKGROUND = ALERT_BACKGROUND


def _date(value: date | None) -> str:
    return f"{value.year}-{value.month:02d}-{value.day:02d}" if value else ""


def _one_line(text: str, limit: int = 40) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class InspectionsPage(Page):
    """Inspections above, the selected one's rectification items below with the chosen item's
    history beside them. The inspecting office (县矫正办) sees every inspection; another unit
    sees those of it and only the items it is responsible for."""

    title = "督查整改"

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        self.today: Callable[[], date] = date.today
        self._judged_on: date | None = None  # overdue is judged on this day (see refresh)
        kind = context.local_unit_kind
        self.is_county = kind == UnitKind.COUNTY_OFFICE
        self.sees_all = kind in (None, UnitKind.COUNTY_OFFICE, UnitKind.CITY_OFFICE)
        self.units: list[tuple[str, int]] = []
        self._deleted: tuple[str, int] | None = None  # ("inspection" | "item", id): for 撤销删除

        self.info = QLabel()
        self.info.setWordWrap(True)
        self.layout_.addWidget(self.info)

        self.inspection_model: RowTableModel[InspectionRow] = RowTableModel(
            [
                Column(self.tr("督查日期"), lambda r: _date(r.inspection_date),
                       sort_key=lambda r: r.inspection_date),
                Column(self.tr("被督查单位"), lambda r: r.inspected_unit),
                Column(self.tr("督查人员"), lambda r: r.inspectors),
                Column(self.tr("发现问题"), lambda r: _one_line(r.findings) or self.tr("未发现问题"),
                       tooltip=lambda r: r.findings),
                Column(self.tr("整改事项"), lambda r: r.items, align_right=True),
                Column(self.tr("未销号"), lambda r: r.open, align_right=True),
                Column(self.tr("逾期"), lambda r: r.overdue or "", align_right=True,
                       sort_key=lambda r: r.overdue, foreground=lambda r: OVERDUE_RED),
            ],
            self,
        )  # fmt: skip
        self.inspection_view = RowTableView(self.inspection_model, self, stretch=3)
        self.new_button = QPushButton(self.tr("新建督查…"))
        self.edit_button = QPushButton(self.tr("修改督查…"))
        self.delete_button = QPushButton(self.tr("删除督查"))
        self.undo_button = QPushButton(self.tr("撤销删除"))
        self.undo_button.setEnabled(False)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.inspection_view, 1)
        top_layout.addLayout(button_row(self.new_button, self.edit_button, self.delete_button,
                                        self.undo_button))  # fmt: skip

        self.item_model = RowTableModel(
            [
                Column(self.tr("问题"), lambda r: r.finding, tooltip=lambda r: r.finding),
                Column(self.tr("责任单位"), lambda r: r.responsible_unit),
                Column(self.tr("整改期限"), lambda r: _date(r.deadline),
                       sort_key=lambda r: r.deadline),
                Column(self.tr("状态"), lambda r: r.status_label,
                       foreground=lambda r: STATUS_COLOURS[r.status]),
                Column(self.tr("最近进展"), self._latest, tooltip=lambda r: r.latest_text),
                Column(self.tr("提示"), self._mark, sort_key=lambda r: r.days_overdue(self._judged()),
                       foreground=lambda r: OVERDUE_RED if r.overdue(self._judged()) else "#1e7d32"),
            ],
            self,
            row_background=lambda r: OVERDUE_BACKGROUND if r.overdue(self._judged()) else None,
        )  # fmt: skip
        self.item_view = RowTableView(self.item_model, self, stretch=0)
        self.items_title = section_label(self.tr("整改事项"))
        self.history = QTextBrowser()
        self.history.setMinimumWidth(260)
        self.add_item_button = QPushButton(self.tr("添加整改事项…"))
        self.edit_item_button = QPushButton(self.tr("修改整改事项…"))
        self.report_button = QPushButton(self.tr("报告整改进展…"))
        self.close_button = QPushButton(self.tr("销号…"))
        self.send_back_button = QPushButton(self.tr("退回整改…"))
        self.delete_item_button = QPushButton(self.tr("删除整改事项"))
        self.status = QLabel()
        self.status.setStyleSheet("color: #555;")
        items_box = QWidget()
        items_layout = QVBoxLayout(items_box)
        items_layout.setContentsMargins(0, 0, 0, 0)
        items_layout.addWidget(self.items_title)
        items_layout.addWidget(self.item_view, 1)
        items_layout.addLayout(button_row(self.add_item_button, self.edit_item_button,
                                          self.report_button, self.close_button,
                                          self.send_back_button, self.delete_item_button))  # fmt: skip
        history_box = QWidget()
        history_layout = QVBoxLayout(history_box)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_layout.addWidget(section_label(self.tr("整改过程")))
        history_layout.addWidget(self.history, 1)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(items_box)
        bottom.addWidget(history_box)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 1)
        bottom.setSizes([800, 260])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        body.addWidget(bottom)
        body.setStretchFactor(0, 2)
        body.setStretchFactor(1, 3)
        self.layout_.addWidget(body, 1)
        self.layout_.addWidget(self.status)

        for button in (self.new_button, self.edit_button, self.delete_button, self.undo_button,
                       self.add_item_button, self.edit_item_button, self.close_button,
                       self.send_back_button, self.delete_item_button):  # fmt: skip
            button.setVisible(self.is_county)  # only the inspecting office changes these
        if not self.sees_all and getattr(self.context, "database_unit_name", None):
            self.status.setText(
                self.tr("报告的整改进展保存后，县矫正办立即看到（数据库在服务器上）。")
            )
        elif not self.sees_all:
            self.status.setText(self.tr("报告整改进展后，请到“数据交换”导出数据包发给县矫正办。"))

        self.inspection_view.selection_changed.connect(self._inspection_changed)
        self.item_view.selection_changed.connect(self._item_changed)
        self.item_view.row_activated.connect(lambda _row: self.report_selected())
        self.new_button.clicked.connect(lambda: self.new_inspection())
        self.edit_button.clicked.connect(lambda: self.edit_inspection())
        self.delete_button.clicked.connect(lambda: self.delete_inspection())
        self.undo_button.clicked.connect(lambda: self.undo_delete())
        self.add_item_button.clicked.connect(lambda: self.add_item())
        self.edit_item_button.clicked.connect(lambda: self.edit_item())
        self.report_button.clicked.connect(lambda: self.report_selected())
        self.close_button.clicked.connect(lambda: self.close_selected())
        self.send_back_button.clicked.connect(lambda: self.send_back_selected())
        self.delete_item_button.clicked.connect(lambda: self.delete_item())
        # the logged-in user's role: what it may not do is disabled, the tooltip says why
        self.forbid_unless(
            "inspection.edit", self.new_button, self.edit_button, self.delete_button,
            self.undo_button, self.add_item_button, self.edit_item_button,
            self.delete_item_button, self.report_button,
        )  # fmt: skip
        self.forbid_unless("inspection.close", self.close_button, self.send_back_button)
        self.refresh()

    # ------------------------------------------------------------ loading

    def _unit_filter(self) -> int | None:
        return None if self.sees_all else self.context.local_unit_id

    def _latest(self, row: ItemRow) -> str:
        if row.status == S.CLOSED:
            return self.tr("%1 销号").replace("%1", _date(row.closed_on))
        if row.reported_on is None:
            return ""
        what = self.tr("退回：") if row.sent_back else ""
        return f"{_date(row.reported_on)} {what}{_one_line(row.latest_text, 12)}".rstrip()

    def _mark(self, row: ItemRow) -> str:
        days = row.days_overdue(self._judged())
        if days:
            return self.tr("逾期 %1 天").replace("%1", str(days))
        return self.tr("待销号") if row.status == S.RECTIFIED else ""

    def _judged(self) -> date:
        """The day overdue is judged on: today, or the day after the programme's end once it
        is over (never days counted on by the PC's clock)."""
        return self._judged_on or self.today()

    def refresh(self) -> None:
        """Reload the inspections (keeping the selection) and the selected one's items."""
        selected = self.inspection_view.selected_row()
        with self.database.session() as session:
            self.units = [(u.name, u.id) for u in reference.list_units(session)
                          if u.kind != UnitKind.CITY_OFFICE]  # fmt: skip
            self._judged_on = judged_on(session, self.context.programme_id, self.today())
            rows = inspections.list_inspections(session, self._judged(), self.context.programme_id,
                                                self._unit_filter())  # fmt: skip
            counts = inspections.unit_counts(session, self._judged(), self.context.programme_id)
        self.inspection_model.set_rows(rows)
        self._show_info(rows, counts)
        if not (selected and self.inspection_view.select_where(lambda r: r.id == selected.id)):
            self.inspection_view.selectRow(0)
        self._inspection_changed()

    def _show_info(self, rows: list[InspectionRow], counts) -> None:
        if not self.sees_all:
            counts = [c for c in counts if c.unit_id == self.context.local_unit_id]
        total = sum(c.total for c in counts)
        text = self.tr("督查 %1 次，整改事项 %2 项：未销号 %3 项，逾期 %4 项，已销号 %5 项。")
        for number, value in enumerate(
            (len(rows), total, sum(c.open for c in counts), sum(c.overdue for c in counts),
             sum(c.closed for c in counts)), start=1):  # fmt: skip
            text = text.replace(f"%{number}", str(value))
        if not rows:
            text += self.tr("　点“新建督查…”登记一次督导检查。") if self.is_county else ""
        self.info.setText(text)

    def selected_inspection(self) -> InspectionRow | None:
        """The selected inspection."""
        return self.inspection_view.selected_row()

    def selected_item(self) -> ItemRow | None:
        """The selected rectification item."""
        return self.item_view.selected_row()

    def _inspection_changed(self) -> None:
        inspection = self.selected_inspection()
        selected = self.selected_item()
        rows: list[ItemRow] = []
        if inspection is not None:
            with self.database.session() as session:
                rows = inspections.list_items(session, inspection.id, self._unit_filter())
            self.items_title.setText(
                self.tr("整改事项 — %1 %2 督查")
                .replace("%1", _date(inspection.inspection_date))
                .replace("%2", inspection.inspected_unit)
            )
        else:
            self.items_title.setText(self.tr("整改事项"))
        self.item_model.set_rows(rows)
        if not (selected and self.item_view.select_where(lambda r: r.id == selected.id)):
            self.item_view.selectRow(0)
        mine = self._inspects(inspection)
        closed = bool(inspection and inspection.items > inspection.open)
        for button in (self.add_item_button, self.edit_button):
            self.enable(button, mine)
        self.enable(
            self.delete_button,
            mine and not closed,
            self.tr("这次督查有已销号的整改事项，不能删除。") if mine and closed else "",
        )
        self._item_changed()

    def _inspects(self, inspection: InspectionRow | None) -> TypeGuard[InspectionRow]:
        local = self.context.local_unit_id
        return bool(inspection and local is not None and inspection.owner_unit_id == local)

    def _may_report(self, item: ItemRow | None) -> TypeGuard[ItemRow]:
        local = self.context.local_unit_id
        return bool(item and local is not None and item.status in (S.PENDING, S.IN_PROGRESS)
                    and local in (item.responsible_unit_id, item.inspecting_unit_id))  # fmt: skip

    def _may_decide(self, item: ItemRow | None) -> TypeGuard[ItemRow]:
        local = self.context.local_unit_id
        return bool(item and local is not None and item.status == S.RECTIFIED
                    and item.inspecting_unit_id == local)  # fmt: skip

    def _may_correct(self, item: ItemRow | None) -> TypeGuard[ItemRow]:
        local = self.context.local_unit_id
        return bool(item and local is not None and item.inspecting_unit_id == local
                    and item.status != S.CLOSED)  # fmt: skip

    def _item_changed(self) -> None:
        item = self.selected_item()
        for button in (self.edit_item_button, self.delete_item_button):
            self.enable(
                button, self._may_correct(item),
                self.tr("已销号的整改事项不能修改或删除。")
                if item is not None and item.status == S.CLOSED else "",
            )  # fmt: skip
        self.enable(self.undo_button, self._deleted is not None)
        self.enable(self.report_button, self._may_report(item))
        self.enable(self.close_button, self._may_decide(item))
        self.enable(self.send_back_button, self._may_decide(item))
        self.history.setHtml(self._history_html(item))

    def _history_html(self, item: ItemRow | None) -> str:
        if item is None:
            return f"<p style='color:#777'>{self.tr('选择一项整改事项，查看整改过程。')}</p>"
        with self.database.session() as session:
            history = inspections.item_history(session, item.id)
        colour = STATUS_COLOURS[item.status]
        parts = [
            f"<p><b>{escape(item.finding)}</b></p>",
            f"<p>{self.tr('责任单位')}：{escape(item.responsible_unit)}<br>"
            f"{self.tr('整改期限')}：{_date(item.deadline)}<br>"
            f"{self.tr('状态')}：<span style='color:{colour}'><b>{item.status_label}</b></span>",
        ]
        days = item.days_overdue(self._judged())
        if days:
            parts.append(f"　<span style='color:{OVERDUE_RED}'>"
                         f"{self.tr('逾期 %1 天').replace('%1', str(days))}</span>")  # fmt: skip
        parts.append("</p>")
        if not history:
            parts.append(f"<p style='color:#777'>{self.tr('责任单位尚未报告整改进展。')}</p>")
        for line in history:
            tone = OVERDUE_RED if line.sent_back else STATUS_COLOURS[line.status]
            text = f"<br>{escape(line.text)}" if line.text else ""
            parts.append(f"<p>{_date(line.reported_on)}　{escape(line.by)}　"
                         f"<span style='color:{tone}'><b>{line.label}</b></span>{text}</p>")  # fmt: skip
        return "".join(parts)

    def show_records(self, record_id: int | None = None, **_other) -> None:
        """Show a rectification item (a dashboard's overdue item): its inspection, then it."""
        if record_id is None:
            return
        with self.database.session() as session:
            item = session.get(RectificationItem, record_id)
            inspection_id = item.inspection_id if item is not None else None
        if inspection_id is not None and self.inspection_view.select_where(
            lambda r: r.id == inspection_id
        ):
            self.item_view.select_where(lambda r: r.id == record_id)

    # ------------------------------------------------------------ actions

    def _range(self, purpose: DatePurpose) -> DateRange:
        return self.context.date_range(purpose)

    def _on_or_after(self, item: ItemRow) -> date:
        """A report, send-back or closing date to suggest: today moved into the programme's
        year (not the months after it that deadlines may run into), not before the item's
        latest report."""
        suggested = self._range(DatePurpose.DEADLINE).default(self.today())
        return max(suggested, item.reported_on) if item.reported_on else suggested

    def new_inspection(self) -> None:
        """Record an inspection with its findings (and their rectification items)."""
        created: list[int] = []

        def save(values: dict) -> None:
            data = InspectionInput(
                inspection_date=values["inspection_date"],
                inspectors=values["inspectors"],
                inspected_unit_id=values["inspected_unit_id"],
                findings=values["findings"],
                programme_id=self.context.programme_id,
            )
            inspection_id = self.save_from_dialog(self.tr("登记督查"),
                lambda s: inspections.record_inspection(s, data, self.context.local_unit_id).id,
            )  # fmt: skip
            created.append(inspection_id)

        work = self._range(DatePurpose.WORK)
        InspectionDialog(save, self.units, work.default(self.today()), work,
                         self._range(DatePurpose.DEADLINE), self).exec()  # fmt: skip
        self.refresh()
        if created:
            self.inspection_view.select_where(lambda r: r.id == created[0])
            self.status.setText(self.tr("已登记。请在“数据交换”中导出数据包发给责任单位。"))

    def edit_inspection(self) -> None:
        """Correct the selected inspection (its date, inspectors, unit and findings)."""
        inspection = self.selected_inspection()
        if not self._inspects(inspection):
            return
        saved: list[bool] = []
        inspection_id, revision = inspection.id, inspection.revision

        def save(values: dict) -> None:
            data = InspectionEdit(**values, expected_revision=revision)
            self.save_from_dialog(self.tr("修改督查"),
                lambda s: inspections.update_inspection(s, inspection_id, data,
                                                        self.context.local_unit_id),
            )  # fmt: skip
            saved.append(True)

        InspectionEditDialog(save, inspection, self.units, self._range(DatePurpose.WORK),
                             self).exec()  # fmt: skip
        self.refresh()
        if saved:
            self.status.setText(self.tr("督查已修改。请在“数据交换”中导出数据包发给责任单位。"))

    def delete_inspection(self) -> None:
        """Delete the selected inspection and its items after confirmation (undo offered)."""
        inspection = self.selected_inspection()
        if not self._inspects(inspection):
            return
        question = (
            self.tr("确定删除%1对%2的督查吗？它的 %3 项整改事项将一并删除。\n\n"
                    "删除后可点“撤销删除”恢复。")
            .replace("%1", _date(inspection.inspection_date))
            .replace("%2", inspection.inspected_unit).replace("%3", str(inspection.items))
        )  # fmt: skip
        if not confirm(self, self.tr("删除督查"), question):
            return
        inspection_id = inspection.id
        if self.attempt(lambda s: inspections.delete_inspection(s, inspection_id,
                                                               self.context.local_unit_id,
                                                               inspection.revision),
                        self.tr("删除督查")):  # fmt: skip
            self._deleted = ("inspection", inspection_id)
            self.status.setText(self.tr("已删除督查。如属误删，可点“撤销删除”恢复。"))
        self.refresh()

    def add_item(self) -> None:
        """Add a rectification item to the selected inspection."""
        inspection = self.selected_inspection()
        if not self._inspects(inspection):
            return
        inspection_id = inspection.id

        def save(values: dict) -> None:
            self.save_from_dialog(self.tr("添加整改事项"),
                lambda s: inspections.add_item(s, inspection_id, values["finding"],
                                               values["responsible_unit_id"], values["deadline"],
                                               self.context.local_unit_id),
            )  # fmt: skip

        deadlines = self._range(DatePurpose.DEADLINE)
        title = f"{_date(inspection.inspection_date)} {inspection.inspected_unit}"
        due = default_deadline(inspection.inspection_date, deadlines)
        ItemDialog(save, title, self.units, inspection.inspected_unit_id, due, deadlines,
                   self).exec()  # fmt: skip
        self.refresh()

    def edit_item(self) -> None:
        """Correct the selected item's problem, responsible unit or deadline."""
        item = self.selected_item()
        if not self._may_correct(item):
            return
        item_id = item.id
        saved: list[bool] = []

        def save(values: dict) -> None:
            self.save_from_dialog(self.tr("修改整改事项"),
                lambda s: inspections.update_item(s, item_id, values["finding"],
                                                  values["responsible_unit_id"],
                                                  values["deadline"], self.context.local_unit_id,
                                                  item.revision),
            )  # fmt: skip
            saved.append(True)

        deadlines = self._range(DatePurpose.DEADLINE)
        inspection = self.selected_inspection()
        title = f"{_date(item.inspection_date)} {inspection.inspected_unit if inspection else ''}"
        ItemDialog(save, title, self.units, item.responsible_unit_id, item.deadline, deadlines,
                   self, item=item).exec()  # fmt: skip
        self.refresh()
        if saved:
            self.status.setText(self.tr("整改事项已修改。请在“数据交换”中导出数据包发给责任单位。"))

    def delete_item(self) -> None:
        """Delete the selected item after confirmation (undo offered)."""
        item = self.selected_item()
        if not self._may_correct(item):
            return
        item_id = item.id
        question = self.tr("确定删除整改事项“%1”（%2）吗？删除后可点“撤销删除”恢复。")
        question = question.replace("%1", _one_line(item.finding)).replace(
            "%2", item.responsible_unit
        )
        if not confirm(self, self.tr("删除整改事项"), question):
            return
        if self.attempt(lambda s: inspections.delete_item(s, item_id, self.context.local_unit_id,
                                                         item.revision),
                        self.tr("删除整改事项")):  # fmt: skip
            self._deleted = ("item", item_id)
            self.status.setText(self.tr("已删除整改事项。如属误删，可点“撤销删除”恢复。"))
        self.refresh()

    def undo_delete(self) -> None:
        """Bring back the inspection or item deleted last, and show it."""
        if self._deleted is None:
            return
        kind, record_id = self._deleted
        local = self.context.local_unit_id
        if kind == "inspection":
            done = self.attempt(lambda s: inspections.restore_inspection(s, record_id, local),
                                self.tr("撤销删除"))  # fmt: skip
        else:
            done = self.attempt(lambda s: inspections.restore_item(s, record_id, local),
                                self.tr("撤销删除"))  # fmt: skip
        if done:
            self._deleted = None
            self.status.setText(self.tr("已恢复。"))
        self.refresh()
        if done and kind == "inspection":
            self.inspection_view.select_where(lambda r: r.id == record_id)
        elif done:
            self.show_records(record_id)

    def report_selected(self) -> None:
        """Report 整改中 or 已整改 (with evidence) on the selected item."""
        item = self.selected_item()
        if not self._may_report(item):
            return
        item_id = item.id

        def save(values: dict) -> None:
            self.save_from_dialog(self.tr("报告整改进展"),
                lambda s: inspections.report_progress(s, item_id, values["status"],
                                                      values["evidence"], values["reported_on"],
                                                      self.context.local_unit_id),
            )  # fmt: skip

        on_behalf = self.context.local_unit_id != item.responsible_unit_id
        dialog = ProgressDialog(save, item, self._on_or_after(item),
                                self._range(DatePurpose.DEADLINE), on_behalf, self)  # fmt: skip
        if dialog.exec() and not self.sees_all:
            self.status.setText(self.tr("已报告。请在“数据交换”中导出数据包发给县矫正办。"))
        self.refresh()

    def close_selected(self) -> None:
        """销号 the selected item (reported 已整改) on the date the clerk picks."""
        item = self.selected_item()
        if not self._may_decide(item):
            return
        item_id = item.id

        def save(values: dict) -> None:
            self.save_from_dialog(self.tr("销号"),
                lambda s: inspections.close_item(s, item_id, values["closed_on"],
                                                 self.context.local_unit_id),
            )  # fmt: skip

        dialog = CloseDialog(save, item, self._on_or_after(item),
                             self._range(DatePurpose.DEADLINE), self)  # fmt: skip
        if dialog.exec():
            self.status.setText(self.tr("已销号。请在“数据交换”中导出数据包发给责任单位。"))
        self.refresh()

    def send_back_selected(self) -> None:
        """Refuse to close the selected item: back to 整改中, with a reason."""
        item = self.selected_item()
        if not self._may_decide(item):
            return
        item_id = item.id

        def save(values: dict) -> None:
            self.save_from_dialog(self.tr("退回整改"),
                lambda s: inspections.send_back(s, item_id, values["reason"],
                                                values["reported_on"], self.context.local_unit_id),
            )  # fmt: skip

        dialog = SendBackDialog(save, item, self._on_or_after(item),
                                self._range(DatePurpose.DEADLINE), self)  # fmt: skip
        if dialog.exec():
            self.status.setText(self.tr("已退回整改。请在“数据交换”中导出数据包发给责任单位。"))
        self.refresh()
