"""Account-related UI and guards (issue 16, second pass): what each role sees disabled and why,
logging out, the default role of a new user, the audit log's permission, clicked as a clerk
clicks them."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.services import accounts
from app.ui.dialogs.account_dialogs import UserDialog
from tests.helpers import assert_fits_screen, open_page

SHOTS = os.environ.get("BANGJIAO_SHOTS", "")


def _ok(qtbot, dialog) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _shot(widget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / name))


def test_a_new_user_is_a_filler_by_default_and_each_role_says_what_it_may_do(
    qtbot, gui_app, database, shipped_roles
):
    add = UserDialog(database)
    qtbot.addWidget(add)
    assert_fits_screen(add)
    assert add.role.currentText() == "填报员"  # the least-privileged writing role, not 管理员
    described = accounts.roles()["填报员"].description
    assert described and described in add.role_description.text()
    _shot(add, "ui16-add-user.png")
    add.role.setCurrentText("负责人")
    assert accounts.roles()["负责人"].description in add.role_description.text()
    tips = [add.role.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(add.role.count())]
    assert tips == [role.description for role in accounts.roles().values()]
    add.role.setCurrentText("填报员")
    add.name.setText("zhang")
    add.password.setText("clerk-pass-1")
    add.repeat.setText("clerk-pass-1")
    _ok(qtbot, add)  # 确定 without touching the role: a 填报员
    with database.session() as s:
        assert accounts.find_user(s, "zhang").role == "填报员"


def test_the_idle_lock_box_is_as_wide_as_its_text(qtbot, gui_app, db_path):
    page = open_page(qtbot, db_path, "settings")
    page.window().resize(1366, 768)
    qtbot.wait(10)
    assert page.idle.width() < 200 < page.width() / 3
    _shot(page.window(), "ui16-settings.png")
