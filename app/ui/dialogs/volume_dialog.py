"""打印台账卷…: which unit's ledger, which period and which 卷号, before the save dialog."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from app.services.dates import DateRange
from app.ui.widgets.dates import DateField


class VolumeDialog(QDialog):
    """The unit (``chosen`` by default), the period (``start``–``end`` by default, within
    ``dates``) and the 卷号; 下一步… goes on to the save dialog. A wrong or reversed period
    keeps the dialog open with the problem beside the field."""

    def __init__(self, units: list[tuple[str, int]], chosen: int | None, dates: DateRange,
                 start: date, end: date, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle(self.tr("打印台账卷"))
        form = QFormLayout(self)
        self.unit = QComboBox()
        for name, unit_id in units:
            self.unit.addItem(name, unit_id)
        if chosen is not None and self.unit.findData(chosen) >= 0:
            self.unit.setCurrentIndex(self.unit.findData(chosen))
        form.addRow(self.tr("单位"), self.unit)
        self.date_from = DateField(dates, start, label=self.tr("起始日期"))
        self.date_to = DateField(dates, end, label=self.tr("截止日期"))
        form.addRow(self.tr("起始日期"), self.date_from)
        form.addRow(self.tr("截止日期"), self.date_to)
        self.volume = QSpinBox()
        self.volume.setRange(1, 9999)
        self.volume.setPrefix(self.tr("第 "))
        self.volume.setSuffix(self.tr(" 卷"))
        form.addRow(self.tr("卷号"), self.volume)
        note = QLabel(
            self.tr(
                "台账卷含封面、卷内目录和每件台账（附照片），供检查时翻阅；社区矫正对象的姓名和"
                "身份证号码脱敏。每件台账第一次装订时给定档号（年度-保管期限-机构代码-件号），"
                "以后重印不变。"
            )
        )
        note.setObjectName("hint")
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("下一步…"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(lambda: self._next())
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(460)

    def _next(self) -> None:
        for field in (self.date_from, self.date_to):
            problem = field.problem()
            if problem is not None:
                field.show_problem(problem)
                return
        start, end = self.date_from.value(), self.date_to.value()
        if start is not None and end is not None and start > end:
            self.date_to.show_problem(self.tr("截止日期早于起始日期，请改正。"))
            return
        self.accept()

    def choice(self) -> tuple[int, date, date, int]:
        """(unit id, first day, last day, 卷号)."""
        start, end = self.date_from.value(), self.date_to.value()
        assert start is not None and end is not None  # checked by 下一步
        return self.unit.currentData(), start, end, self.volume.value()
