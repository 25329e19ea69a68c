"""Login, the idle lock, the recovery code, 修改密码 and 用户管理 (accounts of this PC)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import UserError
from app.ui import messages

if TYPE_CHECKING:
    from types import ModuleType

    from app.services import accounts
    from app.services.database import Database


def _accounts() -> ModuleType:
    """app.services.accounts, imported on first use: the login dialog appears at start before
    the database layer (SQLAlchemy) is imported (see app.ui.application)."""
    from app.services import accounts

    return accounts


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(128)
    return field


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("errorLabel")
    label.setStyleSheet("color: #b3261e;")
    label.setWordWrap(True)
    label.hide()
    return label


def least_writing_role() -> str:
    """The role a new account gets by default: the one granting the fewest permissions beyond
    reading (填报员 in the shipped roles), else the first."""
    roles = _accounts().roles()
    reading = _accounts().READING_PERMISSIONS
    writing = [role for role in roles.values() if role.permissions - reading]
    if not writing:
        return next(iter(roles))
    return min(writing, key=lambda role: len(role.permissions)).name


def role_combo() -> QComboBox:
    """The roles in the file's order, each with its description as a tooltip."""
    combo = QComboBox()
    for role in _accounts().roles().values():
        combo.addItem(role.name)
        combo.setItemData(combo.count() - 1, role.description, Qt.ItemDataRole.ToolTipRole)
    return combo


class _AccountDialog(QDialog):
    """A small dialog whose 确定 runs a service in its own session; a refusal is shown in
    the dialog (nothing was written)."""

    def __init__(self, database: Database, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.form = QFormLayout()
        self.error = _error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.box = QVBoxLayout(self)
        self.box.addLayout(self.form)
        self.box.addWidget(self.error)
        self.box.addWidget(self.buttons)

    def ok_button(self) -> QPushButton:
        """The dialog's 确定 (renamed by subclasses)."""
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def _accept(self) -> None:
        self.error.hide()
        try:
            with self.database.session() as session:
                self.work(session)
        except UserError as exc:
            self.error.setText(str(exc))
            self.error.show()
            self.fit_contents()
            return
        self.accept()

    def fit_contents(self) -> None:
        """Grow to what the wrapped texts need at the dialog's width (an error line shown
        under the fields must not squeeze the intro above them), within the screen."""
        from app.ui.dialogs.guarded import screen_limit

        layout = self.layout()
        if layout is None:
            return
        width = self.width()
        needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
        needed = max(needed, layout.totalMinimumSize().height())
        _max_width, max_height = screen_limit(self)
        if needed > self.height():
            self.resize(width, min(needed, max_height))

    def work(self, session: Any) -> None:
        """What 确定 does (raises UserError to refuse)."""
        raise NotImplementedError


class LoginDialog(_AccountDialog):
    """用户名 and 密码 before the main window (or, with ``user_name``, to unlock it).

    At start the dialog appears before the database is open (``database`` None): the clerk
    types meanwhile, and 登录 clicked before it is open logs in as soon as
    :meth:`attach_database` brings it."""

    def __init__(
        self,
        database: Database | None,
        parent: QWidget | None = None,
        user_name: str | None = None,
    ) -> None:
        locking = user_name is not None
        title = "已锁定：请输入密码" if locking else "登录大帮教工作台"
        super().__init__(cast("Database", database), title, parent)
        self.opened = database is not None  # the database is open (else: attach_database)
        self.waiting = False  # 登录 was clicked before the database was open
        self.actor: accounts.Actor | None = None
        self.new_code = ""  # the recovery code when this login encrypted the database
        self.name = QLineEdit(user_name or "")
        self.name.setMaxLength(50)
        self.name.setReadOnly(locking)
        self.password = _password_field()
        self.form.addRow(self.tr("用户名"), self.name)
        self.form.addRow(self.tr("密码"), self.password)
        self.ok_button().setText(self.tr("登录"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出程序"))
        self.forgot = QPushButton(self.tr("忘记密码？用恢复码…"))
        self.forgot.setFlat(True)
        self.forgot.clicked.connect(lambda: self.recover())
        self.box.insertWidget(2, self.forgot, 0, Qt.AlignmentFlag.AlignLeft)
        self.opening = QLabel(self.tr("正在打开数据库……"))
        self.opening.setObjectName("hint")
        self.box.insertWidget(3, self.opening)
        self.opening.setVisible(not self.opened)
        self.forgot.setEnabled(self.opened)
        (self.password if locking else self.name).setFocus()

    def attach_database(self, database: Database) -> None:
        """The database is open: 忘记密码 works, and a 登录 already clicked is done now."""
        self.database, self.opened = database, True
        self.forgot.setEnabled(True)
        self.opening.setText("")  # kept (empty): the dialog does not change size under the clerk
        if self.waiting:
            self.waiting = False
            self.ok_button().setEnabled(True)
            self._accept()

    def work(self, session: Any) -> None:
        accounts = _accounts()
        self.actor = accounts.authenticate(session, self.name.text(), self.password.text())
        self.new_code = ""
        if self.actor.role == accounts.ADMIN and accounts.needs_encryption(session):
            # a database from before encryption: its 管理员's login encrypts it
            self.new_code = accounts.encrypt_with_admin(
                session, self.actor.user_id, self.password.text()
            )

    def _accept(self) -> None:
        if not self.opened:  # log in once the database is open
            self.waiting = True
            self.ok_button().setEnabled(False)
            self.opening.setText(self.tr("正在打开数据库，打开后自动登录……"))
            return
        super()._accept()
        self.password.clear()

    def accept(self) -> None:
        super().accept()
        if self.new_code:
            messages.inform(
                self,
                self.tr("本机数据已加密"),
                self.tr(
                    "本机数据是在加密功能之前保存的，现已为社区矫正对象的个人信息、照片和本机密钥"
                    "加密。原恢复码作废，请打印或抄写下一页显示的新恢复码。其他用户需由管理员"
                    "在“用户管理”中重设密码后才能登录。"
                ),
            )
            RecoveryCodeDialog(self.new_code, self.name.text().strip(), "", self).exec()

    def recover(self) -> None:
        """Open the recovery dialog; on success the new code is shown and 用户名 filled."""
        dialog = RecoveryDialog(self.database, self)
        if dialog.exec():
            self.name.setText(dialog.name.text().strip())
            self.password.setFocus()


class RecoveryDialog(_AccountDialog):
    """恢复码, a 管理员's user name and a new password: access again when all are forgotten."""

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(database, "用恢复码重设管理员密码", parent)
        self.code = QLineEdit()
        self.code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX")
        self.name = QLineEdit()
        self.password = _password_field()
        self.repeat = _password_field()
        note = QLabel(self.tr("恢复码在设立第一位管理员时打印，存放在单位保险柜。"))
        note.setWordWrap(True)
        self.form.addRow(note)
        self.form.addRow(self.tr("恢复码"), self.code)
        self.form.addRow(self.tr("管理员用户名"), self.name)
        self.form.addRow(self.tr("新密码"), self.password)
        self.form.addRow(self.tr("再输一次"), self.repeat)
        self.new_code = ""

    def work(self, session: Any) -> None:
        if self.password.text() != self.repeat.text():
            raise UserError("两次输入的新密码不一致。")
        self.new_code = _accounts().recover_with_code(
            session, self.code.text(), self.name.text(), self.password.text()
        )

    def accept(self) -> None:
        super().accept()
        RecoveryCodeDialog(self.new_code, self.name.text().strip(), "", self.parentWidget()).exec()


class RecoveryCodeDialog(QDialog):
    """The recovery code, shown once: to copy by hand or save as a sheet to print."""

    def __init__(
        self, code: str, admin_name: str, unit_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.code, self.admin_name, self.unit_name = code, admin_name, unit_name
        self.setWindowTitle(self.tr("恢复码（只显示这一次）"))
        text = QLabel(
            self.tr(
                "请把恢复码打印或抄写下来，存放在单位保险柜。所有密码都忘记时，"
                "凭它重设管理员密码；用过一次即换新码。关闭本窗口后不再显示。"
            )
        )
        text.setWordWrap(True)
        shown = QLabel(code)
        font = QFont(shown.font())
        font.setPointSize(font.pointSize() + 8)
        font.setBold(True)
        shown.setFont(font)
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        shown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.save = QPushButton(self.tr("保存恢复码单（PDF）…"))
        self.save.clicked.connect(lambda: self.save_sheet())
        close = QPushButton(self.tr("已妥善保存，关闭"))
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(self.save)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(shown)
        layout.addLayout(row)
        self.setMinimumWidth(520)
        self.saved_to: str | None = None

    def save_sheet(self) -> None:
        """Ask where, then write the recovery-code sheet as a PDF."""
        saved = save_recovery_sheet(self, self.code, self.admin_name, self.unit_name)
        if saved is not None:
            self.saved_to = str(saved)


def save_recovery_sheet(parent: QWidget, code: str, admin_name: str, unit_name: str) -> Path | None:
    """Ask where, write the recovery-code sheet (PDF, to print and keep in the office safe)
    and say where it went; None when cancelled or not written (the reason shown)."""
    from app.reports.recovery_sheet import recovery_sheet_pdf
    from app.services.errors import write_file
    from app.ui.files import ask_save_path

    title = QCoreApplication.translate("RecoveryCode", "保存恢复码单")
    path = ask_save_path(parent, title, "恢复码单.pdf", "PDF (*.pdf)", ".pdf")
    if path is None:
        return None
    try:
        write_file(
            path, recovery_sheet_pdf(unit_name, admin_name, code, date.today()), private=True
        )
    except UserError as exc:
        messages.show_error(
            parent, QCoreApplication.translate("RecoveryCode", "未能保存"), str(exc)
        )
        return None
    messages.inform(
        parent,
        QCoreApplication.translate("RecoveryCode", "已保存"),
        QCoreApplication.translate("RecoveryCode", "恢复码单已保存到：") + str(path),
    )
    return path


class FirstAdminDialog(_AccountDialog):
    """设立第一位管理员 on a database without users (one from before accounts, or set up
    before any): then the recovery code is shown once and the 管理员 is logged in."""

    def __init__(
        self,
        database: Database,
        unit_name: str,
        parent: QWidget | None = None,
        *,
        required: bool = False,
    ) -> None:
        super().__init__(database, "设立第一位管理员", parent)
        self.unit_name = unit_name
        text = self.tr("设立后，每次打开程序都要登录；管理员可在“用户管理”中为同事添加用户。")
        if required:  # at start, on a database from before accounts: no way round it
            text = self.tr(
                "本机还没有管理员。社区矫正对象的个人信息须加密保存、凭密码查看，"
                "请先设立第一位管理员：设立后本机已有的数据随即加密，每次打开程序都要登录。"
            )
            cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
            cancel.setText(self.tr("退出程序"))
        note = self.intro = QLabel(text)
        note.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setMaxLength(50)
        self.display = QLineEdit()
        self.display.setMaxLength(50)
        self.password = _password_field()
        self.repeat = _password_field()
        self.actor: accounts.Actor | None = None
        self.form.addRow(note)
        self.form.addRow(self.tr("用户名"), self.name)
        self.form.addRow(self.tr("姓名"), self.display)
        self.form.addRow(self.tr("密码"), self.password)
        self.form.addRow(self.tr("再输一次"), self.repeat)
        self.code = ""

    def work(self, session: Any) -> None:
        if self.password.text() != self.repeat.text():
            raise UserError("两次输入的密码不一致。")
        user, self.code = _accounts().create_first_admin(
            session, self.name.text(), self.password.text(), self.display.text()
        )
        self.actor = _accounts().actor_for(user)

    def accept(self) -> None:
        super().accept()
        self.database.actor = self.actor
        RecoveryCodeDialog(self.code, self.name.text().strip(), self.unit_name, self).exec()


class ChangePasswordDialog(_AccountDialog):
    """修改密码: the user's own, the old one asked again."""

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(database, "修改密码", parent)
        self.old = _password_field()
        self.new = _password_field()
        self.repeat = _password_field()
        self.form.addRow(self.tr("原密码"), self.old)
        self.form.addRow(self.tr("新密码"), self.new)
        self.form.addRow(self.tr("再输一次"), self.repeat)

    def work(self, session: Any) -> None:
        actor = self.database.actor
        if actor is None:
            raise UserError("本机尚未设立用户，无需密码。")
        if self.new.text() != self.repeat.text():
            raise UserError("两次输入的新密码不一致。")
        _accounts().change_password(session, actor.user_id, self.old.text(), self.new.text())


def unit_combo(database: Database) -> QComboBox:
    """The 所属单位 choices (本库单位 first, the default), each unit's uuid as its data."""
    combo = QComboBox()
    with database.session() as session:
        choices = _accounts().unit_choices(session)
    for label, unit_uuid in choices:
        combo.addItem(label, unit_uuid)
    combo.setToolTip(
        QCoreApplication.translate(
            "UsersDialog",
            "用户所属的单位。几个单位共用县里的服务器数据库时，科室的用户选本科室；"
            "单位自己电脑上的用户选“本库单位”。",
        )
    )
    return combo


class UserDialog(_AccountDialog):
    """添加用户 (name, display name, role, 所属单位, password) or 重设密码 (password only)."""

    def __init__(
        self, database: Database, parent: QWidget | None = None, reset_for: int | None = None
    ) -> None:
        super().__init__(database, "重设密码" if reset_for else "添加用户", parent)
        self.reset_for = reset_for
        self.name = QLineEdit()
        self.display = QLineEdit()
        self.display.setMaxLength(50)
        self.role = role_combo()
        self.role.setCurrentText(least_writing_role())  # never 管理员 by default
        self.role_description = QLabel()
        self.role_description.setObjectName("hint")
        self.role_description.setWordWrap(True)
        self.role.currentIndexChanged.connect(lambda _index: self._show_role_description())
        self._show_role_description()
        self.password = _password_field()
        self.repeat = _password_field()
        self.unit = unit_combo(database) if reset_for is None else QComboBox()
        if reset_for is None:
            self.form.addRow(self.tr("用户名"), self.name)
            self.form.addRow(self.tr("姓名"), self.display)
            self.form.addRow(self.tr("角色"), self.role)
            self.form.addRow("", self.role_description)
            self.form.addRow(self.tr("所属单位"), self.unit)
        self.form.addRow(self.tr("密码"), self.password)
        self.form.addRow(self.tr("再输一次"), self.repeat)

    def _show_role_description(self) -> None:
        role = _accounts().roles().get(self.role.currentText())
        self.role_description.setText(
            self.tr("可以：%1").replace("%1", role.description) if role and role.description else ""
        )

    def work(self, session: Any) -> None:
        if self.password.text() != self.repeat.text():
            raise UserError("两次输入的密码不一致。")
        if self.reset_for is not None:
            _accounts().reset_password(session, self.reset_for, self.password.text())
        else:
            _accounts().add_user(session, self.name.text(), self.password.text(),
                              self.role.currentText(), self.display.text(),
                              unit_uuid=self.unit.currentData())  # fmt: skip


class UsersDialog(QDialog):
    """用户管理 (管理员): the accounts with their roles and units; add, change a role or a
    unit, reset a password, deactivate or reactivate."""

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.setWindowTitle(self.tr("用户管理"))
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("用户名"),
                self.tr("姓名"),
                self.tr("角色"),
                self.tr("所属单位"),
                self.tr("状态"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.role = role_combo()
        self.add = QPushButton(self.tr("添加用户…"))
        self.set_role = QPushButton(self.tr("改为所选角色"))
        self.unit = unit_combo(database)
        self.set_unit = QPushButton(self.tr("改为所选单位"))
        self.set_unit.clicked.connect(lambda: self._change(self._set_unit))
        self.reset = QPushButton(self.tr("重设密码…"))
        self.toggle = QPushButton(self.tr("停用/启用"))
        self.add.clicked.connect(lambda: self._dialog(None))
        self.set_role.clicked.connect(lambda: self._change(self._set_role))
        self.reset.clicked.connect(lambda: self._reset())
        self.toggle.clicked.connect(lambda: self._change(self._toggle))
        self.error = _error_label()
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        for widget in (self.add, self.reset, self.toggle):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(close)
        change = QHBoxLayout()  # the role and the unit of the selected account
        for control in (self.role, self.set_role, self.unit, self.set_unit):
            change.addWidget(control)
        change.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.error)
        layout.addLayout(change)
        layout.addLayout(row)
        self.resize(820, 440)
        self.ids: list[int] = []
        self.refresh()

    def refresh(self) -> None:
        """Re-read the accounts."""
        with self.database.session() as session:
            accounts = _accounts()
            users = [(u.id, u.name, u.display_name, u.role, accounts.unit_label(session, u),
                      u.active) for u in accounts.list_users(session)]  # fmt: skip
        self.ids = [u[0] for u in users]
        self.table.setRowCount(len(users))
        for row, (_id, name, display, role, unit, active) in enumerate(users):
            state = self.tr("在用") if active else self.tr("已停用")
            for column, text in enumerate((name, display, role, unit, state)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if users and self.table.currentRow() < 0:
            self.table.selectRow(0)

    def selected(self) -> int | None:
        """The id of the selected account."""
        row = self.table.currentRow()
        return self.ids[row] if 0 <= row < len(self.ids) else None

    def _dialog(self, reset_for: int | None) -> None:
        if UserDialog(self.database, self, reset_for).exec():
            self.refresh()

    def _reset(self) -> None:
        user_id = self.selected()
        if user_id is not None:
            self._dialog(user_id)

    def _set_role(self, session: Any, user_id: int) -> None:
        _accounts().edit_user(session, user_id, role=self.role.currentText())

    def _set_unit(self, session: Any, user_id: int) -> None:
        _accounts().edit_user(session, user_id, unit_uuid=self.unit.currentData())

    def _toggle(self, session: Any, user_id: int) -> None:
        _accounts().toggle_active(session, user_id)

    def _change(self, work: Callable[[Any, int], None]) -> None:
        user_id = self.selected()
        if user_id is None:
            return
        self.error.hide()
        try:
            with self.database.session() as session:
                work(session, user_id)
        except UserError as exc:
            self.error.setText(str(exc))
            self.error.show()
        row = self.table.currentRow()
        self.refresh()
        self.table.selectRow(row)
