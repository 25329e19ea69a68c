"""Start the desktop app: translations, fonts, first-run wizard, main window."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from app.paths import RESOURCES_DIR
from app.ui.i18n import choose_ui_font, install_translators
from app.ui.main_window import MainWindow

if TYPE_CHECKING:
    from app.services.database import Database

STYLE_SHEET = RESOURCES_DIR / "style.qss"
_translators: list[QTranslator] = []  # the installed translators, kept alive here


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with Chinese translations, a CJK font and the style sheet."""
    global _translators
    app = cast(QApplication | None, QApplication.instance()) or QApplication(
        argv if argv is not None else sys.argv
    )  # this program's Qt application is always a QApplication
    app.setApplicationName("大帮教工作台")
    app.setOrganizationName("BangjiaoDesk")
    _translators = install_translators(app)  # keep them alive
    font = choose_ui_font()
    if font is not None:
        app.setFont(font)
    if STYLE_SHEET.exists():
        app.setStyleSheet(STYLE_SHEET.read_text(encoding="utf-8"))
    return app


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
    window.attach_database(database)


def run_gui(db: str | None = None) -> int:
    """Run the app until its window closes; return the exit code."""
    app = create_application()
    if not _database_file_exists(db):
        database = _run_wizard(db)
        if database is None:
            return 0
        window = MainWindow(database)
        window.show()
        return app.exec()
    window = MainWindow()
    window.show()  # the window appears before SQLAlchemy and Alembic are imported
    QTimer.singleShot(0, lambda: _open_into(window, db))
    return app.exec()
