"""Every button on every page, clicked as a clerk clicks it, on the county's PC, on a
department's and on a judicial office's: no exception, no logged error, and every dialog it
opens fits 1366×768.

Dialogs opened by a button are checked and then cancelled; message boxes are answered "yes";
files are saved into a temporary folder. The feature tests check what each button does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QAbstractItemView, QDialog, QPushButton

from app.services.attachments import store_for
from app.services.backup.archive import write_backup
from app.services.backup.container import MasterKey
from app.ui.main_window import SECTIONS
from app.ui.operations import running_tasks
from tests.conftest import TEMPLATE_KEY, open_unlocked
from tests.helpers import assert_fits_screen, open_page
from tests.seed import seed_everything

# Buttons no scenario here can enable, and why.
NEVER_ENABLED: dict[tuple[str, str], str] = {
    ("ledger", "answer_button"): "needs the county's doubt from a package: test_verification.py",
}

# Dialogs no page button opens, and the test that checks they fit.
OPENED_ELSEWHERE = {
    "SetupWizard": "test_the_first_run_wizard_fits (below)",
    "FormDialog": "a base class",
    "GuardedDialog": "a base class",
    "UnitChoiceDialog": "a base class (ReminderUnitDialog, ScoreSheetUnitDialog are opened)",
    "TodayPanel": "shown when the window opens: test_reminders_ui.py (fits, not modal)",
    "LoginDialog": "before the window and at the idle lock: test_accounts_ui.py",
    "RecoveryDialog": "from the login dialog: test_accounts_ui.py",
    "RecoveryCodeDialog": "after a recovery: test_accounts_ui.py",
    "UserDialog": "from 用户管理: test_accounts_ui.py",
    "_AccountDialog": "a base class",
    "FirstAdminDialog": "设置 on a database without users: test_accounts_ui.py",
    "AnswerDialog": "after the county's doubt arrives: test_verification.py",
    "ExplainDialog": "核查's 标记已说明…: test_evidence_check_ui.py",
    "RaiseDialog": "核查's 提出整改…: test_evidence_check_ui.py",
}


@pytest.fixture(scope="module")
def clicked() -> dict[tuple[str, str], bool]:
    """(section, button) → clicked at least once, over every scenario of the module."""
    return {}


@pytest.fixture(scope="module")
def opened() -> set[str]:
    """The dialog classes the buttons opened, over every scenario of the module."""
    return set()


def _department_db(tmp_path: Path) -> Path:
    from app.services.setup import initialise

    path = tmp_path / "department.db"
    initialise(str(path), TEMPLATE_KEY, "法律援助中心").database.close()
    return path


def _click_row(qtbot, view: QAbstractItemView, row: int) -> None:
    index = view.model().index(row, 0)
    view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
    rect = view.visualRect(index)
    if rect.isValid():
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _enable_by_choosing_rows(qtbot, page, button: QPushButton) -> None:
    """Click the rows of the page's lists, a view at a time, until ``button`` is enabled."""
    for view in page.findChildren(QAbstractItemView):
        model = view.model()
        if not view.isVisible() or model is None:
            continue
        for row in range(min(model.rowCount(), 12)):
            if button.isEnabled():
                return
            _click_row(qtbot, view, row)


def _name(page, button: QPushButton) -> str:
    """The page attribute that holds the button (its text can change with the row)."""
    return next((k for k, v in vars(page).items() if v is button), button.text())


def _walk(
    qtbot,
    monkeypatch,
    dialogs,
    db_path: Path,
    tmp_path: Path,
    clicked,
    opened,
    year: int | None = None,
) -> None:
    def exec_dialog(dialog: QDialog) -> int:
        opened.add(type(dialog).__name__)
        assert_fits_screen(dialog)
        dialog.hide()
        return 0

    monkeypatch.setattr(QDialog, "exec", exec_dialog)
    monkeypatch.setattr(QPrintDialog, "exec", exec_dialog)
    dialogs.save_folder = tmp_path / "out"
    dialogs.save_folder.mkdir(exist_ok=True)
    window = open_page(qtbot, db_path, "home").window()
    if year is not None:  # an earlier year chosen in the banner: read-only, still printable
        chooser = window.year_chooser
        chooser.setFocus()
        while chooser.currentText() != f"{year}年度":
            qtbot.keyClick(chooser, Qt.Key.Key_Down)
        qtbot.waitUntil(lambda: window.context.programme_year == year)
        assert window.context.read_only and window.year_note.isVisible()
    for key, _title, _description in SECTIONS:
        page = window.open_section(key)
        buttons = [b for b in page.findChildren(QPushButton) if b.isVisibleTo(page)]
        for button in buttons:
            clicked.setdefault((key, _name(page, button)), False)
        for button in buttons:
            if not button.isVisible():
                continue
            _enable_by_choosing_rows(qtbot, page, button)
            if not button.isEnabled():
                continue
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: running_tasks() == 0, timeout=60000)
            clicked[(key, _name(page, button))] = True


def _ledger_workbook_with_a_bad_row(db_path: Path, tmp_path: Path) -> Path:
    """The import template with one row whose amount is not a number."""
    import openpyxl

    from app.reports.ledger_template import write_template

    database = open_unlocked(str(db_path))
    try:
        with database.session() as s:
            write_template(s, tmp_path / "模板.xlsx")
    finally:
        database.close()
    book = openpyxl.load_workbook(tmp_path / "模板.xlsx")
    for column, value in enumerate(
        ["2018-07-01", "办公室（政治处）", "拨付经费", None, 0, "很多"], 1
    ):
        book["经费保障"].cell(2, column, value)
    book.save(tmp_path / "台账导入.xlsx")
    return tmp_path / "台账导入.xlsx"


def test_every_button_on_the_countys_pc(
    qtbot, monkeypatch, dialogs, db_path, tmp_path, clicked, opened
):
    pending = seed_everything(db_path, tmp_path)
    assert pending is not None
    backup = tmp_path / "备份.bjbak"  # 设置's 恢复… shows what a real backup holds
    write_backup(db_path, store_for(db_path), backup, MasterKey.from_password("纸上的密码-2018"))
    workbook = _ledger_workbook_with_a_bad_row(db_path, tmp_path)
    # 工作台账's 导入 Excel… refuses the workbook (its error list saved); 导入数据包文件…
    # previews a real package
    dialogs.open_paths = [[workbook], [pending], [backup]]
    _walk(qtbot, monkeypatch, dialogs, db_path, tmp_path, clicked, opened)
    assert (tmp_path / "out" / "台账导入-错误清单.xlsx").is_file()
    # 设置's 审计日志… opened its dialog over the seed's lines (it fits: checked in exec_dialog)
    assert clicked[("settings", "audit_button")] and "AuditLogDialog" in opened


def test_every_button_on_a_departments_pc(qtbot, monkeypatch, dialogs, tmp_path, clicked, opened):
    db_path = _department_db(tmp_path)
    seed_everything(db_path, tmp_path)
    _walk(qtbot, monkeypatch, dialogs, db_path, tmp_path, clicked, opened)


def test_every_button_on_an_offices_pc(qtbot, monkeypatch, dialogs, tmp_path, clicked, opened):
    """A township judicial office's PC: its own pages, and 结对部门评价… on 考核与通报."""
    from app.services.setup import initialise

    db_path = tmp_path / "office.db"
    initialise(str(db_path), TEMPLATE_KEY, "海口司法所").database.close()
    _walk(qtbot, monkeypatch, dialogs, db_path, tmp_path, clicked, opened)
    assert clicked[("assessment", "结对部门评价…")] and "PeerRatingDialog" in opened


def test_every_button_viewing_an_earlier_year(
    qtbot, monkeypatch, dialogs, db_path, tmp_path, clicked, opened
):
    from app.services.programme import new_programme

    seed_everything(db_path, tmp_path)

    database = open_unlocked(str(db_path))
    with database.session() as s:
        new_programme(s, year=2019, copy_from_year=2018)
    database.close()
    _walk(qtbot, monkeypatch, dialogs, db_path, tmp_path, clicked, opened, year=2018)


def test_the_banners_switch_user_button(qtbot, monkeypatch, dialogs, db_path, clicked, opened):
    """退出登录/切换用户… in the banner of a logged-in window: the login dialog (fits) asks for
    the next user; 退出程序 (the dialog cancelled) closes the window."""
    from app.services.accounts import authenticate
    from tests.conftest import TEST_PASSWORD, TEST_USER

    def exec_dialog(dialog: QDialog) -> int:
        opened.add(type(dialog).__name__)
        assert_fits_screen(dialog)
        dialog.hide()
        return 0

    monkeypatch.setattr(QDialog, "exec", exec_dialog)
    window = open_page(qtbot, db_path, "home").window()
    with window.database.session() as s:
        window.database.actor = authenticate(s, TEST_USER, TEST_PASSWORD)
    window.reload("home")
    assert window.switch_user_button.isVisible()
    qtbot.mouseClick(window.switch_user_button, Qt.MouseButton.LeftButton)
    clicked[("banner", "switch_user_button")] = True
    assert "LoginDialog" in opened and not window.isVisible()


def test_the_first_run_wizard_fits(qtbot, dialogs, tmp_path):
    """Every page of the wizard fits; the 管理员 and recovery-code pages' buttons are clicked
    (their behaviour: test_wizard_admin.py)."""
    from PySide6.QtWidgets import QWizard

    from app.ui.setup_wizard import SetupWizard
    from tests.helpers import finish_wizard_admin

    wizard = SetupWizard(str(tmp_path / "new.db"))
    qtbot.addWidget(wizard)
    assert_fits_screen(wizard)
    wizard.template_page.buttons[TEMPLATE_KEY].setChecked(True)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert_fits_screen(wizard)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton)
    assert_fits_screen(wizard)  # 设立管理员
    dialogs.save_paths.append(tmp_path / "恢复码单.pdf")
    original = wizard.recovery_page.initializePage

    def then_save() -> None:  # 保存恢复码单 on the recovery-code page, once it is shown
        original()
        assert_fits_screen(wizard)
        qtbot.mouseClick(wizard.recovery_page.save_button, Qt.MouseButton.LeftButton)

    wizard.recovery_page.initializePage = then_save
    finish_wizard_admin(qtbot, wizard)
    assert (tmp_path / "恢复码单.pdf").is_file()
    wizard.database.close()


@pytest.mark.sqlite_only(reason="sums up the GUI tests, which do not run on the server")
def test_no_button_was_left_unclicked(clicked):
    never = sorted(k for k, done in clicked.items() if not done and k not in NEVER_ENABLED)
    assert not never, f"buttons never enabled in any scenario: {never}"


@pytest.mark.sqlite_only(reason="sums up the GUI tests, which do not run on the server")
def test_every_dialog_was_opened_and_fits(opened):
    import importlib
    import inspect
    import pkgutil

    import app.ui

    dialogs = set()
    for info in pkgutil.walk_packages(app.ui.__path__, "app.ui."):
        module = importlib.import_module(info.name)
        dialogs |= {name for name, obj in vars(module).items()
                    if inspect.isclass(obj) and issubclass(obj, QDialog)
                    and obj.__module__ == info.name}  # fmt: skip
    missing = sorted(dialogs - opened - set(OPENED_ELSEWHERE))
    assert not missing, f"dialogs no button opened (so not checked to fit): {missing}"
