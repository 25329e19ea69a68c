"""Start the desktop app: translations, fonts, first-run wizard, main window."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import (
    QLockFile,
    QMessageLogContext,
    QObject,
    QTimer,
    QtMsgType,
    QTranslator,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app.paths import RESOURCES_DIR
from app.services.home_snapshot import Snapshot, read_snapshot
from app.ui.i18n import choose_ui_font, install_translators
from app.ui.main_window import MainWindow
from app.ui.widgets.sort_arrows import install_sort_arrows
from app.ui.widgets.wheel import install_wheel_guard

if TYPE_CHECKING:
    from app.services.dashboard import HomeData
    from app.services.database import Database
    from app.ui.dialogs.account_dialogs import LoginDialog

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
    install_sort_arrows(app)  # ▲ ascending, ▼ descending on every platform
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
    """An exception that escaped a slot: logged (by app.logs' hook) and told to the clerk. A
    page reading a database server whose connection is gone (opened or refreshed meanwhile) is
    no bug: the clerk is told so in Chinese (the program reconnects by itself)."""
    from app.services.errors import server_connection_problem

    problem = server_connection_problem(value)
    if problem is not None:
        logging.getLogger("bangjiao.ui").warning(
            "数据库服务器连接问题：%s", kind.__name__, exc_info=(kind, value, tb)
        )
    else:
        logging.getLogger("bangjiao.ui").error("未处理的程序错误", exc_info=(kind, value, tb))
    if QApplication.instance() is not None and not issubclass(kind, KeyboardInterrupt):
        from app.ui import messages

        if problem is not None:
            title = QApplication.translate("app", "数据库连接中断")
            messages.show_error(QApplication.activeWindow(), title, problem)
        else:
            title = QApplication.translate("app", "程序错误")
            messages.show_bug(QApplication.activeWindow(), title)


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
    if db:
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        from app.services.private_files import private_folder

        private_folder(path.parent)  # the user data folder: owner only
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


def _load_database(db: str | None) -> tuple[Database, bool, HomeData | None]:
    """Import the database layer and open the database (in the loader's thread): the open
    database, whether it still needs the first-run wizard, and 首页's data for today (read
    here, so that the window's thread only builds and paints)."""
    from sqlalchemy.orm import configure_mappers

    from app.services.database import open_database
    from app.services.setup import needs_setup

    configure_mappers()
    database = open_database(db)
    home = None
    try:
        setup = needs_setup(database)
        if not setup:
            import app.ui.pages.home  # noqa: F401  (classes only: no widget is made here)
            from app.services.context import load_context
            from app.services.dashboard import home_data

            with database.session() as session:
                programme_id = load_context(session).programme_id
                if programme_id is not None:
                    home = home_data(session, programme_id, date.today())
    except BaseException:
        database.close()
        raise
    return database, setup, home


class DatabaseLoader(QObject):
    """Opens the database in a worker thread while the window stays responsive.

    The thread is not a daemon: closing the window while it runs lets a schema upgrade (with
    its backup copy) finish before the process ends. ``finished`` carries the open database
    and whether it needs the wizard, or the exception raised."""

    finished = Signal(object)

    def __init__(self, db: str | None) -> None:
        super().__init__()
        self.db = db
        self.worker = threading.Thread(target=self._work, name="database-loader")

    def start(self) -> None:
        """Begin opening the database."""
        self.worker.start()

    def _work(self) -> None:
        result: object
        try:
            result = _load_database(self.db)
        except BaseException as exc:  # handed to the window's thread, which tells the clerk
            result = exc
        try:
            self.finished.emit(result)
        except RuntimeError:  # the application has gone meanwhile
            if isinstance(result, tuple):
                result[0].close()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the thread; True once it has ended."""
        self.worker.join(timeout)
        return not self.worker.is_alive()


def _opened(window: MainWindow, db: str | None, result: object) -> None:
    """Attach what the loader opened, or tell the clerk why it could not be opened. With the
    login dialog shown first (a database with users), the window appears after the login."""
    from app.services.errors import UserError

    window.loading_database = False
    early = window.early_login
    gone = (
        not window.isVisible()
        if early is None
        else not early.isVisible() and early.actor is None  # 退出程序 at the login
    )
    if isinstance(result, BaseException) and gone:  # closed meanwhile
        log = logging.getLogger("bangjiao")
        if isinstance(result, UserError):
            log.info("数据库未能打开（窗口已关闭）：%s", result)
        else:
            log.error(
                "数据库未能打开（窗口已关闭）",
                exc_info=(type(result), result, result.__traceback__),
            )
        return
    if isinstance(result, BaseException):
        if early is not None:
            window.early_login = None
            early.hide()
        if isinstance(result, UserError):
            QMessageBox.critical(window, window.tr("无法打开数据库"), str(result))
        else:
            sys.excepthook(type(result), result, result.__traceback__)
        window.close()
        if early is not None:  # no window was shown: the program ends here
            QApplication.quit()
        return
    database, setup, home = cast("tuple[Database, bool, HomeData | None]", result)
    if gone:  # closed while the database was opening
        database.close()
        return
    if early is not None:
        _log_in_first(window, database, home, early)
        return
    if setup:
        database.close()
        wizard_database = _run_wizard(db)
        if wizard_database is None:
            window.close()
            return
        database, home = wizard_database, None
    from app.ui.login import log_in

    if not log_in(database, window):
        database.close()
        window.close()
        return
    _ready(window, database, home)


def _log_in_first(
    window: MainWindow, database: Database, home: HomeData | None, dialog: LoginDialog
) -> None:
    """The login dialog shown at start gets the open database (a 登录 already clicked is done
    now); once someone has logged in, the window opens on 首页; 退出程序 ends the program."""

    def done(_result: int) -> None:
        window.early_login = None
        if dialog.actor is None:
            database.close()
            window.close()
            QApplication.quit()
            return
        database.actor = dialog.actor
        _ready(window, database, home)

    dialog.finished.connect(done)
    dialog.attach_database(database)


def _ready(window: MainWindow, database: Database, home: HomeData | None) -> None:
    """Fill the window with the open (and logged-in) database and show it."""
    from app.ui.login import IdleLock

    window.attach_database(database, remind=True, home=home)
    if not window.isVisible():
        show_main_window(window)  # after the login: nothing of the data before it
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setQuitOnLastWindowClosed(True)
    window.idle_lock = IdleLock(window, database)
    _probe("ready")
    _quit_if_asked(window)


def open_in_background(window: MainWindow, db: str | None) -> DatabaseLoader:
    """Open ``db`` in a worker thread and attach it to ``window`` when open; until then the
    window shows the snapshot (or 正在打开数据库……) and queues what is clicked."""
    loader = DatabaseLoader(db)
    window.loading_database = True
    window.loader = loader
    loader.finished.connect(lambda result: _opened(window, db, result))
    loader.start()
    return loader


def _open_into(window: MainWindow, db: str | None) -> None:
    """Open ``db`` in this thread and attach it (the same steps as :func:`open_in_background`)."""
    result: object
    try:
        result = _load_database(db)
    except BaseException as exc:
        result = exc
    _opened(window, db, result)


def _login_first(db: str | None) -> bool:
    """Whether the database file has users and no login comes from the environment: then
    the login dialog comes first and the window after it (read with sqlite3 only)."""
    if db and "://" in db:
        return False
    from app.paths import default_database_path
    from app.ui.login import environment_login, file_has_users

    path = Path(db).expanduser() if db else default_database_path()
    return not environment_login() and file_has_users(path)


def login_before_window() -> MainWindow:
    """A database with users: the login dialog first — it appears at once, before SQLAlchemy
    is imported, and logs in once the database is open (:func:`_log_in_first`) — and the
    main window, returned unshown, only after the login."""
    from app.ui.dialogs.account_dialogs import LoginDialog

    window = MainWindow()
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setQuitOnLastWindowClosed(False)  # the dialog closes before the window shows
    dialog = LoginDialog(None)
    dialog.rejected.connect(lambda: _gave_up_at_login(window))
    window.early_login = dialog
    dialog.show()
    return window


def _gave_up_at_login(window: MainWindow) -> None:
    """退出程序 in the login dialog shown first: the program ends (once the database has
    opened, in the loader, it is closed there)."""
    if window.database is None and not window.isVisible():
        window.close()
        QApplication.quit()


def _snapshot_for(db: str | None) -> Snapshot | None:
    """首页's snapshot of the database file, if there is one that can be trusted."""
    if db and "://" in db:
        return None
    from app.paths import default_database_path
    from app.ui.login import environment_login, file_has_users

    path = Path(db).expanduser() if db else default_database_path()
    if not environment_login() and file_has_users(path):
        return None  # no figures before a login (app/ui/login.py)
    return read_snapshot(path)


PROBE = "BANGJIAO_STARTUP_PROBE"  # a file: start-up moments are appended, then the app quits


def _probe(moment: str) -> None:
    """For bench/startup.py: with ``BANGJIAO_STARTUP_PROBE=FILE`` in the environment, paint what
    is pending, append "<moment> <time.time()>" to FILE, and quit after "ready". Without
    it, nothing."""
    target = os.environ.get(PROBE)
    if not target:
        return
    app = QApplication.instance()
    if app is not None:
        app.processEvents()
    with open(target, "a", encoding="utf-8") as out:
        out.write(f"{moment} {time.time()}\n")
    if moment == "ready" and app is not None:
        QTimer.singleShot(0, app.quit)


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


def chosen_database(db: str | None) -> str | None:
    """The database to open: ``--db`` when given, else the server the first-run wizard
    pointed this PC to (``server_config``: read without SQLAlchemy), else None (the file in
    the user data folder)."""
    if db:
        return db
    from app.services.server_config import remembered_url

    return remembered_url()


def start_gui(db: str | None = None, package: str | None = None) -> MainWindow | int:
    """Everything :func:`run_gui` does before Qt's event loop: the window (with ``package``'s
    import preview to follow once the database is open), or an exit code when it does not
    open. When another program on this PC already has the database open, the package (or a
    request to come forward) is handed to it instead and 0 returned."""
    app = create_application()
    set_up_logging()
    db = chosen_database(db)
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
        from app.ui.login import log_in

        if not log_in(database, None):  # the wizard found a server database set up already
            database.close()
            return 0
        window = MainWindow(database, remind=True)
        from app.ui.login import IdleLock

        window.idle_lock = IdleLock(window, database)  # the wizard logged its 管理员 in
        show_main_window(window)
    elif _login_first(db):
        window = login_before_window()
        app.processEvents()
        _probe("shown")
    else:
        window = MainWindow()
        snapshot = _snapshot_for(db)
        if snapshot is not None:  # 首页 as it was last time, marked 正在更新…
            window.show_snapshot(snapshot)
        show_main_window(window)  # the window appears before SQLAlchemy and Alembic are imported
        app.processEvents()  # painted before the loader's thread competes for the interpreter
        _probe("shown")
        if snapshot is not None:
            _probe("figures")
    _listen_for_later_starts(db, window)
    if window.database is None:
        open_in_background(window, db)
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
    code = app.exec()
    if started.loading_database and started.loader is not None:  # closed while opening:
        started.loader.wait()  # let it finish (a schema upgrade is never cut short)
        app.processEvents()  # and close what it opened
    return code
