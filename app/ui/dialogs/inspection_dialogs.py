"""Dialogs of the 督查整改 page: a new inspection with its findings, its correction, a
rectification item (new or corrected), a progress report (整改中 / 已整改 with evidence), a
send-back (退回整改) and the closing (销号) with its date.

Every date is a DateField bounded like the service: an inspection in the programme's year, a
deadline and the reports, send-backs and closing that follow it in the deadline range.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from html import escape

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.models import RectificationStatus
from app.services.dates import DateRange
from app.services.inspections import FindingInput, InspectionRow, ItemRow
from app.ui.dialogs.form_dialog import ERROR_STYLE, FormDialog, combo_box
from app.ui.widgets.dates import DateField
from app.ui.widgets.scrolling import reveal, scroll_area

DEFAULT_DAYS = 30  # a new item's deadline: the inspection date plus this
HINT_STYLE = "color: #666;"


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet(HINT_STYLE)
    label.setWordWrap(True)
    return label


def default_deadline(inspected_on: date, deadlines: DateRange) -> date:
    """A new item's deadline: 30 days after the inspection, inside the deadline range."""
    return deadlines.clamp(inspected_on + timedelta(days=DEFAULT_DAYS))


class FindingRow(QWidget):
    """One finding: its text and, when 需要整改 is ticked, the responsible unit and deadline."""

    def __init__(self, number: int, units: Sequence[tuple[str, int]], unit_id: int | None,
                 deadline: date, deadlines: DateRange, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.number = QLabel(f"{number}.")
        self.number.setFixedWidth(22)
        self.text = QLineEdit()
        self.text.setPlaceholderText(self.tr("发现的问题，例如：台账照片缺少时间和地点说明"))
        self.rectify = QCheckBox(self.tr("需要整改"))
        self.unit = combo_box(units, unit_id)
        self.unit.setToolTip(self.tr("责任单位"))
        self.deadline = DateField(deadlines, deadline, label=self.tr("整改期限"))
        self.remove_button = QPushButton(self.tr("删除"))
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        self.unit_touched = False
        self.unit.activated.connect(self._touch)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.number)
        line.addWidget(self.text, 1)
        line.addWidget(self.rectify)
        line.addWidget(QLabel(self.tr("责任单位")))
        line.addWidget(self.unit)
        line.addWidget(QLabel(self.tr("期限")))
        line.addWidget(self.deadline)
        line.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(line)
        layout.addWidget(self.error)
        self.rectify.toggled.connect(self._rectify_toggled)
        self._rectify_toggled(False)

    @Slot()
    def _touch(self) -> None:
        self.unit_touched = True

    @Slot(bool)
    def _rectify_toggled(self, on: bool) -> None:
        self.unit.setEnabled(on)
        self.deadline.setEnabled(on)

    def blank(self) -> bool:
        """No text and no rectification asked: the row is ignored."""
        return not self.text.text().strip() and not self.rectify.isChecked()

    def value(self) -> FindingInput:
        """The finding as entered."""
        rectify = self.rectify.isChecked()
        return FindingInput(
            text=self.text.text(),
            rectify=rectify,
            responsible_unit_id=self.unit.currentData() if rectify else None,
            deadline=self.deadline.value() if rectify else None,
        )


class InspectionDialog(FormDialog):
    """新建督查: date, inspectors, the unit inspected and the findings, each of which may raise
    a rectification item. ``values()`` gives inspection_date, inspectors, inspected_unit_id and
    findings (FindingInput list; blank rows are left out)."""

    def __init__(self, save: Callable[[dict], None], units: Sequence[tuple[str, int]],
                 inspected_on: date, work_range: DateRange, deadlines: DateRange,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(self.tr("新建督查"), save, parent)
        self.setMinimumWidth(900)
        self.resize(960, 560)
        self.units = list(units)
        self.deadlines = deadlines
        self.inspection_date = DateField(work_range, inspected_on, label=self.tr("督查日期"))
        self.inspectors = QLineEdit()
        self.inspectors.setPlaceholderText(self.tr("例如：县矫正办 张三、李四"))
        self.inspected_unit = combo_box([(self.tr("（请选择）"), None), *self.units])
        self.add_field("inspection_date", self.tr("督查日期"), self.inspection_date)
        self.add_field("inspectors", self.tr("督查人员"), self.inspectors)
        self.add_field("inspected_unit", self.tr("被督查单位"), self.inspected_unit)

        self.rows: list[FindingRow] = []
        self._sent: list[FindingRow] = []  # the rows given to the service, in order
        self._revealed = False  # a finding's problem was scrolled into view
        self.rows_box = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_box)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.addStretch(1)
        scroll = scroll_area(self.rows_box)
        scroll.setMinimumHeight(200)
        self.add_row_button = QPushButton(self.tr("添加一条问题"))
        findings = QWidget()
        box = QVBoxLayout(findings)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_row_button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        self.add_field("findings", self.tr("发现问题"), findings,
                       self.tr("每条问题一行；勾选“需要整改”即建立整改事项，指定责任单位和整改期限"
                               "（不能早于督查日期）。未发现问题可不填。"))  # fmt: skip
        self.add_row_button.clicked.connect(lambda: self.add_row())
        self.inspected_unit.currentIndexChanged.connect(self._inspected_changed)
        self.inspection_date.valueChanged.connect(self._date_changed)
        self.add_row()

    def _due(self) -> date:
        inspected_on = self.inspection_date.value() or self.inspection_date.date_range().earliest
        return default_deadline(inspected_on, self.deadlines)

    def add_row(self) -> FindingRow:
        """Add an empty finding row (responsible: the unit inspected; due in 30 days)."""
        row = FindingRow(len(self.rows) + 1, self.units, self.inspected_unit.currentData(),
                         self._due(), self.deadlines)  # fmt: skip
        self.rows.append(row)
        self.rows_layout.insertWidget(self.rows_layout.count() - 1, row)
        row.remove_button.clicked.connect(lambda: self.remove_row(row))
        if self.isVisible():
            row.show()  # now, not when the event loop gets to it: it can be scrolled to
            reveal(row, focus=False)
        row.text.setFocus()
        return row

    def remove_row(self, row: FindingRow) -> None:
        """Remove a finding row and renumber the others."""
        self.rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        for number, other in enumerate(self.rows, start=1):
            other.number.setText(f"{number}.")

    @Slot(int)
    def _inspected_changed(self, _index: int) -> None:
        unit_id = self.inspected_unit.currentData()
        for row in self.rows:
            if not row.unit_touched and unit_id is not None:
                row.unit.setCurrentIndex(max(row.unit.findData(unit_id), 0))

    @Slot(object)
    def _date_changed(self, value: date | None) -> None:
        if value is None:
            return
        for row in self.rows:
            if not row.rectify.isChecked():
                row.deadline.setValue(self._due())

    def values(self) -> dict:
        self._sent = [row for row in self.rows if not row.blank()]
        return {
            "inspection_date": self.inspection_date.value(),
            "inspectors": self.inspectors.text(),
            "inspected_unit_id": self.inspected_unit.currentData(),
            "findings": [row.value() for row in self._sent],
        }

    def clear_errors(self) -> None:
        super().clear_errors()
        self._revealed = False
        for row in getattr(self, "rows", []):
            row.error.clear()
            row.error.hide()

    def show_extra_error(self, field: str, message: str) -> bool:
        """A finding's error (``finding_N``) goes under its row, scrolled into view."""
        if not field.startswith("finding_"):
            return False
        number = int(field.removeprefix("finding_"))
        if not 0 < number <= len(self._sent):
            return False
        row = self._sent[number - 1]
        row.error.setText(message.split("：", 1)[-1])
        row.error.show()
        if not self._revealed:  # the first finding with a problem is brought into view
            reveal(row.text)
            self._revealed = True
        return True


class InspectionEditDialog(FormDialog):
    """修改督查: the inspecting office corrects an inspection's date, inspectors, the unit
    inspected and the findings' text (its rectification items are corrected one by one).
    ``values()`` gives the InspectionEdit fields."""

    def __init__(self, save: Callable[[dict], None], inspection: InspectionRow,
                 units: Sequence[tuple[str, int]], work_range: DateRange,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(self.tr("修改督查 — %1").replace("%1", inspection.inspected_unit), save,
                         parent)  # fmt: skip
        self.setMinimumWidth(640)
        self.inspection_date = DateField(work_range, inspection.inspection_date,
                                         label=self.tr("督查日期"))  # fmt: skip
        self.inspectors = QLineEdit(inspection.inspectors)
        self.inspected_unit = combo_box(list(units), inspection.inspected_unit_id)
        self.findings = QPlainTextEdit(inspection.findings)
        self.findings.setMinimumHeight(140)
        self.findings.setTabChangesFocus(True)
        self.add_field("inspection_date", self.tr("督查日期"), self.inspection_date,
                       self.tr("不能晚于整改事项的整改期限和已报告的整改进展。"))  # fmt: skip
        self.add_field("inspectors", self.tr("督查人员"), self.inspectors)
        self.add_field("inspected_unit", self.tr("被督查单位"), self.inspected_unit)
        self.add_field("findings", self.tr("发现问题"), self.findings,
                       self.tr("整改事项的内容、责任单位和期限在下方列表中逐项修改。"))  # fmt: skip

    def values(self) -> dict:
        return {
            "inspection_date": self.inspection_date.value(),
            "inspectors": self.inspectors.text(),
            "inspected_unit_id": self.inspected_unit.currentData(),
            "findings": self.findings.toPlainText(),
        }


class ItemDialog(FormDialog):
    """添加整改事项 (or 修改整改事项 for ``item``): the problem, the responsible unit and the
    deadline."""

    def __init__(self, save: Callable[[dict], None], title: str,
                 units: Sequence[tuple[str, int]], unit_id: int | None, deadline: date,
                 deadlines: DateRange, parent: QWidget | None = None,
                 item: ItemRow | None = None) -> None:  # fmt: skip
        heading = self.tr("修改整改事项 — %1") if item else self.tr("添加整改事项 — %1")
        super().__init__(heading.replace("%1", title), save, parent)
        self.finding = QPlainTextEdit(item.finding if item else "")
        self.finding.setPlaceholderText(self.tr("需要整改的问题"))
        self.finding.setMinimumHeight(90)
        self.finding.setTabChangesFocus(True)
        self.responsible_unit = combo_box(units, item.responsible_unit_id if item else unit_id)
        self.deadline = DateField(deadlines, item.deadline if item else deadline,
                                  label=self.tr("整改期限"))  # fmt: skip
        self.add_field("finding", self.tr("问题"), self.finding)
        self.add_field("responsible_unit", self.tr("责任单位"), self.responsible_unit)
        self.add_field("deadline", self.tr("整改期限"), self.deadline,
                       self.tr("期限当天仍不算逾期；过了期限仍未报告“已整改”即为逾期。"))  # fmt: skip

    def values(self) -> dict:
        return {
            "finding": self.finding.toPlainText(),
            "responsible_unit_id": self.responsible_unit.currentData(),
            "deadline": self.deadline.value(),
        }


def _item_summary(dialog: QWidget, item: ItemRow) -> QLabel:
    """The item a dialog is about: the problem, the unit, the deadline and the status."""
    label = QLabel(f"<b>{escape(item.finding)}</b><br><span style='color:#555'>"
                   f"{escape(item.responsible_unit)}　·　{dialog.tr('整改期限')} "
                   f"{item.deadline:%Y-%m-%d}　·　{item.status_label}</span>")  # fmt: skip
    label.setWordWrap(True)
    return label


class ProgressDialog(FormDialog):
    """报告整改进展: 整改中, or 已整改 with what was done and the evidence, and the date."""

    def __init__(self, save: Callable[[dict], None], item: ItemRow, reported_on: date,
                 dates: DateRange, on_behalf: bool = False,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(self.tr("报告整改进展 — %1").replace("%1", item.responsible_unit), save,
                         parent)  # fmt: skip
        self.form.addRow(_item_summary(self, item))
        if on_behalf:
            self.form.addRow(_hint(self.tr("本机是督查单位：此报告代%1登记，记在%1名下。")
                                   .replace("%1", item.responsible_unit)))  # fmt: skip
        if item.sent_back:
            back = QLabel(self.tr("退回理由：%1").replace("%1", item.latest_text))
            back.setWordWrap(True)
            back.setStyleSheet("background: #fff6e0; border: 1px solid #e8c77a; padding: 6px;")
            self.form.addRow(back)
        self.in_progress = QRadioButton(self.tr("整改中（已着手整改）"))
        self.rectified = QRadioButton(self.tr("已整改（整改完成，请督查单位销号）"))
        self.group = QButtonGroup(self)
        self.group.addButton(self.in_progress)
        self.group.addButton(self.rectified)
        self.rectified.setChecked(True)
        choice = QWidget()
        choice_layout = QVBoxLayout(choice)
        choice_layout.setContentsMargins(0, 0, 0, 0)
        choice_layout.addWidget(self.in_progress)
        choice_layout.addWidget(self.rectified)
        self.reported_on = DateField(dates, reported_on, label=self.tr("报告日期"))
        self.evidence = QPlainTextEdit()
        self.evidence.setMinimumHeight(110)
        self.evidence.setTabChangesFocus(True)
        self.evidence.setPlaceholderText(
            self.tr(
                "例如：已补齐 7 月份台账照片 12 张，并在台账中注明时间地点（见台账 2018-07-20）。"
            )
        )
        self.add_field("status", self.tr("进展"), choice)
        self.add_field("reported_on", self.tr("报告日期"), self.reported_on)
        self.add_field("evidence", self.tr("整改情况及佐证"), self.evidence,
                       self.tr("报告“已整改”时必填：写明采取的措施、完成情况和佐证材料。"))  # fmt: skip
        self.ok_button.setText(self.tr("报告"))

    def values(self) -> dict:
        status = (RectificationStatus.RECTIFIED if self.rectified.isChecked()
                  else RectificationStatus.IN_PROGRESS)  # fmt: skip
        return {"status": status, "reported_on": self.reported_on.value(),
                "evidence": self.evidence.toPlainText()}  # fmt: skip


class SendBackDialog(FormDialog):
    """退回整改: the inspecting office refuses to close the item, with its reason."""

    def __init__(self, save: Callable[[dict], None], item: ItemRow, sent_on: date,
                 dates: DateRange, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(
            self.tr("退回整改 — %1").replace("%1", item.responsible_unit), save, parent
        )
        self.form.addRow(_item_summary(self, item))
        reported = QLabel(self.tr("报告的整改情况：%1").replace("%1", item.latest_text))
        reported.setWordWrap(True)
        self.form.addRow(reported)
        self.reason = QPlainTextEdit()
        self.reason.setMinimumHeight(100)
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText(self.tr("例如：照片仍缺少时间地点说明，请补充后再报。"))
        self.reported_on = DateField(dates, sent_on, label=self.tr("退回日期"))
        self.add_field("reason", self.tr("退回理由"), self.reason,
                       self.tr("退回后事项回到“整改中”，理由随数据包发给责任单位。"))  # fmt: skip
        self.add_field("reported_on", self.tr("退回日期"), self.reported_on)
        self.ok_button.setText(self.tr("退回整改"))

    def values(self) -> dict:
        return {"reason": self.reason.toPlainText(), "reported_on": self.reported_on.value()}


class CloseDialog(FormDialog):
    """销号: the inspecting office accepts the reported rectification, on the date it picks."""

    def __init__(self, save: Callable[[dict], None], item: ItemRow, closed_on: date,
                 dates: DateRange, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(self.tr("销号 — %1").replace("%1", item.responsible_unit), save, parent)
        self.form.addRow(_item_summary(self, item))
        reported = QLabel(
            self.tr("报告的整改情况（%1）：%2")
            .replace("%1", f"{item.reported_on:%Y-%m-%d}" if item.reported_on else "")
            .replace("%2", item.latest_text)
        )
        reported.setWordWrap(True)
        self.form.addRow(reported)
        self.form.addRow(_hint(self.tr("确认整改已完成后销号。销号后事项不能再修改或删除。")))
        self.closed_on = DateField(dates, closed_on, label=self.tr("销号日期"))
        self.add_field("closed_on", self.tr("销号日期"), self.closed_on,
                       self.tr("不能早于责任单位报告“已整改”的日期。"))  # fmt: skip
        self.ok_button.setText(self.tr("销号"))

    def values(self) -> dict:
        return {"closed_on": self.closed_on.value()}
