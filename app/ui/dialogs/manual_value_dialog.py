"""录入完成值: a manual indicator's value as at a date, with a note and optional evidence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QWidget

from app.services.manual_values import MAX_NOTE_CHARS, ValueEntry
from app.ui.dialogs.form_dialog import FormDialog, combo_box
from app.ui.table_model import format_number
from app.ui.widgets.dates import DateField


class ManualValueDialog(FormDialog):
    """Enter the value a manual indicator has reached: number, date, note, evidence entry."""

    def __init__(
        self, save: Callable[[dict], None], entry: ValueEntry, parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("录入完成值 — %1").replace("%1", entry.name), save, parent)
        target = f"{format_number(entry.target)}{entry.measure_unit}"
        if entry.latest is not None:
            latest = (
                self.tr("最近一次：%1 录入 %2")
                .replace("%1", entry.latest.recorded_on.isoformat())
                .replace("%2", f"{format_number(entry.latest.value)}{entry.measure_unit}")
            )
        else:
            latest = self.tr("尚未录入过完成值，完成率按 0 计。")
        about = QLabel(
            self.tr("%1　年度目标 %2。%3\n完成率按统计日当日或之前最近一次录入的值计算。")
            .replace("%1", entry.department)
            .replace("%2", target)
            .replace("%3", latest)
        )
        about.setWordWrap(True)
        about.setObjectName("hint")
        self.form.addRow(about)
        self.value = QLineEdit(
            format_number(entry.latest.value).replace(",", "") if entry.latest else ""
        )
        self.value.setPlaceholderText(self.tr("例如 1（已完成记 1，未完成记 0）"))
        self.recorded_on = DateField(entry.dates, label=self.tr("录入日期"))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(
            self.tr("完成情况说明，最多 %1 字").replace("%1", str(MAX_NOTE_CHARS))
        )
        self.note.setMaximumHeight(90)
        self.evidence = combo_box(
            [(self.tr("（无）"), None), *((label, entry_id) for entry_id, label in entry.evidence)]
        )
        self.add_field(
            "value", self.tr("完成值（%1）").replace("%1", entry.measure_unit), self.value
        )
        self.add_field("recorded_on", self.tr("录入日期"), self.recorded_on)
        self.add_field("note", self.tr("说明"), self.note)
        self.add_field(
            "evidence", self.tr("佐证台账"), self.evidence, self.tr("可选：该科室登记的一条台账。")
        )

    def values(self) -> dict:
        on: date | None = self.recorded_on.value()
        return {
            "value": self.value.text(),
            "recorded_on": on,
            "note": self.note.toPlainText(),
            "evidence_entry_id": self.evidence.currentData(),
        }
