"""已被他人修改: what another clerk saved since this form was opened, and what to do about it."""

from __future__ import annotations

import enum

from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.concurrency import ConcurrentEdit, when_text
from app.ui.dialogs.guarded import fit_to_screen

THEIRS_COLOUR = QColor("#fff4e0")  # the other clerk's version: amber
YOURS_COLOUR = QColor("#e8f1ff")  # what this clerk typed: blue


class Choice(enum.Enum):
    """What the clerk decided."""

    OVERWRITE = "overwrite"  # 以我的为准保存 (or 仍然删除)
    THEIRS = "theirs"  # 采用他人的（放弃我的修改）(or 不删除)
    BACK = "back"  # 返回继续编辑: nothing lost


class ConflictDialog(QDialog):
    """The record was saved by someone else after the form was opened: who and when, a table
    of the fields that differ (他人保存的 / 您填写的), and three choices. Saving over is only
    offered when the other version is known (a save refused at the very instant of another
    one shows no table: saving again shows it)."""

    def __init__(self, conflict: ConcurrentEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self.choice = Choice.BACK
        deleting = conflict.deleting
        self.setWindowTitle(self.tr("已被他人修改"))
        self.setObjectName("conflictDialog")
        layout = QVBoxLayout(self)
        headline = QLabel(str(conflict))
        headline.setObjectName("conflictHeadline")
        headline.setWordWrap(True)
        headline.setStyleSheet("font-weight: bold; font-size: 15px;")
        layout.addWidget(headline)
        who = conflict.who or self.tr("（不详）")
        when = when_text(conflict.when) if conflict.when is not None else self.tr("（不详）")
        self.who_label = QLabel(
            self.tr("保存人：%1　　保存时间：%2").replace("%1", who).replace("%2", when)
        )
        layout.addWidget(self.who_label)

        yours = self.tr("删除后") if deleting else self.tr("您填写的")
        self.table = QTableWidget(len(conflict.differences), 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("项目"), self.tr("他人保存的"), yours])
        rows = self.table.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # wrapped text
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for row, difference in enumerate(conflict.differences):
            cells = (difference.label, difference.theirs, difference.yours)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column == 1:
                    item.setBackground(THEIRS_COLOUR)
                elif column == 2:
                    item.setBackground(YOURS_COLOUR)
                self.table.setItem(row, column, item)
        self.table.setVisible(bool(conflict.differences))
        layout.addWidget(self.table, 1)

        known = conflict.revision > 0
        if deleting:
            hint = self.tr(
                "“仍然删除”会删除他人修改后的记录（记入审计日志）；“不删除”保留他人保存的内容。"
            )
        elif known:
            hint = self.tr(
                "“以我的为准保存”用您填写的内容覆盖他人的修改（需再确认一次，并记入审计日志）；"
                "“采用他人的”关闭表单、放弃您的修改；“返回继续编辑”回到表单，您填写的内容都还在。"
            )
        else:
            hint = self.tr(
                "他人与您几乎同时保存了这条记录。请返回表单再点一次“保存”，即可看到两份内容的差别。"
            )
        note = QLabel(hint)
        note.setObjectName("hint")
        note.setWordWrap(True)
        layout.addWidget(note)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.overwrite_button = QPushButton(
            self.tr("仍然删除") if deleting else self.tr("以我的为准保存")
        )
        self.theirs_button = QPushButton(
            self.tr("不删除") if deleting else self.tr("采用他人的（放弃我的修改）")
        )
        self.back_button = QPushButton(self.tr("返回继续编辑"))
        self.overwrite_button.setVisible(known)
        self.back_button.setVisible(not deleting)
        for button, choice in (
            (self.overwrite_button, Choice.OVERWRITE),
            (self.theirs_button, Choice.THEIRS),
            (self.back_button, Choice.BACK),
        ):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, c=choice: self._choose(c))
            buttons.addWidget(button)
        (self.theirs_button if deleting else self.back_button).setDefault(True)
        layout.addLayout(buttons)
        self.resize(820, 440 if conflict.differences else 220)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_to_screen(self)

    def _choose(self, choice: Choice) -> None:
        self.choice = choice
        self.accept()

    def reject(self) -> None:
        """Esc or the close button: 返回继续编辑 (不删除 for a delete)."""
        self.choice = Choice.THEIRS if self.conflict.deleting else Choice.BACK
        super().reject()


def ask(parent: QWidget | None, conflict: ConcurrentEdit) -> Choice:
    """Show the conflict and return the clerk's choice."""
    dialog = ConflictDialog(conflict, parent)
    dialog.exec()
    return dialog.choice
