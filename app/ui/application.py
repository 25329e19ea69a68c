"""Start the desktop app: translations, fonts, first-run wizard, main window."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import (
    QLockFile,
    QMessageLogContext,
    QTimer,
    QtMsgType,
    QTranslator,
    qInstallMessageHandler,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app.paths import RESOURCES_DIR
from app.ui.i18n import choose_ui_font, install_translators
from app.ui.main_window import MainWindow
from app.ui.widgets.wheel import install_wheel_guard

if TYPE_CHECKING:
    from app.services.database import Database

STYLE_SHEET = RESOURCES_DIR / "style.qss"
WINDOW_ICON = RESOURCES_DIR / "icons" / "bangjiao-desk.png"
# Set (to anything) by the installed package's smoke test: once the main window has a database
# open, log it and quit, so a script can check that the window opens (tools/smoke_installed.py).
QUIT_AFTER_OPEN = "BANGJIAO_QUIT_AFTER_OPEN"
_translators: list[QTranslator] = []  # the installed translators, kept alive here


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with Chinese translations, a CJK font and the style sheet."""
    global _translators
    app = cast(QApplication | None, QApplication.instance()) or QApplication(
        argv if argv is not None else sys.argv
    )  # this program's Qt application is always a QApplication
    app.setApplicationName("大帮教工作台")
    app.setOrganizationName("BangjiaoDesk")
    app.setDesktopFileName("bangjiao-desk")  # the .deb's desktop entry: taskbars match the icon
    if WINDOW_ICON.exists():
        app.setWindowIcon(QIcon(str(WINDOW_ICON)))
    _translators = install_translators(app)  # keep them alive
    font = choose_ui_font()
    if font is not None:
        app.setFont(font)
    if STYLE_SHEET.exists():
        app.setStyleSheet(STYLE_SHEET.read_text(encoding="utf-8"))
    install_wheel_guard(app)
    return app


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    logging.getLogger("bangjiao.qt").log(
        _QT_LEVELS.get(kind, logging.WARNING),
        "%s (%s)",
        message,
        getattr(context, "category", None) or "qt",  # PySide6 6.9's stubs omit category
    )


def _show_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    """An exception that escaped a slot: logged (by app.logs' hook) and told to the clerk."""
    logging.getLogger("bangjiao.ui").error("未处理的程序错误", exc_info=(kind, value, tb))
    if QApplication.instance() is not None and not issubclass(kind, KeyboardInterrupt):
        from app.ui import messages

        messages.show_bug(QApplication.activeWindow(), QApplication.translate("app", "程序错误"))


def set_up_logging() -> Path:
    """Log to the rotating file, Qt's messages and uncaught exceptions included."""
    from app.logs import configure_logging

    path = configure_logging()
    qInstallMessageHandler(_qt_message)
    sys.excepthook = _show_uncaught
    logging.getLogger("bangjiao").info("启动 大帮教工作台")
    return path


def show_main_window(window: MainWindow) -> None:
    """Show the window whole on the screen: maximized on an office screen of 1366×768 or
    similar (so the taskbar hides nothing), else at a comfortable size in the middle."""
    screen = window.screen()
    available = screen.availableGeometry() if screen is not None else None
    if available is None or available.width() < 1500 or available.height() < 900:
        window.showMaximized()
        return
    window.resize(min(1400, available.width() - 80), min(860, available.height() - 80))
    window.move(available.center() - window.rect().center())
    window.show()


_database_lock: QLockFile | None = None


def lock_database(db: str | None) -> QLockFile | None:
    """Hold ``<database>.lock`` while this program runs; None when another program on this PC
    already holds it (a stale lock left by a crash is taken over)."""
    if db and "://" in db:
        return None
    from app.paths import default_database_path

    path = Path(db).expanduser().resolve() if db else default_database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = QLockFile(str(path) + ".lock")
    lock.setStaleLockTime(0)  # only a lock whose program is gone is stale
    if lock.tryLock(200):
        return lock
    return None


def _refuse_second_copy() -> None:
    QMessageBox.warning(
        None,
        QApplication.translate("app", "程序已在运行"),
        QApplication.translate(
            "app",
            "本机已经有一个大帮教工作台正在使用这个数据库。"
            "同时打开两个可能让一边的修改被另一边覆盖，所以这一个不再打开。"
            "请在任务栏中找到已经打开的窗口继续使用。",
        ),
    )


def _database_file_exists(db: str | None) -> bool:
    """Cheap check (no SQLAlchemy) whether the embedded database file is already there."""
    if db and "://" in db:
        return True  # a server database: let the open step decide
    from pathlib import Path

    from app.paths import default_database_path

    path = Path(db).expanduser() if db else default_database_path()
    return path.exists() and path.stat().st_size > 0


def _run_wizard(db: str | None) -> Database | None:
    from app.ui.setup_wizard import SetupWizard

    wizard = SetupWizard(db)
    if wizard.exec() and wizard.database is not None:
        return wizard.database
    return None


def _open_into(window: MainWindow, db: str | None) -> None:
    from app.services.database import open_database
    from app.services.errors import UserError
    from app.services.setup import needs_setup

    database: Database | None
    try:
        database = open_database(db)
    except UserError as exc:
        QMessageBox.critical(window, window.tr("无法打开数据库"), str(exc))
        window.close()
        return
    if needs_setup(database):
        database.close()
        database = _run_wizard(db)
        if database is None:
            window.close()
            return
    window.attach_database(database, remind=True)
    _quit_if_asked(window)


def _quit_if_asked(window: MainWindow) -> None:
    """With BANGJIAO_QUIT_AFTER_OPEN set, note the open window in the log and quit."""
    if os.environ.get(QUIT_AFTER_OPEN) and window.database is not None:
        logging.getLogger("bangjiao").info("窗口已打开数据库：%s", window.windowTitle())
        QTimer.singleShot(200, QApplication.quit)


_instance_server: object | None = None  # the InstanceServer of this program, kept alive


def _listen_for_later_starts(db: str | None, window: MainWindow) -> None:
    """A later start on this database (a double-click on a package) brings this window
    forward and shows the package's import preview here."""
    global _instance_server
    from app.ui.instance import InstanceServer, server_name

    server = InstanceServer(server_name(db), window)
    if server.listen():
        server.requested.connect(lambda path: _requested(window, path))
        _instance_server = server


def _requested(window: MainWindow, path: str) -> None:
    window.come_forward()
    if path:
        window.open_package(path)


def start_gui(db: str | None = None, package: str | None = None) -> MainWindow | int:
    """Everything :func:`run_gui` does before Qt's event loop: the window (with ``package``'s
    import preview to follow once the database is open), or an exit code when it does not
    open. When another program on this PC already has the database open, the package (or a
    request to come forward) is handed to it instead and 0 returned."""
    app = create_application()
    set_up_logging()
    lock = lock_database(db)
    if lock is None and not (db and "://" in db):
        from app.ui.instance import forward_to_running, server_name

        if forward_to_running(server_name(db), package):
            logging.getLogger("bangjiao").info("数据库已在本机打开：已转交给已打开的窗口")
            return 0
        logging.getLogger("bangjiao").warning("数据库已被本机另一个程序打开，不再打开")
        _refuse_second_copy()
        return 1
    global _database_lock
    _database_lock = lock  # held until the process ends
    from app.ui.collector import MainThreadCollector

    MainThreadCollector(app)  # Python's GC only in this thread (see app/ui/collector.py)
    if not _database_file_exists(db):
        database = _run_wizard(db)
        if database is None:
            return 0
        window = MainWindow(database, remind=True)
        show_main_window(window)
    else:
        window = MainWindow()
        show_main_window(window)  # the window appears before SQLAlchemy and Alembic are imported
        QTimer.singleShot(0, lambda: _open_into(window, db))
    _listen_for_later_starts(db, window)
    if package:
        window.open_package(package)  # waits for the database when it is not open yet
    return window


def run_gui(db: str | None = None, package: str | None = None) -> int:
    """Run the app until its window closes; return the exit code. ``package`` (a .bjpkg file
    named on the command line, as a double-click does) opens on its import preview."""
    started = start_gui(db, package)
    if isinstance(started, int):
        return started
    app = cast(QApplication, QApplication.instance())
    return app.exec()
