"""开始新年度: the new year, the year it is copied from, and the new programme's period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QLabel, QSpinBox, QWidget

from app.services.dates import DateRange
from app.services.programme import ProgrammeRow
from app.ui.dialogs.form_dialog import FormDialog, combo_box
from app.ui.widgets.dates import DateField

_ANY_DAY = DateRange(earliest=date(2000, 1, 1), latest=date(2100, 12, 31))


class NewYearDialog(FormDialog):
    """Start the programme of a new year from an earlier one (see services.programme)."""

    def __init__(
        self,
        save: Callable[[dict], None],
        programmes: list[ProgrammeRow],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("开始新年度"), save, parent)
        about = QLabel(
            self.tr(
                "从所选年度复制挂钩结对、工作目标、职责、量化指标及目标值和权重、实施阶段"
                "（日期顺延到新年度）、责任状文本和考核方案，建立新年度的实施方案并设为当前方案。"
                "工作台账、责任状、总结和会议不复制；原年度的数据原样保留。"
            )
        )
        about.setWordWrap(True)
        about.setObjectName("hint")
        self.form.addRow(about)
        latest = max((p.year for p in programmes), default=date.today().year - 1)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(latest + 1)
        self.copy_from = combo_box(
            [(f"{p.year} 年度　{p.title}", p.year) for p in reversed(programmes)]
        )
        self.start = DateField(_ANY_DAY, date(latest + 1, 1, 1), label=self.tr("开始日期"))
        self.end = DateField(_ANY_DAY, date(latest + 1, 12, 31), label=self.tr("结束日期"))
        self.year.valueChanged.connect(lambda year: self._year_changed(year))
        self.add_field("year", self.tr("新年度"), self.year)
        self.add_field("copy_from", self.tr("复制自"), self.copy_from)
        self.add_field("start", self.tr("开始日期"), self.start)
        self.add_field(
            "end", self.tr("结束日期"), self.end, self.tr("默认新年度 1 月 1 日至 12 月 31 日。")
        )

    def _year_changed(self, year: int) -> None:
        """A new year moves the default period with it."""
        self.start.setValue(date(year, 1, 1))
        self.end.setValue(date(year, 12, 31))

    def values(self) -> dict:
        return {
            "year": self.year.value(),
            "copy_from_year": self.copy_from.currentData(),
            "start": self.start.value(),
            "end": self.end.value(),
        }
