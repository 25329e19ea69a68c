"""The first-run wizard sets up the first 管理员 (issue 16): 用户名, 显示名, the password twice,
refused in Chinese on the page; then the recovery code with its sheet to save or print and
"我已打印或抄写恢复码" required before 完成; the wizard logs that 管理员 in."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWizard

from app.services import accounts, audit
from app.ui.setup_wizard import ADMIN_PAGE, RECOVERY_PAGE, SetupWizard
from tests.helpers import assert_fits_screen

SHOTS = os.environ.get("BANGJIAO_SHOTS", "")


def _shot(widget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / name))


def _click(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _to_admin_page(qtbot, tmp_path: Path) -> SetupWizard:
    wizard = SetupWizard(str(tmp_path / "new.db"))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.template_page.buttons["qingtian-2018"].setChecked(True)
    _click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    assert commit.text() == "建立数据库 >"
    _click(qtbot, commit)
    assert wizard.currentId() == ADMIN_PAGE and wizard.database is not None
    return wizard


def _users(wizard: SetupWizard) -> list[str]:
    with wizard.database.session() as s:
        return [u.name for u in accounts.list_users(s)]


def test_the_wizard_sets_up_the_first_admin_shows_the_code_and_logs_in(qtbot, dialogs, tmp_path):
    wizard = _to_admin_page(qtbot, tmp_path)
    assert_fits_screen(wizard)
    page = wizard.admin_page
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    assert commit.text() == "设立管理员 >"
    assert (
        not wizard.button(QWizard.WizardButton.BackButton).isVisible()
        or not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    )  # the database exists: no way back
    for name, password, repeat, problem in (
        ("", "office-pass-1", "office-pass-1", "请填写用户名。"),
        ("wangfang", "office-pass-1", "office-pass-2", "两次输入的密码不一致。"),
        ("wangfang", "short", "short", "密码至少 8 位。"),
    ):
        page.name.setText(name)
        page.password.setText(password)
        page.repeat.setText(repeat)
        _click(qtbot, commit)
        assert page.error.text() == problem and wizard.currentId() == ADMIN_PAGE
        assert _users(wizard) == []  # nothing created
    page.name.setText("wangfang")
    page.display.setText("王芳")
    page.password.clear()
    page.repeat.clear()
    qtbot.keyClicks(page.password, "office-pass-1")
    assert page.error.text() == ""  # the refusal goes once the clerk retypes
    qtbot.keyClicks(page.repeat, "office-pass-1")
    _shot(wizard, "ui16-wizard-admin.png")
    _click(qtbot, commit)
    assert wizard.currentId() == RECOVERY_PAGE, page.error.text()
    assert page.password.text() == ""  # not kept in the widget
    recovery = wizard.recovery_page
    code = recovery.code.text()
    assert len(code.replace("-", "")) >= 16
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()
    assert not wizard.button(QWizard.WizardButton.CancelButton).isVisible()
    wizard.reject()  # Esc or the title bar's ✕: the admin exists, the code not yet kept
    assert wizard.isVisible() and wizard.currentId() == RECOVERY_PAGE
    sheet = tmp_path / "恢复码单.pdf"
    dialogs.save_paths.append(sheet)
    _click(qtbot, recovery.save_button)
    assert sheet.read_bytes().startswith(b"%PDF") and str(sheet) in recovery.saved.text()
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(str(sheet)).pages)
    assert code in text and "wangfang" in text
    assert_fits_screen(wizard)
    _shot(wizard, "ui16-wizard-recovery.png")
    box = recovery.confirmed
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.text() == "我已打印或抄写恢复码" and finish.isEnabled()
    _click(qtbot, finish)
    assert wizard.result() == QWizard.DialogCode.Accepted
    database = wizard.database
    assert database.actor is not None and database.actor.user_name == "wangfang"
    assert database.actor.role == "管理员" and database.actor.display_name == "王芳"
    with database.session() as s:
        lines = audit.list_lines(s, audit.AuditFilter(limit=1))
        assert lines[0].kind == "login" and lines[0].user_name == "wangfang"
    with database.session() as s:  # the code shown works
        accounts.recover_with_code(s, code, "wangfang", "new-office-pw-1")
    from app.ui.login import log_in

    assert log_in(database, None)  # already logged in: no dialog
    database.close()
