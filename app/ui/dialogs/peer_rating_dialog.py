"""结对部门评价: a township judicial office rates a department it is paired with, item by item
as the programme's template lists them, with a comment and a date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QWidget

from app.services.dates import DateRange
from app.services.peer_ratings import MAX_COMMENT_CHARS, RatingItem, RatingRow, item_field
from app.ui.dialogs.form_dialog import FormDialog, combo_box
from app.ui.widgets.dates import DateField


def _figure(value: float) -> str:
    return f"{value:g}"


class PeerRatingDialog(FormDialog[dict]):
    """The department (one of the office's paired departments not yet rated), the points of
    each item (0 to its full marks), the total as typed, the comment and the date. ``save``
    receives ``{"department_id", "scores", "comment", "rated_on"}``; a refusal is shown beside
    its field. ``rating``: an unsent rating to correct (its department is fixed)."""

    def __init__(
        self,
        save: Callable[[dict], None],
        departments: list[tuple[str, int]],
        items: tuple[RatingItem, ...],
        dates: DateRange,
        on: date,
        rating: RatingRow | None = None,
        department_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("结对部门评价"), save, parent)
        self.items = items
        self.full = sum(item.max for item in items)
        about = QLabel(
            self.tr(
                "本所对挂钩结对的局科室的评价，每个科室每年度评价一次。保存后随本所下一个数据包"
                "报送县矫正办，报出后不能再修改。"
            )
        )
        about.setWordWrap(True)
        about.setObjectName("hint")
        self.form.addRow(about)
        chosen = rating.department_id if rating is not None else department_id
        self.department = combo_box(departments, chosen)
        self.department.setEnabled(rating is None)
        self.add_field("department", self.tr("结对部门"), self.department)
        self.scores: dict[str, QLineEdit] = {}
        for item in items:
            edit = QLineEdit()
            edit.setPlaceholderText(self.tr("0 至 %1 分").replace("%1", _figure(item.max)))
            edit.setMaxLength(8)
            if rating is not None and item.code in rating.scores:
                edit.setText(_figure(rating.scores[item.code]))
            edit.textChanged.connect(self._update_total)
            self.scores[item.code] = edit
            self.add_field(
                item_field(item.code),
                self.tr("%1（满分 %2）").replace("%1", item.name).replace("%2", _figure(item.max)),
                edit,
            )
        self.total = QLabel()
        self.total.setObjectName("sectionTitle")
        self.total.setWordWrap(True)
        self.form.addRow(self.tr("合计"), self.total)
        self.comment = QPlainTextEdit(rating.comment if rating is not None else "")
        self.comment.setPlaceholderText(
            self.tr("对该科室结对帮扶工作的意见和建议，最多 %1 字").replace(
                "%1", str(MAX_COMMENT_CHARS)
            )
        )
        self.comment.setMaximumHeight(90)
        self.add_field("comment", self.tr("评价意见"), self.comment)
        self.rated_on = DateField(
            dates, rating.rated_on if rating is not None else dates.clamp(on),
            label=self.tr("评价日期"),
        )  # fmt: skip
        self.add_field("rated_on", self.tr("评价日期"), self.rated_on)
        self._update_total()

    def _update_total(self) -> None:
        """The live 合计 of the valid scores only; an item not scored, or whose value is no
        number from 0 to its full marks, is named instead of counted."""
        total, missing, invalid = 0.0, 0, []
        for item in self.items:
            text = self.scores[item.code].text().strip()
            if not text:
                missing += 1
                continue
            try:
                value = float(text)
            except ValueError:
                value = -1.0
            if not 0 <= value <= item.max:  # also NaN
                invalid.append(item.name)
                continue
            total += value
        text = self.tr("%1 分（满分 %2）").replace("%1", _figure(round(total, 2)))
        text = text.replace("%2", _figure(self.full))
        if invalid:
            text += self.tr("，不含超出范围的“%1”").replace("%1", "”“".join(invalid))
        if missing:
            text += self.tr("，尚有 %1 项未打分").replace("%1", str(missing))
        self.total.setText(text)

    def values(self) -> dict:
        return {
            "department_id": self.department.currentData(),
            "scores": {code: edit.text() for code, edit in self.scores.items()},
            "comment": self.comment.toPlainText(),
            "rated_on": self.rated_on.value(),
        }
