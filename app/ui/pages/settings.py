"""设置: where the data lives, which unit this PC is, and how many days ahead to remind."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QSpinBox, QWidget

from app.models import SCHEMA_HEAD
from app.services.reference import UNIT_KIND_LABELS
from app.ui.pages.base import Page


class SettingsPage(Page):
    """Shows the database location, schema version and this PC's unit; sets N, the days before
    a deadline from which an item is shown as due soon (amber)."""

    title = "设置"

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        form = QFormLayout()
        location = str(database.file) if database.file else database.url
        self.location_label = QLabel(location)
        self.location_label.setWordWrap(True)
        kind = UNIT_KIND_LABELS.get(context.local_unit_kind) if context.local_unit_kind else ""
        form.addRow(self.tr("数据库位置："), self.location_label)
        form.addRow(self.tr("数据结构版本："), QLabel(SCHEMA_HEAD))
        form.addRow(self.tr("本机所属单位："), QLabel(f"{context.local_unit_name}（{kind}）"))
        from app.services.reminders import MAX_DUE_SOON_DAYS, due_soon_days

        with database.session() as session:
            days = due_soon_days(session)
        self.due_soon = QSpinBox()
        self.due_soon.setRange(0, MAX_DUE_SOON_DAYS)
        self.due_soon.setSuffix(self.tr(" 天"))
        self.due_soon.setValue(days)
        self.due_soon.setToolTip(
            self.tr("截止日期前这么多天起，事项在首页和“今日待办”中以橙色提示；逾期以红色提示。")
        )
        self.due_soon.valueChanged.connect(lambda value: self.save_due_soon_days(value))
        form.addRow(self.tr("到期前提醒："), self.due_soon)
        if database.backup_path:
            form.addRow(self.tr("升级前备份："), QLabel(str(database.backup_path)))
        self.layout_.addLayout(form)
        self.layout_.addStretch(1)

    def save_due_soon_days(self, days: int) -> None:
        """Store N (see app.services.reminders)."""
        from app.services.reminders import set_due_soon_days

        self.attempt(lambda session: set_due_soon_days(session, days), self.tr("提醒天数未保存"))
