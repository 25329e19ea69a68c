"""加减分 (the county's manual addition or deduction for a department, with its reason), 评分
(the county's score of a department on a judgement item) and the choice of department for the
评分表."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QWidget,
)

from app.services.assessment import MAX_JUDGEMENT_REASON
from app.services.dates import DateRange
from app.ui.dialogs.form_dialog import FormDialog, combo_box
from app.ui.dialogs.unit_choice import UnitChoiceDialog
from app.ui.widgets.dates import DateField
from app.ui.widgets.number import NumberField

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
        self.points = NumberField()  # past ±100 is refused beside the field on 保存
        self.points.setPlaceholderText(self.tr("如 2 或 -1.5"))
        self.on = DateField(dates, dates.clamp(on), label=self.tr("加减分日期"))
        self.reason = QLineEdit()
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setPlaceholderText(self.tr("如：8月例会材料迟报"))
        self.add_field("unit", self.tr("科室"), self.unit)
        self.add_field("points", self.tr("分值（分）"), self.points,
                       self.tr("正数为加分，负数为扣分。"))  # fmt: skip
        self.add_field("on", self.tr("日期"), self.on)
        self.add_field("reason", self.tr("理由"), self.reason,
                       self.tr("必填。登记后不能修改，只能撤销（另记一条反向记录）。"))  # fmt: skip

    def values(self) -> dict:
        return {"unit_id": self.unit.currentData(), "points": self.points.value(),
                "on": self.on.value(), "reason": self.reason.text()}  # fmt: skip


class JudgementDialog(FormDialog[dict]):
    """评分: department, a judgement item of the scheme (``items``: (label, key, maximum)), the
    score (0 to the item's maximum), the date and the reason (required). ``save`` receives
    ``{"unit_id", "item_key", "score", "on", "reason"}``; a refusal is shown beside its field.
    A new score never replaces the record of an earlier one: it supersedes it."""

    def __init__(self, save: Callable[[dict], None], units: list[tuple[str, int]],
                 items: list[tuple[str, str, float]], dates: DateRange, on: date,
                 unit_id: int | None = None, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(self.tr("评分"), save, parent)
        self.unit = combo_box(units, unit_id)
        self.item = QComboBox()
        self.maxima = {key: maximum for _label, key, maximum in items}
        for label, key, _maximum in items:
            self.item.addItem(label, key)
        self.score = NumberField()  # above the item's maximum is refused beside the field on 保存
        self.item.currentIndexChanged.connect(lambda _index: self._item_changed())
        self.on = DateField(dates, dates.clamp(on), label=self.tr("评分日期"))
        self.reason = QLineEdit()
        self.reason.setMaxLength(MAX_JUDGEMENT_REASON)
        self.reason.setPlaceholderText(self.tr("如：责任状、结对、台账等工作落实到位"))
        self.add_field("unit", self.tr("科室"), self.unit)
        self.add_field("item", self.tr("考核内容"), self.item)
        self.add_field("score", self.tr("得分（分）"), self.score)
        self.add_field("on", self.tr("日期"), self.on)
        self.add_field("reason", self.tr("理由"), self.reason,
                       self.tr("必填。再次评分另记一条，取代之前的评分（原记录保留）。"))  # fmt: skip
        self._item_changed()

    def _item_changed(self) -> None:
        maximum = float(self.maxima.get(self.item.currentData(), 0.0))
        self.score.setToolTip(self.tr("0 到 %1 分").replace("%1", f"{maximum:g}"))
        self.score.setPlaceholderText(self.tr("0 到 %1").replace("%1", f"{maximum:g}"))

    def values(self) -> dict:
        return {"unit_id": self.unit.currentData(), "item_key": self.item.currentData() or "",
                "score": self.score.value(), "on": self.on.value(),
                "reason": self.reason.text()}  # fmt: skip


class ScoreSheetUnitDialog(UnitChoiceDialog):
    """打印评分表: one department (the selected one by default), or every department (a page
    each, in rank order)."""

    def __init__(self, units: list[str], chosen: str | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(
            self.tr("打印评分表"), self.tr("科室："), self.tr("全部科室（%1 个，每科室一页）"),
            self.tr("按考核截至日期列出各类考核内容、评分标准、分值和得分。下一步选择保存位置。"),
            units, chosen, parent,
        )  # fmt: skip
