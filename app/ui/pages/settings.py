"""设置: where the data lives, which unit this PC is, how many days ahead to remind, backups
(folder, 备份密码, last result, 立即备份, 恢复…) and (at the county office) 开始新年度."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.models import SCHEMA_HEAD, UnitKind
from app.paths import program_version
from app.services.reference import UNIT_KIND_LABELS
from app.ui.pages.base import Page, button_row, section_label


class SettingsPage(Page):
    """Shows the database location, schema version and this PC's unit; sets N, the days before
    a deadline from which an item is shown as due soon (amber)."""

    title = "设置"
    follows_viewed_year = False  # settings of the PC, whatever year is shown

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        form = QFormLayout()
        from app.services.database import describe_database

        location = describe_database(database.url)  # never the server's password
        self.location_label = QLabel(location)
        self.location_label.setWordWrap(True)
        kind = UNIT_KIND_LABELS.get(context.local_unit_kind) if context.local_unit_kind else ""
        form.addRow(self.tr("数据库位置："), self.location_label)
        version = QLabel(program_version())
        version.setToolTip(
            self.tr("数据库格式 %1（技术支持人员排查问题时用）").replace("%1", SCHEMA_HEAD)
        )
        form.addRow(self.tr("软件版本："), version)
        unit = context.local_unit_name or ""
        shown = (
            unit if not kind or kind in unit else f"{unit}（{kind}）"
        )  # not 县矫正办（县矫正办）
        form.addRow(self.tr("本机所属单位："), QLabel(shown))
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
        self.due_soon.setMaximumWidth(self.due_soon.fontMetrics().horizontalAdvance("0000 天") * 2)
        form.addRow(self.tr("到期前提醒："), self.due_soon)
        self.forbid_unless("settings.manage", self.due_soon)  # disabled, saying why
        if database.backup_path:
            form.addRow(self.tr("升级前备份："), QLabel(str(database.backup_path)))
        self.layout_.addLayout(form)
        self._add_accounts_section()
        self._add_backup_section()
        self._add_audit_section()
        self.new_year_button: QPushButton | None = None
        self.edit_year_button: QPushButton | None = None
        if context.local_unit_kind == UnitKind.COUNTY_OFFICE:
            self.new_year_button = QPushButton(self.tr("开始新年度…"))
            self.new_year_button.setToolTip(
                self.tr("从某年度复制职责、指标、阶段等，建立新年度的实施方案。")
            )
            self.new_year_button.clicked.connect(lambda: self.start_new_year())
            self.edit_year_button = QPushButton(self.tr("编辑年度…"))
            self.edit_year_button.setToolTip(
                self.tr("修改所查看年度的标题、文号、实施期和考核期，随数据包发给各单位。")
            )
            self.edit_year_button.clicked.connect(lambda: self.edit_year())
            self.forbid_unless("reference.edit", self.new_year_button, self.edit_year_button)
            self.layout_.addWidget(section_label(self.tr("年度")))
            row = QHBoxLayout()
            row.addWidget(self.new_year_button)
            row.addWidget(self.edit_year_button)
            row.addStretch(1)
            self.layout_.addLayout(row)
        self.layout_.addStretch(1)

    def _add_audit_section(self) -> None:
        self.layout_.addWidget(section_label(self.tr("审计日志")))
        self.audit_button = QPushButton(self.tr("审计日志…"))
        self.audit_button.setToolTip(
            self.tr("查看谁在何时新建、修改、删除、提交、印发、导入、导出、备份了什么（不含个人信息），"
                    "按用户、日期和操作筛选，核对完整性，导出 Excel。")
        )  # fmt: skip
        self.audit_button.clicked.connect(lambda: self.show_audit_log())
        self.forbid_unless("audit.read", self.audit_button)
        self.layout_.addLayout(button_row(self.audit_button))

    def show_audit_log(self) -> None:
        """Open the 审计日志 dialog."""
        from app.ui.dialogs.audit_dialog import open_audit_log

        open_audit_log(self.database, self)

    def _add_accounts_section(self) -> None:
        """用户与安全: 修改密码, 用户管理 (管理员), the idle lock's minutes."""
        from app.services import accounts

        self.layout_.addWidget(section_label(self.tr("用户与安全")))
        actor = self.database.actor
        with self.database.session() as session:
            minutes = accounts.idle_minutes(session)
            manage = accounts.may(session, "users.manage")
        who = (
            self.tr("当前用户：%1（%2）")
            .replace("%1", actor.display_name)
            .replace("%2", actor.role)
            if actor is not None
            else self.tr("本机未登录（尚未设立用户时无需登录）")
        )
        self.password_change_button = QPushButton(self.tr("修改密码…"))
        self.password_change_button.clicked.connect(lambda: self.change_password())
        self.users_button = QPushButton(self.tr("用户管理…"))
        self.users_button.clicked.connect(lambda: self.manage_users())
        self.users_button.setVisible(manage)
        with self.database.session() as session:
            no_users = not accounts.has_users(session)
        self.first_admin_button = QPushButton(self.tr("设立第一位管理员…"))
        self.first_admin_button.clicked.connect(lambda: self.set_up_first_admin())
        self.first_admin_button.setVisible(no_users)
        row = QHBoxLayout()
        row.addWidget(QLabel(who))
        row.addWidget(self.first_admin_button)
        row.addWidget(self.password_change_button)
        row.addWidget(self.users_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.idle = QSpinBox()
        self.idle.setRange(0, 240)
        self.idle.setSuffix(self.tr(" 分钟"))
        self.idle.setSpecialValueText(self.tr("不锁定"))
        self.idle.setValue(minutes)
        self.idle.setToolTip(self.tr("这么久没有操作键盘鼠标，窗口自动锁定，需重新输入密码。"))
        self.forbid_unless("settings.manage", self.idle)
        self.idle.valueChanged.connect(lambda value: self.save_idle_minutes(value))
        # as wide as its text, not the page (like 到期前提醒)
        self.idle.setMaximumWidth(self.idle.fontMetrics().horizontalAdvance("240 分钟") * 2)
        form = QFormLayout()
        form.addRow(self.tr("自动锁定："), self.idle)
        self.layout_.addLayout(form)

    def change_password(self) -> None:
        """修改密码 of the logged-in user."""
        from app.ui import messages
        from app.ui.dialogs.account_dialogs import ChangePasswordDialog

        if ChangePasswordDialog(self.database, self).exec():
            messages.inform(self, self.tr("修改密码"), self.tr("密码已修改，下次登录请用新密码。"))

    def set_up_first_admin(self) -> None:
        """设立第一位管理员 (a database without users), then show the recovery code."""
        from app.ui.dialogs.account_dialogs import FirstAdminDialog

        unit = self.context.local_unit_name or ""
        if FirstAdminDialog(self.database, unit, self).exec():
            self.first_admin_button.hide()

    def manage_users(self) -> None:
        """用户管理 (管理员)."""
        from app.ui.dialogs.account_dialogs import UsersDialog

        UsersDialog(self.database, self).exec()

    def save_idle_minutes(self, minutes: int) -> None:
        """Store the idle lock's minutes."""
        from app.services.accounts import set_idle_minutes

        self.attempt(lambda session: set_idle_minutes(session, minutes), self.tr("未能保存"))

    def _add_backup_section(self) -> None:
        self.layout_.addWidget(section_label(self.tr("数据备份")))
        from app.services.database import is_server_url

        self.on_server = is_server_url(self.database.url)
        if self.on_server:  # nothing of this PC's file backups applies
            note = QLabel(
                self.tr(
                    "本机使用单位的数据库服务器：数据由服务器管理员在服务器上备份（pg_dump），"
                    "本机不做自动备份，也不从备份文件恢复。需要恢复时请联系服务器管理员"
                    "（pg_restore）。"
                )
            )
            note.setObjectName("server_backup_note")
            note.setWordWrap(True)
            self.layout_.addWidget(note)
            return
        form = QFormLayout()
        self.backup_folder_label = QLabel()  # one line: the button stays beside the path
        self.folder_button = QPushButton(self.tr("选择文件夹…"))
        self.folder_button.setToolTip(
            self.tr("自动备份存放的文件夹：最好是另一块硬盘或 U 盘，不要和数据库在同一块硬盘上。")
        )
        self.folder_button.clicked.connect(lambda: self.choose_backup_folder())
        row = QHBoxLayout()
        row.addWidget(self.backup_folder_label)
        row.addWidget(self.folder_button)
        row.addStretch(1)
        form.addRow(self.tr("备份文件夹："), row)
        self.backup_password_label = QLabel()
        self.password_button = QPushButton(self.tr("设置备份密码…"))
        self.password_button.clicked.connect(lambda: self.set_backup_password())
        row = QHBoxLayout()
        row.addWidget(self.backup_password_label)
        row.addWidget(self.password_button)
        row.addStretch(1)
        form.addRow(self.tr("备份密码："), row)
        self.backup_last_label = QLabel()
        self.backup_last_label.setWordWrap(True)
        form.addRow(self.tr("上次成功备份："), self.backup_last_label)
        self.backup_result_label = QLabel()
        self.backup_result_label.setWordWrap(True)
        form.addRow(self.tr("最近一次结果："), self.backup_result_label)
        self.layout_.addLayout(form)
        self.backup_now_button = QPushButton(self.tr("立即备份"))
        self.backup_now_button.setToolTip(
            self.tr("把数据库、照片、数据交换状态和本机密钥加密备份到备份文件夹，写完后核对。")
        )
        self.backup_now_button.clicked.connect(lambda: self.backup_now())
        self.restore_button = QPushButton(self.tr("恢复…"))
        self.restore_button.setToolTip(
            self.tr(
                "从备份文件恢复：先显示备份的单位、时间和记录数，确认后先备份现在的数据再恢复。"
            )
        )
        self.restore_button.clicked.connect(lambda: self.restore_backup())
        self.layout_.addLayout(button_row(self.backup_now_button, self.restore_button))
        note = QLabel(
            self.tr(
                "每天第一次打开程序时自动备份一次；当天的备份全部保留，此前保留最近 7 天每天一份、4 周每周一份、"
                "12 个月每月一份。备份文件加密，恢复时要输入备份密码。"
            )
        )
        note.setObjectName("hint")
        note.setWordWrap(True)
        self.layout_.addWidget(note)
        self.refresh_backup()

    def refresh_backup(self) -> None:
        """Show the backup folder, whether a 备份密码 is set and the last result."""
        from app.services.backup.schedule import status

        if self.on_server:
            return

        with self.database.session() as session:
            state = status(session)
        self.forbid_unless(
            "backup.run",
            self.folder_button, self.password_button, self.backup_now_button, self.restore_button,
        )  # fmt: skip
        if state.folder is None:
            folder = self.tr("未选择（请选择另一块硬盘或 U 盘上的文件夹）")
        elif not state.folder.is_dir():
            folder = self.tr("%1（现在无法访问：U 盘没有插好？）").replace("%1", str(state.folder))
        else:
            folder = str(state.folder)
        shown = folder if len(folder) <= 72 else folder[:30] + "…" + folder[-40:]
        self.backup_folder_label.setText(shown)  # a long path does not widen the window
        self.backup_folder_label.setToolTip(folder)
        self.backup_password_label.setText(
            self.tr("已设置") if state.has_password else self.tr("未设置（设置后才能备份）")
        )
        self.password_button.setText(
            self.tr("修改备份密码…") if state.has_password else self.tr("设置备份密码…")
        )
        self.backup_last_label.setText(
            f"{state.last_success:%Y-%m-%d %H:%M}" if state.last_success else self.tr("从未备份")
        )
        result = state.last_result or self.tr("—")
        if state.last_attempt is not None:
            result = f"{state.last_attempt:%Y-%m-%d %H:%M}　{result}"
        self.backup_result_label.setText(result)
        self.backup_result_label.setStyleSheet(
            "" if state.last_ok or state.last_attempt is None else "color: #b3261e;"
        )

    def refresh(self) -> None:
        """Reload the backup figures (another PC action may have run a backup)."""
        self.refresh_backup()

    def choose_backup_folder(self) -> None:
        """选择文件夹: where automatic backups go."""
        from app.services.backup.schedule import set_folder
        from app.ui.files import ask_folder

        folder = ask_folder(self, self.tr("选择备份文件夹（另一块硬盘或 U 盘）"))
        if folder is None:
            return
        database_file = self.database.file
        if database_file is not None and folder.resolve() == database_file.parent.resolve():
            from app.ui import messages

            messages.show_error(
                self,
                self.tr("选择备份文件夹"),
                self.tr("备份文件夹不能是数据库所在的文件夹：硬盘损坏时会一起丢失。请另选一个。"),
            )
            return
        if self.attempt(lambda s: set_folder(s, folder), self.tr("备份文件夹未保存")):
            self.refresh_backup()

    def set_backup_password(self) -> None:
        """设置备份密码…: the dialog with its warning; only the derived key is stored."""
        from app.services.backup.schedule import set_password, status
        from app.ui.dialogs.backup_dialogs import BackupPasswordDialog

        with self.database.session() as session:
            has_password = status(session).has_password
        dialog = BackupPasswordDialog(
            lambda password, repeated: self.save_from_dialog(
                self.tr("设置备份密码"), lambda s: set_password(s, password, repeated)
            ),
            has_password,
            self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh_backup()

    def backup_now(self) -> Any:
        """立即备份: in the background with a progress dialog; the result is shown here."""
        from app.ui import messages
        from app.ui.backup_runner import start_backup

        def after(result: Any) -> None:
            self.refresh_backup()
            if result is not None:
                messages.inform(
                    self,
                    self.tr("立即备份"),
                    self.tr("已备份并核对：%1").replace("%1", str(result.path)),
                )

        return start_backup(self, self.database, automatic=False, after=after)

    def restore_backup(self) -> Any:
        """恢复…: choose a backup file, see what it holds (after its password), confirm; the
        restore runs in the background, then every page is rebuilt on the restored data."""
        from app.services.accounts import may
        from app.services.backup.archive import read_manifest
        from app.services.backup.container import MasterKey, Secret
        from app.services.backup.restore import restore_backup
        from app.services.backup.schedule import stored_key
        from app.ui import messages
        from app.ui.dialogs.backup_dialogs import RestoreDialog
        from app.ui.files import ask_open_path
        from app.ui.operations import Operation

        with self.database.session() as session:
            allowed = may(session, "backup.run")  # a 查看 user never replaces the data
        if not allowed:
            messages.show_error(self, self.tr("恢复"), self.tr("当前用户的角色不能恢复备份。"))
            return None
        database_file = self.database.file
        if database_file is None:
            return None
        path = ask_open_path(self, self.tr("选择备份文件"), self.tr("大帮教备份 (*.bjbak)"))
        if path is None:
            return None
        with self.database.session() as session:
            stored = stored_key(session)
        dialog = RestoreDialog(path, lambda password: read_manifest(path, Secret(password)), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        password = dialog.password_text()
        database = self.database

        def work(report) -> Any:
            safety = stored or MasterKey.from_password(password)
            return restore_backup(path, database_file, Secret(password), safety, report=report)

        def done(result: Any) -> None:
            from app.ui import messages

            database.replaced()  # fresh connections; the restored file's users log in again
            text = self.tr("已从备份恢复（%1，%2）。").replace("%1", result.manifest.unit_name)
            text = text.replace("%2", result.manifest.created.replace("T", " ")[:16])
            if result.safety_copy is not None:
                text += self.tr("恢复前的数据已备份到：%1。").replace("%1", str(result.safety_copy))
            if result.upgraded:
                text += self.tr("备份来自较早版本的程序，已升级。")
            messages.inform(self, self.tr("从备份恢复"), text)
            window = self.window()
            from app.ui.login import log_in

            central = getattr(window, "centralWidget", lambda: None)()
            if central is not None:  # nothing of the old session shows behind the login
                central.hide()
            if not log_in(database, window):  # the restored data's users and passwords
                window.close()
                return
            if central is not None:
                central.show()
            if hasattr(window, "reload"):
                QTimer.singleShot(0, lambda: window.reload("settings"))

        operation = Operation(self, self.tr("从备份恢复"), work, changes=True).success(done)
        return operation.in_background(self.tr("正在恢复数据和照片……"))

    def save_due_soon_days(self, days: int) -> None:
        """Store N (see app.services.reminders)."""
        from app.services.reminders import set_due_soon_days

        self.attempt(lambda session: set_due_soon_days(session, days), self.tr("提醒天数未保存"))

    def start_new_year(self) -> None:
        """开始新年度: the dialog; on 保存 the new programme is made the current one."""
        from app.services.programme import list_programmes, new_programme
        from app.ui import messages
        from app.ui.dialogs.programme_dialog import NewYearDialog

        programmes = self.run(list_programmes, self.tr("开始新年度"))
        if programmes is None:
            return
        made: list[tuple[int, str]] = []

        def save(values: dict) -> None:
            def work(session) -> tuple[int, str]:
                programme = new_programme(session, **values)
                first, last = programme.period
                return programme.year, f"{first.isoformat()} 至 {last.isoformat()}"

            made.append(self.save_from_dialog(self.tr("开始新年度"), work))

        dialog = NewYearDialog(save, programmes, self)
        if dialog.exec() and made:
            year, period = made[-1]
            messages.inform(
                self,
                self.tr("开始新年度"),
                self.tr("已建立 %1 年度的实施方案（%2），并设为当前方案。"
                        "各页面现按新年度显示；原年度的数据不变。")
                .replace("%1", str(year)).replace("%2", period),
            )  # fmt: skip
            window = self.window()
            if hasattr(window, "reload"):  # after this slot returns: it rebuilds this page too
                QTimer.singleShot(0, lambda: window.reload("settings"))

    def edit_year(self) -> None:
        """编辑年度: the programme shown (the banner's year) in its dialog; on 保存 every page is
        rebuilt with the new period."""
        from app.services.programme import ProgrammeEdit, edit_programme, get_programme
        from app.ui import messages
        from app.ui.dialogs.programme_dialog import EditYearDialog

        programme_id = self.context.programme_id
        if programme_id is None:
            return
        detail = self.run(lambda s: get_programme(s, programme_id), self.tr("编辑年度"))
        if detail is None:
            return
        saved: list[bool] = []

        def save(values: dict) -> None:
            edit = ProgrammeEdit(**values)
            self.save_from_dialog(
                self.tr("编辑年度"), lambda s: edit_programme(s, programme_id, edit)
            )
            saved.append(True)

        dialog = EditYearDialog(save, detail, self)
        if dialog.exec() and saved:
            messages.inform(
                self,
                self.tr("编辑年度"),
                self.tr("已保存 %1 年度的实施方案。下次导出数据包时发给各单位。")
                .replace("%1", str(detail.year)),
            )  # fmt: skip
            window = self.window()
            if hasattr(window, "reload"):  # after this slot returns: it rebuilds this page too
                viewed = getattr(window, "viewed_programme_id", None)
                QTimer.singleShot(0, lambda: window.reload("settings", programme_id=viewed))
