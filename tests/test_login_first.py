"""A database with users shows the login dialog first, at once (before the database layer is
imported), and the main window only after someone has logged in: nothing of the data, not
even the window, behind the login (issue 16). 登录 clicked while the database still opens
logs in once it is open; 退出程序 ends the program without a window."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from app.ui import application
from tests.conftest import TEST_PASSWORD, TEST_USER

SHOTS = os.environ.get("BANGJIAO_SHOTS", "")


def _ok(qtbot, dialog) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _no_variables(monkeypatch) -> None:
    monkeypatch.delenv("BANGJIAO_USER")
    monkeypatch.delenv("BANGJIAO_PASSWORD")


def test_the_login_comes_first_and_the_window_after_it(qtbot, gui_app, db_path, monkeypatch):
    _no_variables(monkeypatch)
    assert application._login_first(str(db_path))
    window = application.login_before_window()
    qtbot.addWidget(window)
    dialog = window.early_login
    assert dialog is not None and dialog.isVisible() and not window.isVisible()
    assert dialog.opening.isVisible() and not dialog.forgot.isEnabled()  # 正在打开数据库……
    application.open_in_background(window, str(db_path))
    qtbot.waitUntil(lambda: not window.loading_database, timeout=20000)
    assert not window.isVisible() and window.database is None  # still nothing behind it
    assert dialog.forgot.isEnabled() and dialog.opening.text() == ""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(Path(SHOTS) / "ui16-login-first.png"))
    dialog.name.setText(TEST_USER)
    dialog.password.setText("wrong-password")
    _ok(qtbot, dialog)
    assert "用户名或密码不正确" in dialog.error.text() and not window.isVisible()
    dialog.password.setText(TEST_PASSWORD)
    _ok(qtbot, dialog)
    qtbot.waitUntil(window.isVisible)
    assert window.database is not None and window.database.actor is not None
    assert window.database.actor.user_name == TEST_USER
    assert window.user_label.text().startswith("当前用户：")
    assert QApplication.instance().quitOnLastWindowClosed()
    window.close()


def test_login_clicked_while_the_database_opens_is_done_once_it_is_open(
    qtbot, gui_app, db_path, monkeypatch
):
    import threading

    _no_variables(monkeypatch)
    release = threading.Event()
    real = application._load_database
    monkeypatch.setattr(application, "_load_database", lambda db: release.wait(30) and real(db))
    window = application.login_before_window()
    qtbot.addWidget(window)
    dialog = window.early_login
    application.open_in_background(window, str(db_path))
    dialog.name.setText(TEST_USER)
    dialog.password.setText(TEST_PASSWORD)
    _ok(qtbot, dialog)  # before the database is open
    assert dialog.waiting and "打开后自动登录" in dialog.opening.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    release.set()
    qtbot.waitUntil(window.isVisible, timeout=20000)
    assert window.database.actor is not None and window.database.actor.user_name == TEST_USER
    window.close()


def test_leaving_at_the_login_ends_the_program_without_a_window(
    qtbot, gui_app, db_path, monkeypatch
):
    _no_variables(monkeypatch)
    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: quits.append(True)))
    window = application.login_before_window()
    qtbot.addWidget(window)
    dialog = window.early_login
    application.open_in_background(window, str(db_path))
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )  # 退出程序, perhaps before the database is open
    assert quits and not dialog.isVisible()
    qtbot.waitUntil(lambda: not window.loading_database, timeout=20000)
    assert not window.isVisible() and window.database is None  # what opened was closed again
    QApplication.instance().setQuitOnLastWindowClosed(True)


def test_the_login_dialog_path_imports_no_database_layer(db_path):
    """The dialog is shown before SQLAlchemy is imported (the fast start, as 首页's snapshot)."""
    import subprocess

    code = (
        "import sys\n"
        "from app.ui.application import create_application, login_before_window\n"
        "app = create_application([])\n"
        "window = login_before_window()\n"
        "assert window.early_login.isVisible() and not window.isVisible()\n"
        "print('sqlalchemy' in sys.modules)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env,
        cwd=Path(__file__).resolve().parent.parent, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
