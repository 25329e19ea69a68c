"""开始新年度 (the new year, the year it is copied from, the new programme's period) and
编辑年度 (a programme's title, 文号, period and assessment period)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QLabel, QLineEdit, QSpinBox, QWidget

from app.services.dates import DateRange
from app.services.programme import ProgrammeDetail, ProgrammeRow
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


class EditYearDialog(FormDialog):
    """编辑年度: a programme's title, 文号, period and assessment period (services.programme
    ``edit_programme`` validates them; its refusal is shown beside the field)."""

    def __init__(
        self,
        save: Callable[[dict], None],
        programme: ProgrammeDetail,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            self.tr("编辑年度：%1 年度").replace("%1", str(programme.year)), save, parent
        )
        about = QLabel(
            self.tr(
                "实施期决定“时间进度”、指标完成值、阶段和逾期的计算，也决定哪些工作台账属于本年度；"
                "考核期不填则与实施期相同。已印发、召开或报送的文件日期须仍在期间内；"
                "已发布通报的截至日期及已登记的加减分、评分、结对评价须仍在实施期和考核期内；"
                "各年度的实施期、考核期不得重叠。"
                "保存后随县矫正办的数据包发给各单位。"
            )
        )
        about.setWordWrap(True)
        about.setObjectName("hint")
        self.form.addRow(about)
        span = DateRange(
            earliest=date(programme.year - 1, 1, 1), latest=date(programme.year + 1, 12, 31)
        )
        self.title_edit = QLineEdit(programme.title)
        self.title_edit.setMaxLength(200)
        self.number = QLineEdit(programme.document_number)
        self.number.setMaxLength(100)
        self.number.setPlaceholderText(self.tr("例如 青司〔2018〕45号"))
        self.start = DateField(span, programme.start, label=self.tr("开始日期"))
        self.end = DateField(span, programme.end, label=self.tr("结束日期"))
        self.assessment_start = DateField(
            span, programme.assessment_start, optional=True, label=self.tr("考核期开始")
        )
        self.assessment_end = DateField(
            span, programme.assessment_end, optional=True, label=self.tr("考核期结束")
        )
        self.form.addRow(
            self.tr("年度"), QLabel(self.tr("%1 年度").replace("%1", str(programme.year)))
        )
        self.add_field("title", self.tr("标题"), self.title_edit)
        self.add_field("document_number", self.tr("文号"), self.number)
        self.add_field("start", self.tr("实施期开始"), self.start)
        self.add_field("end", self.tr("实施期结束"), self.end)
        self.add_field("assessment_start", self.tr("考核期开始"), self.assessment_start)
        self.add_field(
            "assessment_end",
            self.tr("考核期结束"),
            self.assessment_end,
            self.tr("例如 12 月 1 日至次年 11 月 30 日；不填则按实施期考核。"),
        )

    def values(self) -> dict:
        return {
            "title": self.title_edit.text(),
            "document_number": self.number.text(),
            "start": self.start.value(),
            "end": self.end.value(),
            "assessment_start": self.assessment_start.value(),
            "assessment_end": self.assessment_end.value(),
        }
