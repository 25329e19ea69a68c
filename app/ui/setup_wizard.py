"""First-run wizard: join with the credential the county issued (a department's or judicial
office's PC), start from a programme template or blank and choose this PC's unit, or connect
to the unit's database server (set up already: log in; empty: set it up from a template as a
county does); then set up the first 管理员 and show the recovery code (to print or copy before
完成), and log that 管理员 in. The server chosen is remembered on this PC
(``services.server_config``): the next start opens it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.models import UnitKind
from app.services.database import Database
from app.services.errors import UserError
from app.services.reference import UNIT_KIND_LABELS
from app.services.server_config import (
    DEFAULT_PORT,
    ServerCheck,
    ServerSettings,
    ServerState,
    check_server,
    check_settings,
)
from app.services.setup import initialise
from app.services.templates import TemplateInfo, available_templates, read_template
from app.ui import messages
from app.ui.files import ask_open_path
from app.ui.operations import Operation, report_failure

BLANK = ""
START_PAGE, UNIT_PAGE, CREDENTIAL_PAGE, ADMIN_PAGE, RECOVERY_PAGE, SERVER_PAGE = range(6)


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet("color: #c0392b;")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class TemplatePage(QWizardPage):
    """How this PC starts: with the county's credential, from a built-in template, or blank."""

    def __init__(self, templates: list[TemplateInfo], offer_server: bool = True) -> None:
        super().__init__()
        self.setTitle(self.tr("开始使用"))
        self.setSubTitle(self.tr("这台电脑第一次使用大帮教工作台。请选择怎样开始："))
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        self.credential_choice = QRadioButton(self.tr("用县矫正办发放的接入凭证加入"))
        credential_hint = QLabel(
            self.tr(
                "各科室、司法所选这一项：县矫正办为本单位生成一个接入凭证文件（.cred），"
                "用 U 盘拷到本机。单位、实施方案和参考数据都按凭证建立，本机随即可与县矫正办交换数据。"
            )
        )
        credential_hint.setObjectName("hint")
        credential_hint.setWordWrap(True)
        credential_hint.setContentsMargins(24, 0, 0, 8)
        self.group.addButton(self.credential_choice)
        layout.addWidget(self.credential_choice)
        layout.addWidget(credential_hint)
        self.buttons: dict[str, QRadioButton] = {}
        for info in templates:
            button = QRadioButton(self.tr("内置模板：%1").replace("%1", info.name))
            self.buttons[info.key] = button
        blank = QRadioButton(self.tr("空白（不预置数据，稍后由县矫正办发来参考数据）"))
        self.buttons[BLANK] = blank
        template_hint = QLabel(
            self.tr("县矫正办首次使用时选内置模板，再选择本机所属单位。")
        )  # fmt: skip
        template_hint.setObjectName("hint")
        template_hint.setWordWrap(True)
        template_hint.setContentsMargins(24, 0, 0, 8)
        self.template_hint = template_hint
        for key, button in self.buttons.items():
            self.group.addButton(button)
            if key == BLANK:  # the hint belongs under the templates, not under 空白
                layout.addWidget(template_hint)
            layout.addWidget(button)
        self.server_choice = QRadioButton(self.tr("连接到单位的数据库服务器"))
        server_hint = QLabel(
            self.tr(
                "局机关各科室与县矫正办在同一栋楼、共用一台数据库服务器（PostgreSQL）时选这一项："
                "填写信息管理员给出的服务器地址、数据库名、用户名和密码。"
            )
        )
        server_hint.setObjectName("hint")
        server_hint.setWordWrap(True)
        server_hint.setContentsMargins(24, 0, 0, 8)
        self.group.addButton(self.server_choice)
        if offer_server:  # not when ``--db`` names the database already
            layout.addWidget(self.server_choice)
            layout.addWidget(server_hint)
        else:
            self.server_choice.hide()
        layout.addStretch(1)
        self.credential_choice.setChecked(True)

    def connecting(self) -> bool:
        """True when the clerk chose the unit's database server."""
        return self.server_choice.isChecked()

    def joining(self) -> bool:
        """True when the clerk chose to join with a credential."""
        return self.credential_choice.isChecked()

    def template_key(self) -> str:
        """The chosen template's key, or BLANK."""
        return next((key for key, button in self.buttons.items() if button.isChecked()), BLANK)

    def validatePage(self) -> bool:
        wizard = self.wizard()
        if isinstance(wizard, SetupWizard):
            wizard.start_over()  # back from the server page to a file: the file again
        return True

    def nextId(self) -> int:
        if self.connecting():
            return SERVER_PAGE
        return CREDENTIAL_PAGE if self.joining() else UNIT_PAGE


class UnitPage(QWizardPage):
    """Choose this PC's unit from the template, or name it when starting blank."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(self.tr("本机所属单位"))
        self.setSubTitle(self.tr("这台电脑由哪个单位使用？登记的台账、总结等都记在该单位名下。"))
        self.unit_combo = QComboBox()
        self.unit_combo.setMaxVisibleItems(20)
        self.blank_name = QLineEdit()
        self.blank_name.setPlaceholderText(self.tr("例如 县矫正办、法律援助中心、瓯南司法所"))
        self.blank_kind = QComboBox()
        for kind, label in UNIT_KIND_LABELS.items():
            self.blank_kind.addItem(label, kind)
        self.blank_kind.setCurrentIndex(self.blank_kind.findData(UnitKind.COUNTY_OFFICE))

        chooser = QWidget()
        chooser_form = QFormLayout(chooser)
        chooser_form.addRow(self.tr("单位："), self.unit_combo)
        namer = QWidget()
        namer_form = QFormLayout(namer)
        namer_form.addRow(self.tr("单位名称："), self.blank_name)
        namer_form.addRow(self.tr("单位类别："), self.blank_kind)
        self.stack = QStackedWidget()
        self.stack.addWidget(chooser)
        self.stack.addWidget(namer)
        self.error = _error_label()
        # the template's year is past by the PC's clock: propose the current year
        self.year_box = QWidget()
        year_layout = QVBoxLayout(self.year_box)
        year_layout.setContentsMargins(0, 8, 0, 0)
        self.year_intro = QLabel()
        self.year_intro.setWordWrap(True)
        self.new_year_choice = QRadioButton()
        self.new_year_detail = QLabel()
        self.new_year_detail.setObjectName("hint")
        self.new_year_detail.setWordWrap(True)
        self.new_year_detail.setContentsMargins(24, 0, 0, 4)
        self.template_year_choice = QRadioButton()
        self.year_hint = QLabel()
        self.year_hint.setObjectName("hint")
        self.year_hint.setWordWrap(True)
        self.year_group = QButtonGroup(self)
        for widget in (self.year_intro, self.new_year_choice, self.new_year_detail,
                       self.template_year_choice, self.year_hint):  # fmt: skip
            year_layout.addWidget(widget)
        self.year_group.addButton(self.new_year_choice)
        self.year_group.addButton(self.template_year_choice)
        self.year_box.hide()
        self.proposed: int | None = None
        self.unit_combo.currentIndexChanged.connect(lambda _i: self._unit_changed())
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        layout.addWidget(self.year_box)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def _offer_year(self, data: dict) -> None:
        """Propose the PC's current year when the template's is past (county office only)."""
        from app.services.programme import default_period
        from app.services.setup import proposed_year, template_year

        year, self.proposed = template_year(data), proposed_year(data, self._wizard.today)
        if self.proposed is None:
            self.year_box.hide()
            return
        start, end = default_period(self.proposed)
        period = (
            self.tr("，实施期为 %1 至 %2（整个日历年度，与“开始新年度”相同）")
            .replace("%1", start.isoformat())
            .replace("%2", end.isoformat())
        )
        self.year_intro.setText(
            self.tr("模板是 %1 年度的，按本机日期现在已是 %2 年。")
            .replace("%1", str(year)).replace("%2", str(self.proposed))
        )  # fmt: skip
        self.new_year_choice.setText(
            self.tr("建立 %1 年度的实施方案（推荐）").replace("%1", str(self.proposed))
        )
        self.new_year_detail.setText(
            self.tr("从模板的 %1 年度复制单位结对、职责、指标、阶段、责任状文本和考核方案%2。")
            .replace("%1", str(year)).replace("%2", period)
        )  # fmt: skip
        self.template_year_choice.setText(
            self.tr("保留模板的 %1 年度（例如补录当年的工作）").replace("%1", str(year))
        )
        self.year_hint.setText(
            self.tr("两种方式都保留模板年度的数据；实施期以后可在“设置 → 编辑年度…”中修改。")
        )
        self.new_year_choice.setChecked(True)
        self.year_box.show()
        self._unit_changed()

    def _unit_changed(self) -> None:
        """Only the county office starts a new year; other units keep the template's."""
        county = self.unit_combo.currentData() in self._county_units
        self.new_year_choice.setEnabled(county)
        if not county:
            self.template_year_choice.setChecked(True)

    def chosen_year(self) -> int | None:
        """The year to start (the proposal when chosen), else None (the template's)."""
        if self.proposed is None or not self.new_year_choice.isChecked():
            return None
        return self.proposed

    def initializePage(self) -> None:
        key = self._wizard.chosen_template()
        self.error.clear()
        self._county_units: set[str] = set()
        if key == BLANK:
            self.stack.setCurrentIndex(1)
            self.proposed = None
            self.year_box.hide()
            return
        self.stack.setCurrentIndex(0)
        info = next(t for t in self._wizard.templates if t.key == key)
        data = read_template(info)
        self._county_units = {u["name"] for u in data["units"]
                              if UnitKind(u["kind"]) == UnitKind.COUNTY_OFFICE}  # fmt: skip
        self.unit_combo.blockSignals(True)
        self.unit_combo.clear()
        for unit in data["units"]:
            kind = UNIT_KIND_LABELS[UnitKind(unit["kind"])]
            label = unit["name"] if unit["name"] == kind else f"{unit['name']}（{kind}）"
            self.unit_combo.addItem(label, unit["name"])
        index = self.unit_combo.findData("县矫正办")
        self.unit_combo.setCurrentIndex(max(index, 0))
        self.unit_combo.blockSignals(False)
        self._offer_year(data)

    def nextId(self) -> int:
        return ADMIN_PAGE

    def validatePage(self) -> bool:
        return self._wizard.finish_setup()


class CredentialPage(QWizardPage):
    """Choose the credential file the county made for this unit; see what it sets up."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.credential: dict[str, Any] | None = None
        self.setTitle(self.tr("用接入凭证加入"))
        self.setSubTitle(
            self.tr(
                "选择县矫正办发给本单位的接入凭证文件（.cred，一般用 U 盘拷来）。"
                "本机的单位、实施方案以及单位、职责、指标等参考数据都按凭证建立。"
            )
        )
        self.path_field = QLineEdit()
        self.path_field.setReadOnly(True)
        self.path_field.setPlaceholderText(self.tr("尚未选择文件"))
        self.choose_button = QPushButton(self.tr("选择凭证文件…"))
        row = QHBoxLayout()
        row.addWidget(self.path_field, 1)
        row.addWidget(self.choose_button)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.error = _error_label()
        hint = QLabel(
            self.tr(
                "没有接入凭证？请向县矫正办索取（县矫正办在“数据交换”页面为本单位生成）。"
                "县矫正办自己的电脑请点“上一步”，选择内置模板。"
            )
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.details)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(hint)
        self.choose_button.clicked.connect(lambda: self.choose())

    def choose(self) -> None:
        """Ask for the credential file and check it (a problem is shown on the page)."""
        chosen = ask_open_path(
            self, self.tr("选择接入凭证"), self.tr("接入凭证 (*.cred);;所有文件 (*)")
        )
        if chosen is None:
            return
        from app.sync.registration import credential_summary, read_credential

        path = Path(chosen)
        self.path_field.setText(str(path))
        self.credential = None
        self.details.clear()
        self.error.clear()

        def read() -> tuple[dict[str, Any], Any]:
            credential = read_credential(path)
            return credential, credential_summary(credential)

        ok, result = (
            Operation(self, self.tr("读取接入凭证"), read, changes=False)
            .failure(lambda error: show_problem(self, self.error, self.tr("读取接入凭证"), error))
            .run()
        )
        if ok and result is not None:
            self.credential, summary = result
            self.details.setText(
                self.tr(
                    "本机单位：%1\n发放单位：%2\n实施方案：%3\n凭证生成日期：%4\n\n"
                    "点“完成”，本机按凭证建立数据库并接入%2。"
                )
                .replace("%1", summary.unit_name)
                .replace("%2", summary.issuer_name)
                .replace("%3", summary.programme)
                .replace("%4", summary.created or "–")
            )
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.credential is not None

    def nextId(self) -> int:
        return ADMIN_PAGE

    def validatePage(self) -> bool:
        return self._wizard.finish_join()


class ServerPage(QWizardPage):
    """连接到单位的数据库服务器: 主机, 端口, 数据库名, 用户名, 密码 and 测试连接. A database set
    up already: 完成 opens it (the login follows); an empty one: choose the template, then the
    unit, and it is set up on the server as a county's first PC does."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.result: ServerCheck | None = None
        self.settings: ServerSettings | None = None
        self.setTitle(self.tr("连接到单位的数据库服务器"))
        self.setSubTitle(
            self.tr("填写信息管理员给出的数据库服务器信息，点“测试连接”。本机以后每次打开程序都连接这台服务器。")
        )  # fmt: skip
        self.host = QLineEdit()
        self.host.setPlaceholderText(self.tr("服务器的计算机名或 IP 地址，例如 192.168.1.10"))
        self.port = QLineEdit(str(DEFAULT_PORT))
        self.port.setMaxLength(5)
        self.port.setMaximumWidth(self.port.fontMetrics().horizontalAdvance("000000") * 2)
        self.database_name = QLineEdit()
        self.database_name.setPlaceholderText(self.tr("例如 bangjiao"))
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("主机："), self.host)
        form.addRow(self.tr("端口："), self.port)
        form.addRow(self.tr("数据库名："), self.database_name)
        form.addRow(self.tr("用户名："), self.user)
        form.addRow(self.tr("密码："), self.password)
        self.test_button = QPushButton(self.tr("测试连接"))
        self.test_button.clicked.connect(lambda: self.test())
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setObjectName("server_outcome")
        self.outcome.setStyleSheet("color: #1e7b34;")  # a success: green, as 首页's pace
        self.error = _error_label()
        self.template_box = QWidget()
        template_form = QFormLayout(self.template_box)
        template_form.setContentsMargins(0, 0, 0, 0)
        self.template_combo = QComboBox()
        for info in wizard.templates:
            self.template_combo.addItem(info.name, info.key)
        self.template_combo.addItem(self.tr("空白（不预置数据）"), BLANK)
        template_form.addRow(self.tr("按方案模板建立："), self.template_combo)
        self.template_box.hide()
        hint = QLabel(
            self.tr(
                "密码保存在本机当前用户的私有文件中（只有本人能读），不会出现在日志和窗口中。"
                "各人的数据仍凭自己在本程序中的用户名和密码登录后才能看到。"
            )
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.outcome)
        layout.addWidget(self.error)
        layout.addWidget(self.template_box)
        layout.addStretch(1)
        layout.addWidget(hint)
        for field in (self.host, self.port, self.database_name, self.user, self.password):
            field.textEdited.connect(lambda _text: self._changed())

    def _changed(self) -> None:
        """A field changed: the last test no longer holds."""
        if self.result is None and not self.error.text():
            return
        self.result = None
        self.settings = None
        self.outcome.clear()
        self.error.clear()
        self.template_box.hide()
        self.setFinalPage(False)
        self.completeChanged.emit()

    def test(self) -> None:
        """测试连接: connect once and say what is there (a problem in Chinese on the page)."""
        self.result, self.settings = None, None
        self.outcome.clear()
        self.error.clear()
        self.template_box.hide()
        title = self.tr("测试连接")

        def work() -> tuple[ServerSettings, ServerCheck]:
            settings = check_settings(
                self.host.text(), self.port.text(), self.database_name.text(),
                self.user.text(), self.password.text(),
            )  # fmt: skip
            return settings, check_server(settings)

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            ok, found = (
                Operation(self, title, work, changes=False)
                .failure(lambda error: show_problem(self, self.error, title, error))
                .run()
            )
        finally:
            QApplication.restoreOverrideCursor()
        if ok and found is not None:
            self.settings, self.result = found
            if self.result.state is ServerState.READY:
                text = self.tr(
                    "连接成功。服务器上的数据库已经建立（本库单位：%1）。点“完成”后登录。"
                )
                text = text.replace("%1", self.result.unit_name or self.tr("未设置"))
                if self.result.upgrade:
                    text += self.tr("数据库由较早版本建立，打开时将升级。")
            else:
                text = self.tr(
                    "连接成功。服务器上的数据库是空的：选择方案模板，点“下一步”选择本机所属单位，"
                    "在服务器上建立数据库（县矫正办首次使用时这样做）。"
                )
                self.template_box.show()
            self.outcome.setText(text)
        self.setFinalPage(self.ready())  # 完成 for a database set up, 下一步 for an empty one
        self.completeChanged.emit()
        self._wizard.button(QWizard.WizardButton.NextButton).setFocus()

    def isComplete(self) -> bool:
        return self.result is not None

    def ready(self) -> bool:
        """Whether the tested database is set up already (完成), not empty (下一步)."""
        return self.result is not None and self.result.state is ServerState.READY

    def nextId(self) -> int:
        return -1 if self.ready() else UNIT_PAGE

    def validatePage(self) -> bool:
        return self._wizard.finish_server()


def _commits(page: QWizardPage, text: str) -> None:
    """``page`` creates something when left: no way back, its button says what it does."""
    page.setCommitPage(True)
    page.setButtonText(QWizard.WizardButton.CommitButton, text)


class AdminPage(QWizardPage):
    """The first 管理员 of this PC: 用户名, 显示名 and the password twice."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(self.tr("设立管理员"))
        self.setSubTitle(
            self.tr("本机的第一位用户是管理员：管理用户、设置和备份。以后每次打开程序都要登录；"
                    "管理员可在“设置 → 用户管理”中为同事添加用户。")
        )  # fmt: skip
        self.name = QLineEdit()
        self.name.setMaxLength(50)
        self.name.setPlaceholderText(self.tr("登录时输入，例如 wangfang"))
        self.display = QLineEdit()
        self.display.setMaxLength(50)
        self.display.setPlaceholderText(self.tr("显示在窗口和审计日志中，例如 王芳"))
        self.password = QLineEdit()
        self.repeat = QLineEdit()
        for field in (self.password, self.repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setMaxLength(128)
        form = QFormLayout()
        form.addRow(self.tr("用户名："), self.name)
        form.addRow(self.tr("显示名："), self.display)
        form.addRow(self.tr("密码："), self.password)
        form.addRow(self.tr("再输一次："), self.repeat)
        hint = QLabel(self.tr("密码至少 8 位。请记住密码；忘记时可凭下一步显示的恢复码重设。"))
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        self.error = _error_label()
        for field in (self.name, self.password, self.repeat):  # a refusal goes once retyped
            field.textEdited.connect(lambda _text: self.error.clear())
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addStretch(1)
        _commits(self, self.tr("设立管理员 >"))

    def nextId(self) -> int:
        return RECOVERY_PAGE

    def validatePage(self) -> bool:
        return self._wizard.create_admin()


class RecoveryPage(QWizardPage):
    """The recovery code, shown once: save or print its sheet, or copy it by hand, and say so
    before 完成."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(self.tr("恢复码"))
        self.setSubTitle(
            self.tr("所有密码都忘记时，只有凭恢复码才能重设管理员密码。请打印恢复码单或抄写下来，"
                    "存放在单位保险柜。恢复码只显示这一次。")
        )  # fmt: skip
        from PySide6.QtGui import QFont

        self.code = QLabel()
        font = QFont(self.code.font())
        font.setPointSize(font.pointSize() + 8)
        font.setBold(True)
        self.code.setFont(font)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save_button = QPushButton(self.tr("保存恢复码单（PDF，打印用）…"))
        self.save_button.clicked.connect(lambda: self.save_sheet())
        self.saved = QLabel()
        self.saved.setObjectName("hint")
        self.saved.setWordWrap(True)
        self.confirmed = QCheckBox(self.tr("我已打印或抄写恢复码"))
        self.confirmed.toggled.connect(lambda _checked: self.completeChanged.emit())
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.code)
        layout.addLayout(row)
        layout.addWidget(self.saved)
        layout.addStretch(1)
        layout.addWidget(self.confirmed)

    def initializePage(self) -> None:
        self.code.setText(self._wizard.recovery_code)
        self._wizard.setOption(QWizard.WizardOption.NoCancelButton, True)  # the admin exists

    def save_sheet(self) -> None:
        """Save the recovery-code sheet as a PDF (as 设置's 设立第一位管理员 does)."""
        from app.ui.dialogs.account_dialogs import save_recovery_sheet

        wizard = self._wizard
        path = save_recovery_sheet(self, wizard.recovery_code, wizard.admin_name, wizard.unit_name)
        if path is not None:
            self.saved.setText(self.tr("恢复码单已保存到：%1。请打印后存放在单位保险柜。")
                               .replace("%1", str(path)))  # fmt: skip

    def isComplete(self) -> bool:
        return self.confirmed.isChecked()

    def nextId(self) -> int:
        return -1


def show_problem(page: QWidget, label: QLabel, title: str, error: BaseException) -> None:
    """A refusal about the page's choices appears on the page; anything else goes to the one
    error policy."""
    if isinstance(error, UserError):
        label.setText(messages.error_text(error))
    else:
        report_failure(page, title, error)


class SetupWizard(QWizard):
    """Creates and fills the database; ``database`` holds it once accepted."""

    def __init__(self, db: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.given_db = db  # ``--db``, or None: the file in the user data folder
        self.database: Database | None = None
        self.today = date.today()  # the PC's clock: whether the template's year is past
        self.setWindowTitle(self.tr("大帮教工作台 — 首次使用设置"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setMinimumSize(640, 460)
        self.templates = available_templates()
        self.template_page = TemplatePage(self.templates, offer_server=db is None)
        self.server_page = ServerPage(self)
        self.server: ServerSettings | None = None  # the server chosen, remembered once used
        self.unit_page = UnitPage(self)
        self.credential_page = CredentialPage(self)
        self.admin_page = AdminPage(self)
        self.recovery_page = RecoveryPage(self)
        for page in (self.unit_page, self.credential_page):
            _commits(page, self.tr("建立数据库 >"))
        self.setPage(START_PAGE, self.template_page)
        self.setPage(UNIT_PAGE, self.unit_page)
        self.setPage(CREDENTIAL_PAGE, self.credential_page)
        self.setPage(ADMIN_PAGE, self.admin_page)
        self.setPage(RECOVERY_PAGE, self.recovery_page)
        self.setPage(SERVER_PAGE, self.server_page)
        self.setStartId(START_PAGE)
        self.recovery_code = ""
        self.admin_name = ""
        self.unit_name = ""

    def create_admin(self) -> bool:
        """Create the first 管理员 from the admin page (refusals in Chinese on the page, nothing
        created), keep the recovery code for the next page and log the 管理员 in."""
        from app.services import accounts
        from app.services.errors import ValidationError
        from app.services.settings import local_unit

        page = self.admin_page
        page.error.clear()
        database = self.database
        if database is None:
            return False
        name, password = page.name.text().strip(), page.password.text()
        problem = ""
        if not name:
            problem = self.tr("请填写用户名。")
        elif password != page.repeat.text():
            problem = self.tr("两次输入的密码不一致。")
        else:
            try:
                accounts.check_password(password)
            except ValidationError as exc:
                problem = str(exc)
        if problem:
            page.error.setText(problem)
            return False
        display = page.display.text()

        def work(session: Any) -> tuple[str, str]:
            _user, code = accounts.create_first_admin(session, name, password, display)
            unit = local_unit(session)
            return code, unit.name if unit is not None else ""

        title = self.tr("设立管理员")
        ok, result = (
            Operation(self, title, work, database=database)
            .failure(lambda error: show_problem(page, page.error, title, error))
            .run()
        )
        if not ok or result is None:
            return False
        self.recovery_code, self.unit_name = result
        self.admin_name = name
        with database.session() as session:  # the wizard logs the new 管理员 in
            database.actor = accounts.authenticate(session, name, password)
        page.password.clear()
        page.repeat.clear()
        return True

    def reject(self) -> None:
        """Cancel: not once the 管理员 exists and the recovery code is not yet confirmed."""
        if self.currentId() == RECOVERY_PAGE and not self.recovery_page.confirmed.isChecked():
            return
        super().reject()

    def _create(self, title: str, work, page: UnitPage | CredentialPage) -> bool:
        page.error.clear()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            ok, result = (
                Operation(self, title, work, changes=False)
                .failure(lambda error: show_problem(page, page.error, title, error))
                .run()
            )
        finally:
            QApplication.restoreOverrideCursor()
        if ok and result is not None:
            self.database = result.database
            self._remember_server()
        return ok

    def start_over(self) -> None:
        """The start page is left: no server chosen yet (one is chosen on its own page)."""
        self.db, self.server = self.given_db, None

    def chosen_template(self) -> str:
        """The template to set up from: the server page's choice for an empty server
        database, else the start page's (BLANK for 空白)."""
        if self.template_page.connecting():
            return str(self.server_page.template_combo.currentData() or BLANK)
        return self.template_page.template_key()

    def _remember_server(self) -> None:
        """The server's database is in use now: the next start opens it."""
        if self.server is None:
            return
        from app.services.server_config import remember

        try:
            remember(self.server)
        except OSError as error:
            report_failure(self, self.tr("保存数据库服务器设置"), error)

    def finish_server(self) -> bool:
        """Leaving the server page: a database set up already is opened (the login follows
        the wizard), an empty one is set up on the unit page that comes next."""
        page = self.server_page
        settings = page.settings
        if settings is None or page.result is None:
            return False
        self.server = settings
        self.db = settings.url()  # the password in memory only; remembered in a private file
        if not page.ready():
            return True
        from app.services.database import open_database

        url = self.db
        title = self.tr("连接到单位的数据库服务器")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            ok, database = (
                Operation(self, title, lambda: open_database(url), changes=False)
                .failure(lambda error: show_problem(page, page.error, title, error))
                .run()
            )
        finally:
            QApplication.restoreOverrideCursor()
        if not ok or database is None:
            return False
        self.database = database
        self._remember_server()
        return True

    def finish_setup(self) -> bool:
        """Create the database from the template (or blank) and unit chosen; on failure show
        the problem and stay."""
        key = self.chosen_template()
        page = self.unit_page
        if key == BLANK:
            name, kind = page.blank_name.text(), page.blank_kind.currentData()
            return self._create(
                self.tr("建立数据库"), lambda: initialise(self.db, None, name, kind), page
            )
        unit = page.unit_combo.currentData() or ""
        year = page.chosen_year()
        return self._create(
            self.tr("建立数据库"), lambda: initialise(self.db, key, unit, year=year), page
        )

    def finish_join(self) -> bool:
        """Create the database from the chosen credential, as ``init --credential`` does, and
        say what comes next; on failure show the problem and stay."""
        from app.sync.registration import initialise_from_credential

        page = self.credential_page
        credential = page.credential
        if credential is None:
            return False
        if not self._create(
            self.tr("用接入凭证加入"),
            lambda: initialise_from_credential(self.db, credential),
            page,
        ):
            return False
        issuer = credential["county"]["unit_name"]
        messages.inform(
            self,
            self.tr("已加入"),
            self.tr(
                "本机已设为“%1”使用，并已接入%2。\n"
                "下一步：在“数据交换”页面导出第一个数据包，用 U 盘交给%2导入，%2就登记了本机。"
            )
            .replace("%1", credential["unit"]["unit_name"])
            .replace("%2", issuer),
        )
        return True
