"""The meeting editor: type (月度例会, 动员部署会…), date, chair, place, attendees, a row of
report boxes per unit, decisions.

It fits a 1366×768 screen: everything but the error line and the buttons scrolls inside, so
保存 and 取消 are always in reach; Esc, 取消 or closing ask before discarding changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.dates import DateRange
from app.services.errors import UserError
from app.services.meetings import (
    DEFAULT_TYPES,
    MAX_CHAIR,
    MAX_LOCATION,
    DecisionInput,
    MeetingInput,
    MeetingTypes,
    ReportInput,
    UnitChoice,
)
from app.ui.dialogs.form_dialog import ERROR_STYLE
from app.ui.dialogs.guarded import GuardedDialog
from app.ui.messages import error_messages
from app.ui.widgets.dates import DateField, check_dates
from app.ui.widgets.scrolling import reveal, scroll_area

HINT_STYLE = "color: #666;"
REPORT_HEIGHT = 58
DEFAULT_DUE_DAYS = 30  # a new decision is due this long after the meeting
FIELD_ORDER = (
    "meeting_type",
    "meeting_date",
    "chair",
    "location",
    "attendees",
    "notes",
    "reports",
    "decisions",
)


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def _text_box(text: str, placeholder: str, editable: bool) -> QPlainTextEdit:
    edit = QPlainTextEdit(text)
    edit.setPlaceholderText(placeholder if editable else "")
    edit.setReadOnly(not editable)
    edit.setFixedHeight(REPORT_HEIGHT)
    edit.setTabChangesFocus(True)
    return edit


class ReportRow:
    """One unit's two boxes: progress and problems."""

    def __init__(self, unit: UnitChoice, report: ReportInput | None, editable: bool,
                 placeholders: tuple[str, str]) -> None:  # fmt: skip
        self.unit = unit
        self.name = QLabel(unit.name)
        self.name.setWordWrap(True)
        self.progress = _text_box(report.progress if report else "", placeholders[0], editable)
        self.problems = _text_box(report.problems if report else "", placeholders[1], editable)

    def value(self) -> ReportInput:
        """The unit's report as typed."""
        return ReportInput(
            unit_id=self.unit.id,
            progress=self.progress.toPlainText(),
            problems=self.problems.toPlainText(),
        )


class DecisionRowWidget(QWidget):
    """A decision: text, responsible unit, an optional due date (时限), done, and 删除.

    Signals: none; the dialog reads :meth:`value` and connects ``remove_button``.
    """

    def __init__(self, units: list[UnitChoice], decision: DecisionInput | None,
                 default_due: date, deadlines: DateRange, editable: bool,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.decision_id = decision.id if decision else None
        self.number = QLabel()
        self.number.setFixedWidth(24)
        self.text = QLineEdit(decision.text if decision else "")
        self.text.setPlaceholderText(self.tr("议定事项内容"))
        self.unit = QComboBox()
        self.unit.addItem(self.tr("（不指定）"), None)
        for unit in units:
            self.unit.addItem(unit.name, unit.id)
        self.unit.setCurrentIndex(max(self.unit.findData(decision.responsible_unit_id), 0)
                                  if decision and decision.responsible_unit_id else 0)  # fmt: skip
        self.has_due = QCheckBox(self.tr("时限"))
        self.has_due.setToolTip(self.tr("不勾选即不设完成时限"))
        due = decision.due_date if decision and decision.due_date else None
        # a stored date outside the range is shown as it is (and explained), never moved
        self.due = DateField(deadlines, due or deadlines.clamp(default_due),
                             label=self.tr("完成时限"))  # fmt: skip
        self.has_due.setChecked(bool(decision and decision.due_date) or decision is None)
        self.due.setEnabled(self.has_due.isChecked())
        self.has_due.toggled.connect(self.due.setEnabled)
        self.done = QCheckBox(self.tr("已完成"))
        self.done.setChecked(bool(decision and decision.done))
        self.remove_button = QPushButton(self.tr("删除"))
        if not editable:
            self.text.setReadOnly(True)
            for widget in (self.unit, self.has_due, self.due, self.done):
                widget.setEnabled(False)
            self.remove_button.hide()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.number, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.text, 1, Qt.AlignmentFlag.AlignTop)
        row.addWidget(QLabel(self.tr("责任单位")), 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.unit, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.has_due, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.due, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.done, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)

    def is_blank(self) -> bool:
        """Nothing typed and no unit chosen: an unused row, left out when saving."""
        return not self.text.text().strip() and self.unit.currentData() is None

    def value(self) -> DecisionInput:
        """The decision as entered."""
        return DecisionInput(
            text=self.text.text(),
            responsible_unit_id=self.unit.currentData(),
            due_date=self.due.value() if self.has_due.isChecked() else None,
            done=self.done.isChecked(),
            id=self.decision_id,
        )


class MeetingDialog(GuardedDialog):
    """Record (or view) a meeting. 保存 hands ``save(MeetingInput)`` the values; the UserError
    it raises is shown under each part named (type, date, chair, …, reports, decisions), the
    first scrolled into view, and the dialog stays open, so nothing typed is lost.

    ``work_range`` bounds the meeting date, ``deadline_range`` the decisions' due dates;
    ``types`` are the kinds of meeting offered (the template's), ``types.monthly`` the one
    that counts as the month's 例会.
    """

    def __init__(self, data: MeetingInput, reporting: list[UnitChoice],
                 responsible: list[UnitChoice], save: Callable[[MeetingInput], None],
                 editable: bool = True, note: str = "", parent: QWidget | None = None, *,
                 work_range: DateRange, deadline_range: DateRange,
                 types: MeetingTypes = DEFAULT_TYPES) -> None:  # fmt: skip
        super().__init__(parent)
        self._types = types
        self._save = save
        self._data = data
        self._responsible = responsible
        self._deadlines = deadline_range
        self.editable = editable
        title = self.tr("会议记录") if editable else self.tr("会议记录（只读）")
        self.setWindowTitle(title)
        self.resize(1120, 680)
        self._errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}
        self.general_error = _error_label()
        self.note = QLabel(note)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("background: #fff6e0; border: 1px solid #e8c77a; padding: 6px;")
        self.note.setVisible(bool(note))

        self.meeting_type = QComboBox()
        for name in types.names:
            self.meeting_type.addItem(name, name)
        if self.meeting_type.findData(data.meeting_type) < 0:  # a type the template dropped
            self.meeting_type.addItem(data.meeting_type, data.meeting_type)
        self.meeting_type.setCurrentIndex(self.meeting_type.findData(data.meeting_type))
        self.meeting_type.setEnabled(editable)
        self.type_hint = QLabel()
        self.type_hint.setStyleSheet(HINT_STYLE)
        self.meeting_type.currentIndexChanged.connect(self._type_changed)
        self._type_changed()
        self.meeting_date = DateField(work_range, data.meeting_date, label=self.tr("会议日期"))
        self.chair = QLineEdit(data.chair)
        self.chair.setMaxLength(MAX_CHAIR)
        self.chair.setPlaceholderText(self.tr("例如：局党组成员、副局长 张某某"))
        self.location = QLineEdit(data.location)
        self.location.setMaxLength(MAX_LOCATION)
        self.location.setPlaceholderText(self.tr("例如：局三楼会议室"))
        self.attendees = QPlainTextEdit(data.attendees)
        self.attendees.setPlaceholderText(self.tr("例如：局领导，各科室、中心负责人"))
        self.attendees.setFixedHeight(52)
        self.attendees.setTabChangesFocus(True)
        self.notes = QPlainTextEdit(data.notes)
        self.notes.setPlaceholderText(self.tr("会议的其他内容（写入纪要“其他事项”，可不填）"))
        self.notes.setFixedHeight(52)
        self.notes.setTabChangesFocus(True)
        for widget in (self.chair, self.location, self.attendees, self.notes):
            widget.setReadOnly(not editable)
        self.meeting_date.setEnabled(editable)
        self.meeting_date.setMaximumWidth(260)
        top = QWidget()
        columns = QHBoxLayout(top)
        columns.setContentsMargins(0, 0, 0, 0)
        left = QFormLayout()
        kind = QWidget()
        kind_row = QHBoxLayout(kind)
        kind_row.setContentsMargins(0, 0, 0, 0)
        kind_row.addWidget(self.meeting_type)
        kind_row.addWidget(self.type_hint, 1)
        self._add(left, "meeting_type", self.tr("会议类型"), kind)
        self._fields["meeting_type"] = self.meeting_type
        self._add(left, "meeting_date", self.tr("会议日期"), self.meeting_date)
        self._add(left, "chair", self.tr("主持人"), self.chair)
        self._add(left, "location", self.tr("会议地点"), self.location)
        right = QFormLayout()
        self._add(right, "attendees", self.tr("参会人员"), self.attendees)
        self._add(right, "notes", self.tr("其他事项"), self.notes)
        columns.addLayout(left, 2)
        columns.addSpacing(16)
        columns.addLayout(right, 3)

        # reports: one row per unit
        given = {r.unit_id: r for r in data.reports}
        monthly = self.meeting_type.currentData() == self._types.monthly
        prompt = self.tr("本月工作进展") if monthly else self.tr("汇报或发言要点")
        placeholders = (prompt, self.tr("存在问题（没有可不填）"))
        self.report_rows = [
            ReportRow(u, given.get(u.id), editable, placeholders) for u in reporting
        ]
        self.reports_box = QGroupBox()
        reports_layout = QVBoxLayout(self.reports_box)
        hint = QLabel(self.tr("每个科室一行；未汇报的科室留空即可。"))
        hint.setStyleSheet(HINT_STYLE)
        hint.setVisible(editable)
        reports_layout.addWidget(hint)
        self._errors["reports"] = _error_label()
        reports_layout.addWidget(self._errors["reports"])
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        for column, text in enumerate((self.tr("科室"), self.tr("工作进展"), self.tr("存在问题"))):
            grid.addWidget(QLabel(f"<b>{text}</b>"), 0, column)
        for number, row in enumerate(self.report_rows, start=1):
            grid.addWidget(row.name, number, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(row.progress, number, 1)
            grid.addWidget(row.problems, number, 2)
            row.progress.textChanged.connect(self._count_reports)
            row.problems.textChanged.connect(self._count_reports)
        grid.setColumnMinimumWidth(0, 130)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)
        reports_layout.addLayout(grid)
        self._count_reports()

        # decisions
        self.decision_rows: list[DecisionRowWidget] = []
        self._decisions_layout = QVBoxLayout()
        self._decisions_layout.setContentsMargins(0, 0, 0, 0)
        self.add_decision_button = QPushButton(self.tr("添加议定事项"))
        self.add_decision_button.setVisible(editable)
        self.add_decision_button.clicked.connect(lambda: self.add_decision())
        self.no_decisions = QLabel(self.tr("本次例会无议定事项。"))
        self.no_decisions.setStyleSheet(HINT_STYLE)
        self.decisions_box = QGroupBox(self.tr("议定事项（责任单位、完成时限）"))
        decisions_layout = QVBoxLayout(self.decisions_box)
        self._errors["decisions"] = _error_label()
        decisions_layout.addWidget(self._errors["decisions"])
        decisions_layout.addWidget(self.no_decisions)
        decisions_layout.addLayout(self._decisions_layout)
        decisions_layout.addWidget(self.add_decision_button, 0, Qt.AlignmentFlag.AlignLeft)
        for decision in data.decisions:
            self.add_decision(decision)
        if editable and not data.decisions:
            self.add_decision()
        self._renumber()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button.setText(self.tr("保存"))
        self.ok_button.setVisible(editable)
        if not editable:
            self.cancel_button.setText(self.tr("关闭"))
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)

        content = QWidget()
        body = QVBoxLayout(content)
        body.setContentsMargins(0, 0, 8, 0)
        body.addWidget(top)
        body.addWidget(self.reports_box)
        body.addWidget(self.decisions_box)
        body.addStretch(1)
        self.form_scroll = scroll_area(content)
        layout = QVBoxLayout(self)
        layout.addWidget(self.general_error)
        layout.addWidget(self.note)
        layout.addWidget(self.form_scroll, 1)
        layout.addWidget(self.buttons)

    def _add(self, form: QFormLayout, name: str, label: str, widget: QWidget) -> None:
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(2)
        inner.addWidget(widget)
        self._errors[name] = _error_label()
        self._fields[name] = widget
        inner.addWidget(self._errors[name])
        form.addRow(label, box)

    @Slot()
    def _type_changed(self) -> None:
        monthly = self.meeting_type.currentData() == self._types.monthly
        self.type_hint.setText(self.tr("计入当月例会") if monthly else self.tr("不计入当月例会"))
        self.type_hint.setToolTip(
            "" if monthly else self.tr("其他类型的会议照常登记、生成纪要，但不算作当月的例会。")
        )
        prompt = self.tr("本月工作进展") if monthly else self.tr("汇报或发言要点")
        for row in getattr(self, "report_rows", []):
            if not row.progress.isReadOnly():
                row.progress.setPlaceholderText(prompt)

    @Slot()
    def _count_reports(self) -> None:
        filled = sum(not row.value().is_blank() for row in self.report_rows)
        self.reports_box.setTitle(
            self.tr("各科室汇报（已填 %1 / %2 个科室）")
            .replace("%1", str(filled)).replace("%2", str(len(self.report_rows)))
        )  # fmt: skip

    # ------------------------------------------------------------ decisions

    def add_decision(self, decision: DecisionInput | None = None) -> DecisionRowWidget:
        """Append a decision row (empty, due a month after the meeting by default)."""
        when = self.meeting_date.value() or self._data.meeting_date
        default_due = when + timedelta(days=DEFAULT_DUE_DAYS)
        row = DecisionRowWidget(self._responsible, decision, default_due, self._deadlines,
                                self.editable)  # fmt: skip
        row.remove_button.clicked.connect(lambda: self.remove_decision(row))
        self.decision_rows.append(row)
        self._decisions_layout.addWidget(row)
        self._renumber()
        if decision is None:
            if self.isVisible():
                row.show()  # now, not when the event loop gets to it: it can be scrolled to
                reveal(row, focus=False)
            row.text.setFocus()
        return row

    def remove_decision(self, row: DecisionRowWidget) -> None:
        """Take a decision row out (deleted when saved)."""
        self.decision_rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        self._renumber()

    def _renumber(self) -> None:
        for number, row in enumerate(self.decision_rows, start=1):
            row.number.setText(f"{number}.")
        self.no_decisions.setVisible(not self.decision_rows)

    # ------------------------------------------------------------ saving

    def values(self) -> MeetingInput:
        """What the dialog holds (blank decision rows left out)."""
        return MeetingInput(
            programme_id=self._data.programme_id,
            meeting_type=self.meeting_type.currentData(),
            meeting_date=self.meeting_date.value() or self._data.meeting_date,
            chair=self.chair.text(),
            attendees=self.attendees.toPlainText(),
            location=self.location.text(),
            notes=self.notes.toPlainText(),
            reports=[row.value() for row in self.report_rows],
            decisions=[row.value() for row in self.decision_rows if not row.is_blank()],
            expected_revision=self._data.expected_revision,  # as opened: 已被他人修改
        )

    def error_text(self, name: str | None = None) -> str:
        """The error shown for a part (or the general one), empty when none."""
        label = self._errors.get(name) if name else self.general_error
        return label.text() if label is not None and not label.isHidden() else ""

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its part, the first part scrolled into view; others (and a
        count) at the top."""
        for label in (*self._errors.values(), self.general_error):
            label.clear()
            label.hide()
        general: list[str] = []
        for name, message in errors.items():
            shown = self._errors.get(name)
            if shown is None:
                general.append(message)
            else:
                shown.setText(message)
                shown.show()
        placed = len(errors) - len(general)
        if placed:
            general.insert(0, self.tr("有 %1 处需要修改，见下方红字。").replace("%1", str(placed)))
        self.general_error.setText("\n".join(general))
        self.general_error.setVisible(bool(general))
        first = next((name for name in FIELD_ORDER if name in errors), None)
        if first is not None:
            field = self._fields.get(first)
            if field is not None:
                reveal(field)
            else:
                reveal(self._errors[first], focus=False)

    @Slot()
    def _try_accept(self) -> None:
        if not check_dates(self):
            return
        try:
            self._save(self.values())
        except UserError as exc:
            self.show_errors(error_messages(exc))
            return
        self.accept()
