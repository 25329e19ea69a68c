"""Dialogs of the 数据交换 page: the import preview, settling a conflict field by field, and
confirming a unit's new PC's keys after comparing the codes by phone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.sync.conflicts import FieldDifference, OpenConflict
from app.sync.exchange import KIND_LABELS, ImportSummary
from app.sync.keys import PendingKeys
from app.ui.table_model import Column, RowTableModel, format_local_time
from app.ui.table_view import RowTableView


@dataclass(frozen=True)
class KindCounts:
    """One kind of record in an import preview."""

    label: str
    created: int
    updated: int
    deleted: int
    unchanged: int
    conflicts: int


def preview_rows(summary: ImportSummary) -> list[KindCounts]:
    """The preview's table: a row per kind of record the package carries."""
    buckets = (summary.created, summary.updated, summary.deleted, summary.unchanged,
               summary.conflicts)  # fmt: skip
    kinds = dict.fromkeys(k for bucket in buckets for k in bucket)
    return [
        KindCounts(KIND_LABELS.get(k, k), *(bucket.get(k, 0) for bucket in buckets)) for k in kinds
    ]


def _count(value: int) -> str:
    return str(value) if value else "–"


class ImportPreviewDialog(QDialog):
    """What a package would change, before anything is written; 导入 or 取消."""

    def __init__(self, file_name: str, summary: ImportSummary, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("导入预览"))
        self.resize(720, 460)
        layout = QVBoxLayout(self)
        heading = QLabel(
            self.tr("%1 发来的第 %2 号数据包（%3）已通过签名和完整性校验。导入将带来以下变化：")
            .replace("%1", summary.sender)
            .replace("%2", str(summary.sequence))
            .replace("%3", file_name)
        )
        heading.setWordWrap(True)
        layout.addWidget(heading)
        columns = [
            Column[KindCounts](self.tr("记录类型"), lambda r: r.label),
            Column[KindCounts](self.tr("新增"), lambda r: _count(r.created), lambda r: r.created, True),
            Column[KindCounts](self.tr("更新"), lambda r: _count(r.updated), lambda r: r.updated, True),
            Column[KindCounts](self.tr("删除"), lambda r: _count(r.deleted), lambda r: r.deleted, True),
            Column[KindCounts](self.tr("未变"), lambda r: _count(r.unchanged), lambda r: r.unchanged, True),
            Column[KindCounts](self.tr("冲突"), lambda r: _count(r.conflicts), lambda r: r.conflicts, True,
                               foreground=lambda r: "#c0392b" if r.conflicts else None),
        ]  # fmt: skip
        self.model = RowTableModel(columns, self)
        rows = preview_rows(summary)
        self.model.set_rows(rows)
        self.table = RowTableView(self.model, self, stretch=0)
        layout.addWidget(self.table, 1)
        self.empty_note = QLabel(
            self.tr("这个数据包没有新的或改动的记录（例如对方电脑接入后的第一个数据包，"
                    "或对方自上次以来没有新的工作）。可以放心导入。")
        )  # fmt: skip
        self.empty_note.setWordWrap(True)
        self.empty_note.setVisible(not rows)
        layout.addWidget(self.empty_note)
        self.table.setVisible(bool(rows))
        extra = []
        if summary.files:
            extra.append(
                self.tr("照片和扫描件 %1 个（本机还没有的）。").replace("%1", str(summary.files))
            )
        if summary.data_version:
            extra.append(
                self.tr("对方数据版本：第 %1 版。").replace("%1", str(summary.data_version))
            )
        if extra:
            layout.addWidget(QLabel("".join(extra)))
        self.conflict_note = QLabel()
        self.conflict_note.setWordWrap(True)
        if summary.conflict_items:
            shown = "、".join(summary.conflict_items[:8])
            more = len(summary.conflict_items) - 8
            self.conflict_note.setText(
                self.tr("⚠ 有 %1 条记录本机和对方都改过：%2%3。导入后两个版本都会保留，"
                        "请到“待处理冲突”逐条选择保留哪个版本或合并。")
                .replace("%1", str(len(summary.conflict_items)))
                .replace("%2", shown)
                .replace("%3", self.tr("等") if more > 0 else "")
            )  # fmt: skip
            self.conflict_note.setStyleSheet(
                "color: #8a2d1f; background: #fdf0ed; padding: 8px; border: 1px solid #e8b4aa;"
            )
            layout.addWidget(self.conflict_note)
        note = QLabel(self.tr("整包写入：任何问题都整包拒绝，本机数据保持原样。"))
        note.setStyleSheet("color: #555;")
        layout.addWidget(note)
        buttons = QDialogButtonBox()
        self.import_button = buttons.addButton(
            self.tr("导入"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = buttons.addButton(
            self.tr("不导入"), QDialogButtonBox.ButtonRole.RejectRole
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def preview_accepted(parent: QWidget | None, file_name: str, summary: ImportSummary) -> bool:
    """Show the preview; True when the clerk chooses 导入 (tests replace this)."""
    return ImportPreviewDialog(file_name, summary, parent).exec() == QDialog.DialogCode.Accepted


class DifferenceModel(QAbstractTableModel):
    """The fields that differ, with a check box per field: take the other side's value."""

    HEADERS = ("项目", "本机版本", "对方版本", "采用对方")

    def __init__(self, differences: list[FieldDifference], parent=None) -> None:
        super().__init__(parent)
        self.differences = differences
        self.taken: set[str] = set()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.differences)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.differences[index.row()]
        if index.column() == 3:
            if role == Qt.ItemDataRole.CheckStateRole:
                checked = item.column in self.taken
                return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (item.label, item.local, item.incoming)[index.column()]
        return None

    def flags(self, index) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 3:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(self, index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if index.column() != 3 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        column = self.differences[index.row()].column
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self.taken.add(column)
        else:
            self.taken.discard(column)
        self.dataChanged.emit(index, index, [role])
        return True

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.tr(self.HEADERS[section])
        return None


class ConflictDialog(QDialog):
    """Settle one conflict: keep this PC's version, take the owner's, or merge ticked fields.

    After ``exec()``, ``choice`` is "local", "incoming" or "merged" (None if cancelled) and
    ``taken`` the fields taken from the owner's version for a merge.
    """

    def __init__(self, conflict: OpenConflict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("处理冲突"))
        self.resize(760, 420)
        self.choice: str | None = None
        layout = QVBoxLayout(self)
        text = QLabel(
            self.tr("%1“%2”在本机和%3（第 %4 号数据包）都被修改过。请比较两个版本：")
            .replace("%1", conflict.kind_label)
            .replace("%2", conflict.description)
            .replace("%3", conflict.sender)
            .replace("%4", str(conflict.sequence))
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.model = DifferenceModel(conflict.differences, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        hint = QLabel(
            self.tr("保留本机版本：对方以后再修改时会再次提示。采用对方版本：本机与对方一致。"
                    "合并：勾选的项目采用对方版本，其余保留本机版本。")
        )  # fmt: skip
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        layout.addWidget(hint)
        buttons = QDialogButtonBox()
        self.keep_button = QPushButton(self.tr("保留本机版本"))
        self.take_button = QPushButton(self.tr("采用对方版本"))
        self.merge_button = QPushButton(self.tr("按勾选合并"))
        for button, choice in ((self.keep_button, "local"), (self.take_button, "incoming"),
                               (self.merge_button, "merged")):  # fmt: skip
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            button.clicked.connect(lambda _=False, c=choice: self._choose(c))
        self.cancel_button = buttons.addButton(
            self.tr("稍后处理"), QDialogButtonBox.ButtonRole.RejectRole
        )
        buttons.rejected.connect(self.reject)
        self.merge_button.setEnabled(False)
        self.model.dataChanged.connect(
            lambda *_: self.merge_button.setEnabled(
                0 < len(self.model.taken) < len(conflict.differences)
            )
        )
        layout.addWidget(buttons)

    @property
    def taken(self) -> set[str]:
        """Fields ticked to take from the owner's version."""
        return set(self.model.taken)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()


class KeyConfirmDialog(QDialog):
    """A unit's new PC presented new keys: the clerk reads the new identification code to the
    unit's clerk by phone and confirms (the old PC's keys are then revoked) or rejects them.

    After ``exec()``, ``choice`` is "confirm", "reject" or None (稍后处理).
    """

    def __init__(self, pending: PendingKeys, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("核对新密钥"))
        self.resize(680, 400)
        self.choice: str | None = None
        unit = pending.unit_name
        layout = QVBoxLayout(self)
        issued = pending.issued
        heading = QLabel(
            self.tr(
                "%1换了一台新的电脑：新电脑用%2重新发放的接入凭证接入，发来的数据包带有新的密钥，"
                "与本机为%1登记的不同。确认之前，这台新电脑的数据包不会导入。"
            )
            .replace("%1", unit)
            .replace("%2", f" {issued} " if issued else "")
        )
        heading.setWordWrap(True)
        layout.addWidget(heading)
        how = QLabel(
            self.tr(
                "请打电话给%1的经办人，请对方打开新电脑的“数据交换”页面，读出页面最上方的"
                "“本机识别码”，与下面的新识别码逐字核对："
            ).replace("%1", unit)
        )
        how.setWordWrap(True)
        layout.addWidget(how)
        form = QFormLayout()
        self.new_code = QLabel(pending.code)
        self.new_code.setStyleSheet("font-size: 20px; font-weight: bold; letter-spacing: 2px;")
        self.new_code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.old_code = QLabel(pending.current_code or "–")
        self.old_code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        package = QLabel(
            self.tr("%1（第 %2 号，%3 收到）")
            .replace("%1", Path(pending.file).name)
            .replace("%2", str(pending.sequence))
            .replace("%3", format_local_time(datetime.fromisoformat(pending.seen)))
        )
        package.setWordWrap(True)
        form.addRow(self.tr("新电脑的识别码："), self.new_code)
        form.addRow(self.tr("现在登记的识别码（旧电脑）："), self.old_code)
        form.addRow(self.tr("出示新密钥的数据包："), package)
        layout.addLayout(form)
        warning = QLabel(
            self.tr(
                "确认后：本机改用新电脑的密钥，旧电脑的密钥立即作废，此后用它签名的数据包一律拒绝"
                "（旧电脑即使丢失或被盗，也无法再冒用%1）。\n"
                "识别码不一致时请点“不一致，拒绝”：这份接入凭证随之作废，"
                "如果%1确实换了电脑，请为它重新发放接入凭证。"
            ).replace("%1", unit)
        )
        warning.setWordWrap(True)
        warning.setStyleSheet(
            "color: #6b4a00; background: #fff6dd; padding: 8px; border: 1px solid #e6c66e;"
        )
        layout.addWidget(warning)
        layout.addStretch(1)
        buttons = QDialogButtonBox()
        self.confirm_button = QPushButton(self.tr("识别码一致，确认启用"))
        self.reject_button = QPushButton(self.tr("不一致，拒绝"))
        for button, choice in ((self.confirm_button, "confirm"), (self.reject_button, "reject")):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            button.clicked.connect(lambda _=False, c=choice: self._choose(c))
        self.later_button = buttons.addButton(
            self.tr("稍后处理"), QDialogButtonBox.ButtonRole.RejectRole
        )
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()
