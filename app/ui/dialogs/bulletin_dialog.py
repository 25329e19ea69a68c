"""生成进度通报: the date the bulletin counts to and its 期号, before the file is chosen."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget

from app.ui.widgets.dates import DateField, check_dates


class BulletinDialog(QDialog):
    """Ask the as-of date (within the programme's year) and the 期号 (0: numbered by month as
    the template says)."""

    def __init__(self, date_range, as_of: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("生成进度通报"))
        form = QFormLayout(self)
        self.as_of = DateField(date_range, as_of, label=self.tr("通报截至日期"))
        form.addRow(self.tr("通报截至："), self.as_of)
        self.issue = QSpinBox()
        self.issue.setRange(0, 999)
        self.issue.setSpecialValueText(self.tr("按月自动编号"))
        self.issue.setPrefix(self.tr("第 "))
        self.issue.setSuffix(self.tr(" 期"))
        form.addRow(self.tr("期号："), self.issue)
        hint = QLabel(self.tr("下一步选择保存位置和格式：PDF、Word（可修改）或 Excel。"))
        hint.setObjectName("hint")
        form.addRow(hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("下一步…"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        """Close only with a valid date."""
        if check_dates(self):
            super().accept()

    def choice(self) -> tuple[date, int | None]:
        """(as-of date, 期号 or None for automatic numbering)."""
        value = self.as_of.value()
        assert value is not None  # checked on accept
        return value, self.issue.value() or None
