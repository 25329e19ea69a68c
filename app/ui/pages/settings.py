"""设置: where the data lives and which unit this PC is."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from app.models import SCHEMA_HEAD
from app.services.reference import UNIT_KIND_LABELS
from app.ui.pages.base import Page


class SettingsPage(Page):
    """Shows the database location, schema version and this PC's unit."""

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
        if database.backup_path:
            form.addRow(self.tr("升级前备份："), QLabel(str(database.backup_path)))
        self.layout_.addLayout(form)
        self.layout_.addStretch(1)
