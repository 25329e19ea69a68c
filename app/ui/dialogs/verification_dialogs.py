"""核实 dialogs: the county marks an entry 已核实 or 存疑; the unit explains a doubt."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget

from app.services.ledger import EntryRow
from app.services.wording import cn_date
from app.ui.dialogs.form_dialog import FormDialog, combo_box


def _entry_label(row: EntryRow) -> QLabel:
    """Which entry the dialog is about: its date, unit and title, at the top."""
    label = QLabel(f"{cn_date(row.entry_date)}　{row.unit}：{row.title}")
    label.setObjectName("entryAbout")
    label.setWordWrap(True)
    label.setStyleSheet("QLabel#entryAbout { font-weight: bold; }")
    return label


class MarkDialog(FormDialog):
    """核实…: 已核实, or 存疑 with the reason the unit will see."""

    def __init__(
        self, save: Callable[[dict], None], row: EntryRow, parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("核实台账 — %1").replace("%1", row.title), save, parent)
        self.ok_button.setText(self.tr("标记"))
        self.about = _entry_label(row)
        self.add_field("entry", self.tr("台账"), self.about)
        self.status = combo_box(
            [(self.tr("已核实"), "已核实"), (self.tr("存疑"), "存疑")], "已核实"
        )
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(
            self.tr("存疑时写明原因，例如：照片与活动内容不符，请补充签到表。")
        )
        self.reason.setMinimumHeight(110)
        self.add_field("status", self.tr("核实结果"), self.status)
        self.add_field("reason", self.tr("原因"), self.reason,
                       self.tr("标记随数据包发给填报单位；存疑的台账由该单位作出说明。"))  # fmt: skip

    def values(self) -> dict:
        return {"status": self.status.currentData(), "reason": self.reason.toPlainText()}


class AnswerDialog(FormDialog):
    """说明存疑…: the county's reason shown, the unit's explanation written."""

    def __init__(
        self,
        save: Callable[[dict], None],
        row: EntryRow,
        reason: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("说明存疑 — %1").replace("%1", row.title), save, parent)
        self.ok_button.setText(self.tr("提交说明"))
        self.about = _entry_label(row)
        self.add_field("entry", self.tr("台账"), self.about)
        doubt = QLabel(reason)
        doubt.setWordWrap(True)
        self.answer = QPlainTextEdit()
        self.answer.setPlaceholderText(self.tr("例如：已补充活动签到表照片。"))
        self.answer.setMinimumHeight(110)
        self.add_field("doubt", self.tr("县矫正办存疑原因"), doubt)
        self.add_field("answer", self.tr("本单位说明"), self.answer,
                       self.tr("说明随数据包发给县矫正办，由县矫正办再次核实。"))  # fmt: skip

    def values(self) -> dict:
        return {"answer": self.answer.toPlainText()}
