"""加减分: the county's manual addition or deduction for a department, with its reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QDoubleSpinBox, QLineEdit, QWidget

from app.services.assessment import MAX_ADJUSTMENT_POINTS
from app.services.dates import DateRange
from app.ui.dialogs.form_dialog import FormDialog, combo_box
from app.ui.widgets.dates import DateField

MAX_REASON = 200


class AdjustmentDialog(FormDialog[dict]):
    """Department, points (positive adds, negative deducts, not 0), date within the
    programme's period, and the reason (required). ``save`` receives ``{"unit_id", "points",
    "on", "reason"}``; a refusal is shown beside its field."""

    def __init__(self, save: Callable[[dict], None], units: list[tuple[str, int]],
                 dates: DateRange, on: date, unit_id: int | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(self.tr("加减分"), save, parent)
        self.unit = combo_box(units, unit_id)
        self.points = QDoubleSpinBox()
        self.points.setRange(-MAX_ADJUSTMENT_POINTS, MAX_ADJUSTMENT_POINTS)
        self.points.setDecimals(1)
        self.points.setSingleStep(0.5)
        self.points.setSuffix(self.tr(" 分"))
        self.on = DateField(dates, dates.clamp(on), label=self.tr("加减分日期"))
        self.reason = QLineEdit()
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setPlaceholderText(self.tr("如：8月例会材料迟报"))
        self.add_field("unit", self.tr("科室"), self.unit)
        self.add_field("points", self.tr("分值"), self.points,
                       self.tr("正数为加分，负数为扣分。"))  # fmt: skip
        self.add_field("on", self.tr("日期"), self.on)
        self.add_field("reason", self.tr("理由"), self.reason,
                       self.tr("必填。登记后不能修改，只能撤销（另记一条反向记录）。"))  # fmt: skip

    def values(self) -> dict:
        return {"unit_id": self.unit.currentData(), "points": self.points.value(),
                "on": self.on.value(), "reason": self.reason.text()}  # fmt: skip
