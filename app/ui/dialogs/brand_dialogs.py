"""Dialogs of the 品牌创建 page: a brand's form, a milestone, its completion, and the picker of
ledger entries attached as evidence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import cast

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models import UnitKind
from app.services.attachments import AttachmentStore
from app.services.brands import (
    MAX_DESCRIPTION_CHARS,
    MAX_OUTCOMES_CHARS,
    SUGGESTED_NAMES,
    BrandRow,
    EvidenceChoices,
    UnitChoice,
)
from app.services.dates import DateRange
from app.services.errors import UserError
from app.services.ledger import EntryRow
from app.ui.dialogs.form_dialog import ERROR_STYLE, FormDialog, combo_box
from app.ui.dialogs.guarded import GuardedDialog
from app.ui.dialogs.summary_dialogs import HINT_STYLE
from app.ui.messages import error_text
from app.ui.table_model import Column, RowTableModel
from app.ui.table_view import RowTableView
from app.ui.widgets.dates import DISPLAY_FORMAT, DateField
from app.ui.widgets.thumbnails import thumbnail_pixmap

KIND_HEADINGS = {
    UnitKind.DEPARTMENT: "局科室",
    UnitKind.JUDICIAL_OFFICE: "司法所",
    UnitKind.CORRECTION_SECTION: "社区矫正科",
}
PARTICIPANT_COLUMNS = 4
PREVIEW = QSize(240, 180)
CHECKED_BACKGROUND = "#e3edfa"  # as a chosen photo in the summary editor


def _text_box(text: str, placeholder: str, height: int) -> QPlainTextEdit:
    box = QPlainTextEdit(text)
    box.setPlaceholderText(placeholder)
    box.setFixedHeight(height)
    box.setTabChangesFocus(True)
    return box


class BrandDialog(FormDialog):
    """新建 or 编辑 a brand: name (the plan's five suggested), lead department, participating
    units (check boxes grouped by kind; the lead's own box is disabled), description and
    outcomes. ``save`` receives the values as the BrandInput fields."""

    def __init__(self, save: Callable[[dict], None], leads: list[UnitChoice],
                 participants: list[UnitChoice], brand: BrandRow | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        title = (
            self.tr("新建品牌")
            if brand is None
            else self.tr("编辑品牌 — %1").replace("%1", brand.name)
        )
        super().__init__(title, save, parent)
        self.setMinimumWidth(720)
        self.resize(760, 660)  # the whole form at once where the screen allows
        self.name = QComboBox()
        self.name.setEditable(True)
        self.name.addItems(list(SUGGESTED_NAMES))
        self.name.setEditText(brand.name if brand else "")
        cast(QLineEdit, self.name.lineEdit()).setPlaceholderText(self.tr("如：法援+"))  # editable
        self.lead = combo_box(
            [(u.name, u.id) for u in leads], brand.lead_unit_id if brand else None
        )
        if brand is None:
            self.lead.setCurrentIndex(-1)
            self.lead.setPlaceholderText(self.tr("请选择牵头科室"))
        chosen = set(brand.participant_ids) if brand else set()
        self.participant_boxes: dict[int, QCheckBox] = {}
        self._names = {u.id: u.name for u in participants}
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(2)
        row = 0
        for kind, heading in KIND_HEADINGS.items():
            units = [u for u in participants if u.kind == kind]
            if not units:
                continue
            label = QLabel(self.tr(heading))
            label.setStyleSheet(HINT_STYLE)
            grid.addWidget(label, row, 0, 1, PARTICIPANT_COLUMNS)
            row += 1
            for n, unit in enumerate(units):
                check = QCheckBox(unit.name)
                check.setChecked(unit.id in chosen)
                self.participant_boxes[unit.id] = check
                grid.addWidget(check, row + n // PARTICIPANT_COLUMNS, n % PARTICIPANT_COLUMNS)
            row += (len(units) + PARTICIPANT_COLUMNS - 1) // PARTICIPANT_COLUMNS
        self.description = _text_box(
            brand.description if brand else "",
            self.tr("品牌的内容、做法和服务对象，例如：法律援助律师定期进驻司法所，"
                    "为社区矫正对象及其近亲属提供法律咨询和代理。"),
            110,
        )  # fmt: skip
        self.outcomes = _text_box(
            brand.outcomes if brand else "",
            self.tr("取得的成效：服务人次、典型案例、获得的表彰或被推广的情况。"),
            110,
        )
        self.add_field("name", self.tr("品牌名称"), self.name,
                       self.tr("可从方案提出的五个品牌中选择，也可自拟。"))  # fmt: skip
        self.add_field("lead_unit", self.tr("牵头科室"), self.lead)
        self.add_field("participants", self.tr("参与单位"), box,
                       self.tr("参与单位和牵头科室的工作台账可作为本品牌的佐证。"))  # fmt: skip
        self.add_field("description", self.tr("品牌简介"), self.description,
                       self.tr("不超过 %1 字。").replace("%1", str(MAX_DESCRIPTION_CHARS)))  # fmt: skip
        self.add_field("outcomes", self.tr("创建成效"), self.outcomes,
                       self.tr("确认“已创建”时必须填写；不超过 %1 字。")
                       .replace("%1", str(MAX_OUTCOMES_CHARS)))  # fmt: skip
        self.lead.currentIndexChanged.connect(self._lead_changed)
        self._lead_changed()

    @Slot()
    def _lead_changed(self) -> None:
        """The lead department cannot also take part: its box is unchecked and disabled."""
        lead = self.lead.currentData()
        for unit_id, check in self.participant_boxes.items():
            is_lead = unit_id == lead
            if is_lead:
                check.setChecked(False)
            check.setEnabled(not is_lead)
            name = self._names[unit_id]
            check.setText(name + self.tr("（牵头）") if is_lead else name)

    def values(self) -> dict:
        return {
            "name": self.name.currentText(),
            "lead_unit_id": self.lead.currentData(),
            "participant_ids": [u for u, c in self.participant_boxes.items() if c.isChecked()],
            "description": self.description.toPlainText(),
            "outcomes": self.outcomes.toPlainText(),
        }


class MilestoneDialog(FormDialog):
    """添加节点: a step of building the brand and when it is due (``dates``: the programme's
    deadline range)."""

    def __init__(self, save: Callable[[dict], None], brand: str, due: date, dates: DateRange,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(self.tr("添加节点 — %1").replace("%1", brand), save, parent)
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText(self.tr("如：法援律师进驻司法所值班制度建立"))
        self.due_date = DateField(dates, due, label=self.tr("计划完成日期"))
        self.add_field("title", self.tr("节点名称"), self.title_edit)
        hint = (
            self.tr("可填写 %1 至 %2 之间的日期。")
            .replace("%1", dates.earliest.strftime(DISPLAY_FORMAT))
            .replace("%2", dates.latest.strftime(DISPLAY_FORMAT))
        )
        self.add_field("due_date", self.tr("计划完成日期"), self.due_date, hint)

    def values(self) -> dict:
        return {"title": self.title_edit.text(), "due_date": self.due_date.value()}


class DoneDialog(FormDialog):
    """标记节点完成, with the date it was done (in ``dates``, not after today)."""

    def __init__(self, save: Callable[[dict], None], milestone: str, dates: DateRange,
                 done_on: date, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(self.tr("标记节点完成"), save, parent)
        self.ok_button.setText(self.tr("标记完成"))
        label = QLabel(milestone)
        label.setWordWrap(True)
        self.done_on = DateField(dates, done_on, label=self.tr("完成日期"))
        self.form.addRow(self.tr("节点"), label)
        hint = self.tr("不能早于%1，也不能晚于今天。").replace(
            "%1", dates.earliest.strftime(DISPLAY_FORMAT)
        )
        self.add_field("done_on", self.tr("完成日期"), self.done_on, hint)

    def values(self) -> dict:
        return {"done_on": self.done_on.value()}


class EntryChoiceModel(RowTableModel[EntryRow]):
    """Ledger entries with a check box in the first column; the checked ids persist across
    reloads (another unit, another keyword)."""

    def __init__(self, columns: list[Column[EntryRow]], parent=None) -> None:
        super().__init__(columns, parent)
        self.checked: set[int] = set()

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else flags

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole):  # fmt: skip
        if role == Qt.ItemDataRole.CheckStateRole and index.isValid() and index.column() == 0:
            on = self.row_at(index.row()).id in self.checked
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.BackgroundRole and index.isValid():
            on = self.row_at(index.row()).id in self.checked
            return QBrush(QColor(CHECKED_BACKGROUND)) if on else None
        return super().data(index, role)

    def setData(self, index: QModelIndex | QPersistentModelIndex, value,
                role: int = Qt.ItemDataRole.EditRole) -> bool:  # fmt: skip
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or index.column() != 0:
            return False
        self.set_checked(self.row_at(index.row()).id, Qt.CheckState(value) == Qt.CheckState.Checked)
        return True

    def set_checked(self, entry_id: int, on: bool) -> None:
        """Check or uncheck an entry."""
        if on:
            self.checked.add(entry_id)
        else:
            self.checked.discard(entry_id)
        for row, item in enumerate(self.rows()):
            if item.id == entry_id:
                last = self.index(row, self.columnCount() - 1)
                self.dataChanged.emit(self.index(row, 0), last)


class EvidencePicker(GuardedDialog):
    """添加佐证: the lead's and participants' ledger entries, newest first, narrowed by unit and
    keyword; tick entries and 添加所选佐证. ``load(unit_id, text)`` reads the choices and
    ``save(entry ids)`` attaches them; a refusal is shown in red and nothing is attached.
    Esc or 取消 with entries ticked asks first."""

    def __init__(self, brand: str, units: list[tuple[int, str]],
                 load: Callable[[int | None, str], EvidenceChoices],
                 save: Callable[[list[int]], None], store: AttachmentStore | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle(self.tr("添加佐证（从工作台账选择） — %1").replace("%1", brand))
        self.resize(1080, 640)
        self._load, self._save, self._store = load, save, store
        hint = QLabel(self.tr("只列出本品牌牵头科室和参与单位的台账（已是佐证的不再列出）。"
                              "勾选能证明品牌创建的活动，再点“添加所选佐证”。"))  # fmt: skip
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT_STYLE)
        self.unit = QComboBox()
        self.unit.addItem(self.tr("全部（牵头和参与单位）"), None)
        for unit_id, name in units:
            self.unit.addItem(name, unit_id)
        self.text = QLineEdit()
        self.text.setPlaceholderText(self.tr("标题或情况说明中的文字"))
        self.text.setClearButtonEnabled(True)
        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("填报单位")))
        filters.addWidget(self.unit)
        filters.addSpacing(12)
        filters.addWidget(QLabel(self.tr("关键词")))
        filters.addWidget(self.text, 1)

        self.model = EntryChoiceModel(
            [
                Column(self.tr("选用"), lambda r: "", sort_key=lambda r: r.id in self.model.checked),
                Column(self.tr("日期"), lambda r: f"{r.entry_date:%Y-%m-%d}",
                       sort_key=lambda r: (r.entry_date, r.id)),
                Column(self.tr("填报单位"), lambda r: r.unit),
                Column(self.tr("活动类型"), lambda r: r.kind),
                Column(self.tr("标题"), lambda r: r.title, tooltip=lambda r: r.title),
                Column(self.tr("照片"), lambda r: r.photo_count or "", align_right=True,
                       sort_key=lambda r: r.photo_count),
            ],
            self,
        )  # fmt: skip
        self.view = RowTableView(self.model, self, stretch=4)
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #f2f4f8; border: 1px solid #c9d3e3; color: #777;")
        self.preview_caption = QLabel()
        self.preview_caption.setWordWrap(True)
        self.preview_caption.setFixedWidth(PREVIEW.width())
        side = QVBoxLayout()
        side.addWidget(self.preview)
        side.addWidget(self.preview_caption)
        side.addStretch(1)
        middle = QHBoxLayout()
        middle.addWidget(self.view, 1)
        middle.addLayout(side)

        self.count = QLabel()
        self.count.setStyleSheet(HINT_STYLE)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button.setText(self.tr("添加所选佐证"))
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(filters)
        layout.addLayout(middle, 1)
        layout.addWidget(self.count)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.reload)
        self.text.textChanged.connect(self._timer.start)
        self.text.returnPressed.connect(self.reload)
        self.unit.currentIndexChanged.connect(self.reload)
        self.view.selection_changed.connect(self._show_preview)
        self.view.row_activated.connect(self._toggle)
        self.model.dataChanged.connect(self._update_count)
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        self._total = 0
        self.reload()

    @Slot()
    def reload(self) -> None:
        """Read the entries for the chosen unit and keyword."""
        self._timer.stop()
        choices = self._load(self.unit.currentData(), self.text.text())
        self._total = choices.total
        self.model.set_rows(choices.rows)
        self.view.selectRow(0)
        self._update_count()
        self._show_preview()

    def _toggle(self, row: EntryRow | None) -> None:
        if row is not None:
            self.model.set_checked(row.id, row.id not in self.model.checked)

    def _update_count(self) -> None:
        shown = self.model.rowCount()
        text = self.tr("符合条件的台账 %1 条").replace("%1", str(self._total))
        if shown < self._total:
            text += self.tr("，显示最近 %1 条（可用关键词缩小范围）").replace("%1", str(shown))
        text += self.tr("；已勾选 %1 条。").replace("%1", str(len(self.model.checked)))
        if not self._total:
            text = self.tr("没有可选的台账。可换一个单位或关键词，或先在“工作台账”中登记活动。")
        self.count.setText(text)
        self.ok_button.setEnabled(bool(self.model.checked))

    def _show_preview(self) -> None:
        row: EntryRow | None = self.view.selected_row()
        self.preview.clear()
        self.preview_caption.setText(
            f"{row.entry_date:%Y-%m-%d}　{row.unit}\n{row.title}" if row else ""
        )
        thumb = (thumbnail_pixmap(self._store, row.first_photo_sha)
                 if row and row.first_photo_sha and self._store else None)  # fmt: skip
        if thumb is not None:
            self.preview.setPixmap(thumb.scaled(
                PREVIEW, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))  # fmt: skip
        else:
            self.preview.setText(self.tr("（无照片）") if row else "")

    def chosen(self) -> list[int]:
        """The ticked entries' ids."""
        return sorted(self.model.checked)

    def has_changes(self) -> bool:
        """Entries ticked count as changes (the filters do not)."""
        return bool(self.model.checked)

    def error_text(self) -> str:
        """The refusal shown, empty when none."""
        return self.error.text() if not self.error.isHidden() else ""

    def _try_accept(self) -> None:
        try:
            self._save(self.chosen())
        except UserError as exc:
            self.error.setText(error_text(exc))
            self.error.show()
            return
        self.accept()
