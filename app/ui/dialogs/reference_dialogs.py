"""Dialogs that edit reference data: units, pairings, duties, indicators."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QWidget

from app.models import IndicatorMeasure, UnitKind
from app.services.reference import (
    MEASURE_LABELS,
    MEASURE_UNITS,
    UNIT_KIND_LABELS,
    IndicatorRow,
    KindRow,
    UnitRow,
)
from app.ui.dialogs.form_dialog import FormDialog, combo_box
from app.ui.table_model import format_number


class UnitDialog(FormDialog):
    """Add or edit a unit."""

    def __init__(
        self,
        save: Callable[[dict], None],
        units: Sequence[UnitRow],
        unit: UnitRow | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("编辑单位") if unit else self.tr("新增单位"), save, parent)
        self.name = QLineEdit(unit.name if unit else "")
        self.kind = combo_box(
            [(label, kind) for kind, label in UNIT_KIND_LABELS.items()],
            unit.kind if unit else UnitKind.DEPARTMENT,
        )
        parents = [(self.tr("（无）"), None)] + [
            (u.name, u.id) for u in units if unit is None or u.id != unit.id
        ]
        current_parent = next((u.id for u in units if unit and u.name == unit.parent_name), None)
        self.parent_unit = combo_box(parents, current_parent)
        self.responsible = QLineEdit(unit.responsible_person if unit else "")
        self.phone = QLineEdit(unit.phone if unit else "")
        self.add_field("name", self.tr("单位名称"), self.name)
        self.add_field("kind", self.tr("类别"), self.kind)
        self.add_field("parent", self.tr("上报单位"), self.parent_unit)
        self.add_field("responsible_person", self.tr("负责人"), self.responsible)
        self.add_field("phone", self.tr("联系电话"), self.phone)

    def values(self) -> dict:
        return {
            "name": self.name.text(),
            "kind": self.kind.currentData(),
            "parent_id": self.parent_unit.currentData(),
            "responsible_person": self.responsible.text(),
            "phone": self.phone.text(),
        }


class PairingDialog(FormDialog):
    """Pair a department with a judicial office."""

    def __init__(
        self,
        save: Callable[[dict], None],
        departments: Sequence[UnitRow],
        offices: Sequence[UnitRow],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("新增挂钩结对"), save, parent)
        self.department = combo_box([(u.name, u.id) for u in departments])
        self.office = combo_box([(u.name, u.id) for u in offices])
        self.add_field("department", self.tr("局科室"), self.department)
        self.add_field("office", self.tr("结对司法所"), self.office)

    def values(self) -> dict:
        return {
            "department_id": self.department.currentData(),
            "office_id": self.office.currentData(),
        }


class DutyDialog(FormDialog):
    """Add or edit a duty's text."""

    def __init__(
        self,
        save: Callable[[dict], None],
        text: str = "",
        department: str = "",
        parent: QWidget | None = None,
    ) -> None:
        title = self.tr("编辑职责") if text else self.tr("新增职责")
        super().__init__(f"{title} — {department}" if department else title, save, parent)
        self.text = QPlainTextEdit(text)
        self.text.setMinimumHeight(110)
        self.text.setTabChangesFocus(True)
        self.add_field(
            "text",
            self.tr("职责内容"),
            self.text,
            self.tr("按实施方案原文填写，一条职责写一件事。"),
        )

    def values(self) -> dict:
        return {"text": self.text.toPlainText()}


class IndicatorDialog(FormDialog):
    """Add or edit an indicator: name, unit, annual target, weight and what counts."""

    def __init__(
        self,
        save: Callable[[dict], None],
        kinds: Sequence[KindRow],
        indicator: IndicatorRow | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            self.tr("编辑量化指标") if indicator else self.tr("新增量化指标"), save, parent
        )
        self.name = QLineEdit(indicator.name if indicator else "")
        self.measure_unit = QComboBox()
        self.measure_unit.setEditable(True)
        self.measure_unit.addItems(MEASURE_UNITS)
        self.measure_unit.setCurrentText(indicator.measure_unit if indicator else "次")
        self.target = QLineEdit(
            format_number(indicator.annual_target).replace(",", "") if indicator else ""
        )
        self.target.setPlaceholderText(self.tr("例如 12"))
        self.weight = QLineEdit(format_number(indicator.weight) if indicator else "10")
        self.measure = combo_box(
            [(label, m) for m, label in MEASURE_LABELS.items()],
            indicator.measure if indicator else IndicatorMeasure.COUNT,
        )
        self.kind = combo_box(
            [(self.tr("（不计入台账）"), None)] + [(k.name, k.id) for k in kinds],
            indicator.entry_kind_id if indicator else None,
        )
        self._kinds = {k.id: k for k in kinds}
        self.sum_field = QComboBox()
        self.entered_by = combo_box(
            [(self.tr("县矫正办录入"), False), (self.tr("本科室自行录入"), True)],
            bool(indicator and indicator.value_unit_id is not None),
        )
        self._initial_sum_field = indicator.sum_field if indicator else ""
        self.add_field("name", self.tr("指标名称"), self.name)
        self.add_field("measure_unit", self.tr("计量单位"), self.measure_unit)
        self.add_field("annual_target", self.tr("年度目标"), self.target)
        self.add_field(
            "weight", self.tr("权重"), self.weight, self.tr("同一科室各指标权重合计一般为 100。")
        )
        self.add_field("measure", self.tr("计算方式"), self.measure)
        self.add_field("entry_kind", self.tr("计入的台账类型"), self.kind)
        self.add_field("sum_field", self.tr("求和字段"), self.sum_field)
        self.add_field(
            "entered_by",
            self.tr("完成值录入"),
            self.entered_by,
            self.tr("人工评定的指标：在“职责与指标”页“录入完成值…”。"),
        )
        self.measure.currentIndexChanged.connect(self._update_enabled)
        self.kind.currentIndexChanged.connect(self._fill_sum_fields)
        self._fill_sum_fields()
        self._update_enabled()

    def _fill_sum_fields(self) -> None:
        current = self.sum_field.currentData() or self._initial_sum_field
        self.sum_field.clear()
        kind = self._kinds.get(self.kind.currentData())
        for code, label in kind.sum_fields if kind else ():
            self.sum_field.addItem(label, code)
        self.sum_field.setCurrentIndex(max(self.sum_field.findData(current), 0))

    def _update_enabled(self) -> None:
        measure = self.measure.currentData()
        self.kind.setEnabled(measure != IndicatorMeasure.MANUAL)
        self.sum_field.setEnabled(measure == IndicatorMeasure.SUM)
        self.entered_by.setEnabled(measure == IndicatorMeasure.MANUAL)

    def values(self) -> dict:
        return {
            "name": self.name.text(),
            "measure_unit": self.measure_unit.currentText(),
            "annual_target": self.target.text(),
            "weight": self.weight.text(),
            "measure": self.measure.currentData(),
            "entry_kind_id": self.kind.currentData(),
            "sum_field": self.sum_field.currentData() or "",
            "entered_by_department": bool(self.entered_by.currentData()),
        }
