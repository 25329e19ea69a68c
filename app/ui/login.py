"""Logging in before the main window, and the idle lock.

A database with users asks for 用户名 and 密码 once it is open, before the window shows any
of its data: 首页's fast-start snapshot is not painted for such a database (the window says
正在打开数据库… behind the login), so no figures appear before a login. Like the command
line, BANGJIAO_USER / BANGJIAO_PASSWORD log in without the dialog when both are set and right
(scripts, the installer's smoke test); otherwise the dialog asks.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from app.services.database import Database

USER_VARIABLE = "BANGJIAO_USER"
PASSWORD_VARIABLE = "BANGJIAO_PASSWORD"


def environment_login() -> bool:
    """Whether both login variables are set (then the window tries them first)."""
    return bool(os.environ.get(USER_VARIABLE) and os.environ.get(PASSWORD_VARIABLE))


def file_has_users(path: Path) -> bool:
    """Whether the database file has accounts (read with sqlite3: the fast-start path must
    not import SQLAlchemy). Unreadable or without the table: False."""
    if not path.is_file():
        return False
    try:
        connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=0.5)
    except sqlite3.Error:
        return False
    try:
        row = connection.execute("SELECT COUNT(*) FROM users WHERE active").fetchone()
        return bool(row and row[0])
    except sqlite3.Error:
        return False
    finally:
        connection.close()


def log_in(database: Database, parent: QWidget | None) -> bool:
    """Set ``database.actor`` when the database has users: from the environment variables
    when they are right, else through the login dialog. A database without users asks for
    its first 管理员 (unless the variables are set). False when the clerk gave up."""
    from app.services import accounts
    from app.services.errors import UserError
    from app.services.settings import local_unit

    if database.actor is not None:  # logged in already (the first-run wizard's 管理员)
        return True
    with database.session() as session:
        users = accounts.has_users(session)
        unit = local_unit(session)
        unit_name = unit.name if unit is not None else ""
    if not users:
        # from before accounts (or the wizard was left before its 管理员): a clerk must set up
        # the first 管理员 now, which encrypts the data; scripts with the login variables go
        # on as before (``init`` sets up the 管理员 for them)
        return environment_login() or _first_admin(database, parent, unit_name)
    if environment_login():
        try:
            with database.session() as session:
                database.actor = accounts.authenticate(
                    session, os.environ[USER_VARIABLE], os.environ[PASSWORD_VARIABLE]
                )
            return True
        except UserError:
            pass
    from app.ui.dialogs.account_dialogs import LoginDialog

    dialog = LoginDialog(database, parent)
    if dialog.exec() and dialog.actor is not None:
        database.actor = dialog.actor
        return True
    return False


def _first_admin(database: Database, parent: QWidget | None, unit_name: str) -> bool:
    """设立第一位管理员 before the window shows any data; False when the clerk gave up."""
    from app.ui.dialogs.account_dialogs import FirstAdminDialog

    dialog = FirstAdminDialog(database, unit_name, parent, required=True)
    return bool(dialog.exec() and database.actor is not None)


class IdleLock(QObject):
    """Locks the window after the minutes without keyboard or mouse input set in 设置
    (``accounts.idle_minutes``): the window's pages are hidden and the password asked again;
    退出程序 there closes the window."""

    CHECK_MS = 15_000

    def __init__(self, window: QWidget, database: Database) -> None:
        super().__init__(window)
        self.window, self.database = window, database
        self.last_input = time.monotonic()
        self.locked = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(self.CHECK_MS)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    INPUT = frozenset(
        {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
         QEvent.Type.Wheel}
    )  # fmt: skip

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self.INPUT:
            self.last_input = time.monotonic()
        return False

    def minutes(self) -> int:
        """The idle time set in 设置 (0: never lock)."""
        from app.services.accounts import idle_minutes

        with self.database.session() as session:
            return idle_minutes(session)

    def check(self) -> None:
        """Lock when idle for longer than the setting (a closed window is not locked)."""
        if self.locked or self.database.actor is None or not self._window_shown():
            return
        from sqlalchemy.exc import SQLAlchemyError  # here: the snapshot path imports no database

        try:
            minutes = self.minutes()
        except SQLAlchemyError:  # a server out of reach: the status bar says so, no box
            return
        if minutes and time.monotonic() - self.last_input >= minutes * 60:
            self.lock()

    def lock(self) -> None:
        """Hide the window's contents and ask the current user's password again."""
        from app.ui.dialogs.account_dialogs import LoginDialog

        actor = self.database.actor
        if actor is None:
            return
        self.locked = True
        central = getattr(self.window, "centralWidget", lambda: None)()
        if central is not None:
            central.hide()
        dialog = LoginDialog(self.database, self.window, user_name=actor.user_name)
        try:
            if dialog.exec() and dialog.actor is not None:
                self.database.actor = dialog.actor
                if central is not None:
                    central.show()
                self.last_input = time.monotonic()
            elif self._window_shown():
                self.window.close()
        finally:
            self.locked = False

    def _window_shown(self) -> bool:
        """Whether the window still exists and is on screen (not closed or deleted)."""
        return shiboken6.isValid(self.window) and self.window.isVisible()
