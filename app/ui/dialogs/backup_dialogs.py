"""设置's backup dialogs: setting the 备份密码, and 恢复… (what the chosen backup holds, then
confirming)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import UserError
from app.ui import messages
from app.ui.dialogs.guarded import GuardedDialog

WARNING_STYLE = "color: #b3261e; font-weight: bold;"


def grow_to_fit(dialog: QWidget) -> None:
    """Make ``dialog`` tall enough for what its layout now holds (a message just shown):
    Qt keeps a shown window's height and squeezes the fields instead."""
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    width = dialog.width()
    needed = (
        layout.totalHeightForWidth(width)
        if layout.hasHeightForWidth()
        else layout.totalSizeHint().height()
    )
    if dialog.height() < needed:
        dialog.resize(width, needed)


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMinimumWidth(260)
    return field


class BackupPasswordDialog(GuardedDialog):
    """设置备份密码: typed twice, with the warning to keep it on paper apart from the backup
    disk. ``save(password, repeated)`` stores it; a refusal is shown here and the dialog stays
    open."""

    def __init__(
        self, save: Callable[[str, str], Any], has_password: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._save = save
        self.setWindowTitle(self.tr("设置备份密码"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "备份文件含矫正对象的个人信息，会用这个密码加密；自动备份和“立即备份”都用它，"
                "恢复备份时要输入它。"
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        warning = QLabel(
            self.tr(
                "请把备份密码写在纸上，锁在柜子里，与备份用的 U 盘或移动硬盘分开存放。"
                "忘记密码，备份就无法恢复，任何人（包括技术人员）都无法找回。"
            )
        )
        warning.setWordWrap(True)
        warning.setStyleSheet(WARNING_STYLE)
        layout.addWidget(warning)
        if has_password:
            note = QLabel(
                self.tr(
                    "已设置过备份密码。新密码只用于今后的备份；以前的备份仍要用原来的密码恢复。"
                )
            )
            note.setObjectName("hint")
            note.setWordWrap(True)
            layout.addWidget(note)
        form = QFormLayout()
        self.password = _password_field()
        self.repeated = _password_field()
        form.addRow(self.tr("备份密码（至少 8 个字符）："), self.password)
        form.addRow(self.tr("再输入一次："), self.repeated)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet(WARNING_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.ok_button = QPushButton(self.tr("保存密码"))
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(lambda: self._accept())
        self.cancel_button = QPushButton(self.tr("取消"))
        self.cancel_button.clicked.connect(lambda: self.reject())
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.ok_button)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.setMinimumWidth(520)

    def _accept(self) -> None:
        try:
            self._save(self.password.text(), self.repeated.text())
        except UserError as exc:
            self.error.setText(str(exc))
            self.error.show()
            grow_to_fit(self)
            return
        self.mark_unchanged()
        self.accept()


class RestoreDialog(GuardedDialog):
    """恢复备份: the backup file, its password, then what it holds (unit, date, counts);
    恢复 is enabled once it was read, and asks once more before the dialog accepts.
    ``read(password)`` returns the backup's manifest or raises a Chinese refusal."""

    def __init__(
        self, path: Path, read: Callable[[str], Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._read = read
        self.manifest: Any = None
        self.setWindowTitle(self.tr("从备份恢复"))
        layout = QVBoxLayout(self)
        name = QLabel(self.tr("备份文件：%1").replace("%1", str(path)))
        name.setWordWrap(True)
        layout.addWidget(name)
        form = QFormLayout()
        self.password = _password_field()
        self.read_button = QPushButton(self.tr("读取备份内容"))
        self.read_button.clicked.connect(lambda: self.read_backup())
        row = QHBoxLayout()
        row.addWidget(self.password, 1)
        row.addWidget(self.read_button)
        form.addRow(self.tr("备份密码："), row)
        layout.addLayout(form)
        self.summary = QLabel(self.tr("请输入制作这个备份时用的备份密码，再点“读取备份内容”。"))
        self.summary.setWordWrap(True)
        self.summary.setMinimumHeight(140)
        layout.addWidget(self.summary)
        warning = QLabel(
            self.tr(
                "恢复会用备份中的数据替换本机现在的全部数据（照片只增不减）。恢复前，程序先把现在的"
                "数据备份到数据库所在文件夹的“恢复前备份”中。备份之后才发放接入凭证的单位，"
                "恢复后要重新发放凭证、重新接入。"
            )
        )
        warning.setWordWrap(True)
        warning.setStyleSheet(WARNING_STYLE)
        layout.addWidget(warning)
        self.ok_button = QPushButton(self.tr("恢复"))
        self.ok_button.setEnabled(False)
        self.ok_button.clicked.connect(lambda: self._accept())
        self.cancel_button = QPushButton(self.tr("取消"))
        self.cancel_button.clicked.connect(lambda: self.reject())
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.setMinimumWidth(600)

    def has_changes(self) -> bool:
        """Nothing typed here is lost by closing it (only a password)."""
        return False

    def read_backup(self) -> bool:
        """Open the backup with the password typed and show what it holds."""
        try:
            self.manifest = self._read(self.password.text())
        except UserError as exc:
            self.manifest = None
            self.summary.setText(str(exc))
            self.summary.setStyleSheet(WARNING_STYLE)
            self.ok_button.setEnabled(False)
            return False
        self.summary.setStyleSheet("")
        self.summary.setText("\n".join(self.manifest.summary()))
        self.ok_button.setEnabled(True)
        return True

    def password_text(self) -> str:
        """The password the backup was read with."""
        return self.password.text()

    def _accept(self) -> None:
        if self.manifest is None:
            return
        made = self.manifest.created.replace("T", " ")[:16]
        if not messages.confirm(
            self,
            self.tr("从备份恢复"),
            self.tr("用 %1 的备份替换本机现在的全部数据？现在的数据会先备份。")
            .replace("%1", made),
        ):  # fmt: skip
            return
        self.mark_unchanged()
        self.accept()
