"""First-run wizard: which programme to start from, and which unit this PC belongs to."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
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
from app.services.setup import initialise
from app.services.templates import TemplateInfo, available_templates, read_template

BLANK = ""


class TemplatePage(QWizardPage):
    """Choose a built-in programme template, or start blank."""

    def __init__(self, templates: list[TemplateInfo]) -> None:
        super().__init__()
        self.setTitle(self.tr("选择实施方案"))
        self.setSubTitle(
            self.tr(
                "选择本机从哪个方案开始。内置模板已录入方案中的单位、挂钩结对、职责和量化指标。"
            )
        )
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        self.buttons: dict[str, QRadioButton] = {}
        for info in templates:
            button = QRadioButton(self.tr("内置模板：%1").replace("%1", info.name))
            self.buttons[info.key] = button
        blank = QRadioButton(self.tr("空白（不预置数据，稍后由县矫正办发来参考数据）"))
        self.buttons[BLANK] = blank
        for button in self.buttons.values():
            self.group.addButton(button)
            layout.addWidget(button)
        layout.addStretch(1)
        next(iter(self.buttons.values())).setChecked(True)

    def template_key(self) -> str:
        """The chosen template's key, or BLANK."""
        return next(key for key, button in self.buttons.items() if button.isChecked())


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
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def initializePage(self) -> None:
        key = self._wizard.template_page.template_key()
        self.error.clear()
        if key == BLANK:
            self.stack.setCurrentIndex(1)
            return
        self.stack.setCurrentIndex(0)
        info = next(t for t in self._wizard.templates if t.key == key)
        self.unit_combo.clear()
        for unit in read_template(info)["units"]:
            kind = UNIT_KIND_LABELS[UnitKind(unit["kind"])]
            label = unit["name"] if unit["name"] == kind else f"{unit['name']}（{kind}）"
            self.unit_combo.addItem(label, unit["name"])
        index = self.unit_combo.findData("县矫正办")
        self.unit_combo.setCurrentIndex(max(index, 0))

    def validatePage(self) -> bool:
        return self._wizard.finish_setup()


class SetupWizard(QWizard):
    """Creates and fills the database; ``database`` holds it once accepted."""

    def __init__(self, db: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.database: Database | None = None
        self.setWindowTitle(self.tr("大帮教工作台 — 首次使用设置"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setMinimumSize(640, 420)
        self.templates = available_templates()
        self.template_page = TemplatePage(self.templates)
        self.unit_page = UnitPage(self)
        self.addPage(self.template_page)
        self.addPage(self.unit_page)

    def finish_setup(self) -> bool:
        """Create the database from the choices; show the problem and stay on failure."""
        key = self.template_page.template_key()
        page = self.unit_page
        try:
            if key == BLANK:
                result = initialise(
                    self.db, None, page.blank_name.text(), page.blank_kind.currentData()
                )
            else:
                result = initialise(self.db, key, page.unit_combo.currentData() or "")
        except UserError as exc:
            page.error.setText(str(exc))
            return False
        self.database = result.database
        return True
