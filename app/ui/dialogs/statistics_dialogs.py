"""统计报表 dialogs: a unit's report (figures pre-filled from its ledger, 情况说明, 保存草稿 and
提交), the county's 退回 with a reason, and its unlock of an accepted report's period."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QPlainTextEdit, QWidget

from app.services.errors import ValidationError
from app.services.forms import FormErrors
from app.services.statistics_reports import Figure
from app.ui.dialogs.form_dialog import FormDialog
from app.ui.messages import confirm


@dataclass(frozen=True)
class ReportData:
    """What the report dialog shows."""

    report_id: int
    unit: str
    form_name: str
    period_label: str
    due_text: str  # 2018年10月5日前报送
    status: str
    figures: tuple[Figure, ...]
    values: dict[str, int | float | None]
    note: str
    writable: bool
    message: str = ""  # a return's reason, or why it is read-only
    hints: dict[str, str] | None = None  # figure key → where its pre-filled value comes from
    reviewable: bool = False  # the county may 受理/退回 it from the dialog
    revision: int | None = None  # as read: carried to the save (已被他人修改)


def _text(value: int | float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


class StatisticsReportDialog(FormDialog):
    """填报: the figures (pre-filled, editable), the 情况说明; 保存草稿 keeps them, 提交 (after
    confirming) saves and freezes them. Read-only once submitted."""

    def __init__(
        self, data: ReportData, save: Callable[[dict], None], submit: Callable[[dict], None],
        parent: QWidget | None = None,
        refill: Callable[[], dict[str, int | float] | None] | None = None,
    ) -> None:  # fmt: skip
        title = self.tr("%1 — %2 %3").replace("%1", data.form_name).replace("%2", data.unit)
        super().__init__(title.replace("%3", data.period_label), save, parent)
        self.setMinimumWidth(640)
        self.data = data
        self._submit = submit
        self.submitted = False
        heading = QLabel(
            self.tr("%1　%2　%3（%4）　状态：%5").replace("%1", data.unit)
            .replace("%2", data.period_label).replace("%3", data.form_name)
            .replace("%4", data.due_text).replace("%5", data.status)
        )  # fmt: skip
        heading.setWordWrap(True)
        heading.setObjectName("sectionTitle")
        self.form.addRow(heading)
        if data.message:
            note = QLabel(data.message)
            note.setWordWrap(True)
            note.setStyleSheet("color: #c0392b;")
            self.form.addRow(note)
        self.inputs: dict[str, QLineEdit] = {}
        for figure in data.figures:
            field = QLineEdit(_text(data.values.get(figure.key)))
            if data.writable:
                field.setPlaceholderText(self.tr("0"))
            field.setMaximumWidth(160)
            field.setReadOnly(not data.writable)
            self.inputs[figure.key] = field
            label = f"{figure.label}（{figure.unit}）" if figure.unit else figure.label
            hint = (data.hints or {}).get(figure.key, "")
            if data.writable:  # the fill-in hints only where it is filled in
                hint = hint or (
                    self.tr("按台账预填") if figure.source != "manual" else self.tr("请填写")
                )
                if not figure.integer:
                    hint += self.tr("，可填小数")
            self.add_field(figure.key, label, field, hint)
        self.note = QPlainTextEdit(data.note)
        if data.writable:
            self.note.setPlaceholderText(
                self.tr("本期工作的简要说明：数字的来由、变化较大的原因等。")
            )
        self.note.setMinimumHeight(90)
        self.note.setReadOnly(not data.writable)
        self.add_field("note", self.tr("情况说明"), self.note)
        self.ok_button.setText(self.tr("保存草稿"))
        self.submit_button = self.buttons.addButton(
            self.tr("提交"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.submit_button.setToolTip(self.tr("提交后报表即固定，县矫正办退回后才能修改"))
        self.submit_button.clicked.connect(lambda: self._try_submit())
        self._refill = refill
        self.refill_button = self.buttons.addButton(
            self.tr("按台账重新计算"), QDialogButtonBox.ButtonRole.ResetRole
        )
        self.refill_button.setToolTip(
            self.tr("按台账现有的记录重新算出各项数字（“请填写”的项目保留所填）")
        )
        self.refill_button.clicked.connect(lambda: self._refill_figures())
        self.refill_button.setVisible(data.writable and refill is not None)
        self.decision = ""  # "accept" / "return": the county chose 受理 / 退回… here
        self.accept_button = self.buttons.addButton(
            self.tr("受理"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.return_button = self.buttons.addButton(
            self.tr("退回…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.accept_button.clicked.connect(lambda: self._decide("accept"))
        self.return_button.clicked.connect(lambda: self._decide("return"))
        self.accept_button.setVisible(data.reviewable)
        self.return_button.setVisible(data.reviewable)
        if not data.writable:
            self.ok_button.hide()
            self.submit_button.hide()
            self.cancel_button.setText(self.tr("关闭"))

    def _decide(self, decision: str) -> None:
        """受理 / 退回… chosen while looking at the report: the page asks and does it."""
        self.decision = decision
        self.accept()

    def values(self) -> dict:
        return {
            "values": {key: field.text() for key, field in self.inputs.items()},
            "note": self.note.toPlainText(),
        }

    def _refill_figures(self) -> None:
        """Put the figures the ledger gives now into the fields (manual ones kept)."""
        if self._refill is None:
            return
        fresh = self._refill()
        if fresh is None:
            return
        for figure in self.data.figures:
            if figure.source != "manual" and figure.key in fresh:
                self.inputs[figure.key].setText(_text(fresh[figure.key]))

    def _try_submit(self) -> None:
        """Confirm, then save and submit; problems are shown beside their fields."""
        question = self.tr(
            "提交后报表即固定，不能再修改（县矫正办退回后才能修改）。确定提交%1的%2（%3）吗？"
        )
        question = question.replace("%1", self.data.unit).replace("%2", self.data.form_name)
        if not confirm(self, self.tr("提交报表"), question.replace("%3", self.data.period_label)):
            return
        try:
            self._submit(self.values())
        except FormErrors as exc:
            self.show_errors(exc.errors)
            return
        except ValidationError as exc:
            self.show_error(exc.message, exc.field)
            return
        self.submitted = True
        self.mark_unchanged()
        self.accept()


class ReasonDialog(FormDialog):
    """退回 / 解锁台账: the county's reason, said to the unit with the next package."""

    def __init__(
        self, title: str, action: str, hint: str, placeholder: str,
        save: Callable[[dict], None], parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(title, save, parent)
        self.ok_button.setText(action)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(placeholder)
        self.reason.setMinimumHeight(110)
        self.add_field("reason", self.tr("原因"), self.reason, hint)

    def values(self) -> dict:
        return {"reason": self.reason.toPlainText()}
