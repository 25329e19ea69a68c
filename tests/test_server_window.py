"""The window and the first-run wizard on a database server (issue 18): the wizard's
连接到单位的数据库服务器 page driven by clicks against the PostgreSQL test server (an empty
database set up as the county; one set up already opened and logged in), the choice remembered
so that the next start without ``--db`` opens the server, and 设置 saying what of the file
backups applies there. Skipped without ``BANGJIAO_TEST_POSTGRES``."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, qInstallMessageHandler
from PySide6.QtWidgets import QWizard
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.models import User
from app.services import server_config
from app.services.database import open_database
from app.services.settings import local_unit
from app.ui import application
from app.ui.instance import InstanceServer
from app.ui.main_window import MainWindow
from app.ui.setup_wizard import ADMIN_PAGE, SERVER_PAGE, UNIT_PAGE, SetupWizard
from tests.conftest import ADMIN_USER, TEMPLATE_KEY, TEST_PASSWORD
from tests.helpers import assert_fits_screen, finish_wizard_admin

SHOTS = os.environ.get("BANGJIAO_SHOTS", "")
SECRET = "server-Pw:9\\x"  # a ':' and a '\' to escape in the password file


def _shot(widget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / name))


@pytest.fixture
def own_data(tmp_path: Path, monkeypatch) -> Path:
    """A user data folder of this test's own: what the wizard remembers stays here."""
    from app import paths

    folder = tmp_path / "user-data"
    folder.mkdir()
    monkeypatch.setattr(paths, "user_data_dir", lambda: folder)
    return folder


def _click(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _fill(page, url: str, database: str | None = None) -> None:
    parsed = make_url(url)
    page.host.setText(str(parsed.query.get("host") or parsed.host or "localhost"))
    page.port.setText(str(parsed.query.get("port") or parsed.port or 5432))
    page.database_name.setText(database or parsed.database or "")
    page.user.setText(parsed.username or "")
    page.password.setText(SECRET)  # the test server trusts its socket: any password passes


def _to_server_page(qtbot) -> SetupWizard:
    wizard = SetupWizard(None)
    qtbot.addWidget(wizard)
    wizard.show()
    choice = wizard.template_page.server_choice  # on its circle, not the wide row's middle
    qtbot.mouseClick(choice, Qt.MouseButton.LeftButton, pos=QPoint(8, choice.height() // 2))
    assert choice.isChecked()
    _click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    assert wizard.currentId() == SERVER_PAGE
    return wizard


def test_the_wizard_sets_up_an_empty_server_database_and_the_pc_remembers_it(
    qtbot, dialogs, postgres_url, own_data
):
    wizard = _to_server_page(qtbot)
    page = wizard.server_page
    assert page.port.text() == "5432"
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()  # not before a successful test
    _fill(page, postgres_url, database="no_such_bangjiao_db")
    _click(qtbot, page.test_button)
    assert "数据库服务器上没有名为“no_such_bangjiao_db”的数据库" in page.error.text()
    assert SECRET not in page.error.text() and not next_button.isEnabled()
    _shot(wizard, "pg19-server-wizard-error.png")

    _fill(page, postgres_url)
    _click(qtbot, page.test_button)
    assert page.error.text() == ""
    assert "服务器上的数据库是空的" in page.outcome.text()
    assert page.template_box.isVisible() and page.template_combo.currentData() == TEMPLATE_KEY
    assert next_button.isEnabled()
    assert_fits_screen(wizard)
    _shot(wizard, "pg19-server-wizard-empty.png")
    _click(qtbot, next_button)
    assert wizard.currentId() == UNIT_PAGE
    assert wizard.unit_page.unit_combo.currentData() == "县矫正办"
    _click(qtbot, wizard.button(QWizard.WizardButton.CommitButton))  # 建立数据库 >
    assert wizard.currentId() == ADMIN_PAGE, wizard.unit_page.error.text()
    finish_wizard_admin(qtbot, wizard)
    assert wizard.result() == QWizard.DialogCode.Accepted
    wizard.database.close()

    config, secret = own_data / "server.json", own_data / "server.pgpass"
    for path in (config, secret):  # private: readable by this user only
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 or sys.platform == "win32"
    assert SECRET not in config.read_text(encoding="utf-8")
    assert secret.read_text(encoding="utf-8") == "*:*:*:*:server-Pw\\:9\\\\x\n"
    url = server_config.remembered_url()
    assert url is not None and SECRET not in url and "passfile=" in url
    database = open_database(None)  # what the next start without --db opens
    try:
        assert make_url(database.url).database == make_url(postgres_url).database
        with database.session() as s:
            assert local_unit(s).name == "县矫正办"
            assert s.scalars(select(User.name)).all() == ["wizard-admin"]
    finally:
        database.close()


@pytest.fixture
def county_on_server(postgres_url: str) -> str:
    """A county set up on the server with its first 管理员 (the test run's)."""
    from app.services.accounts import create_first_admin
    from app.services.setup import initialise

    database = initialise(postgres_url, TEMPLATE_KEY, "县矫正办").database
    with database.session() as s:
        create_first_admin(s, ADMIN_USER, TEST_PASSWORD, "测试管理员")
    database.close()
    return postgres_url


@pytest.fixture
def started(monkeypatch, gui_app):
    """Windows opened by ``start_gui``, closed after the test with its local server."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # start_gui sets its own
    windows: list[MainWindow] = []
    yield windows
    for window in windows:
        if window.idle_lock is not None:  # its check reads the database every 15 s: the
            window.idle_lock.timer.stop()  # test's database is dropped after the test
        window.close()
        if window.database is not None:
            window.database.close()
        window.deleteLater()
    server = application._instance_server
    if isinstance(server, InstanceServer):
        server.close()
    application._instance_server = None
    application._database_lock = None
    qInstallMessageHandler(None)


def test_the_wizard_opens_a_server_database_set_up_already_and_the_next_start_opens_it(
    qtbot, dialogs, county_on_server, own_data, started
):
    wizard = _to_server_page(qtbot)
    page = wizard.server_page
    _fill(page, county_on_server)
    _click(qtbot, page.test_button)
    assert "已经建立（本库单位：县矫正办）" in page.outcome.text(), page.error.text()
    assert not page.template_box.isVisible()
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    _shot(wizard, "pg19-server-wizard-ready.png")
    _click(qtbot, finish)
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert wizard.database is not None and wizard.database.actor is None  # login follows
    wizard.database.close()
    assert server_config.remembered() is not None

    window = application.start_gui(None)  # main.py without --db: the remembered server
    assert isinstance(window, MainWindow)
    started.append(window)
    qtbot.waitUntil(lambda: window.database is not None, timeout=30000)
    assert make_url(window.database.url).database == make_url(county_on_server).database
    assert window.database.actor is not None  # BANGJIAO_USER/PASSWORD, as on a file
    assert window.windowTitle().endswith("县矫正办") and SECRET not in window.windowTitle()
    settings = window.open_section("settings")
    location = settings.location_label.text()
    assert location.startswith("数据库服务器 ") and SECRET not in location
    from PySide6.QtWidgets import QLabel

    note = settings.findChild(QLabel, "server_backup_note")
    assert note is not None and "pg_dump" in note.text()
    assert not hasattr(settings, "backup_now_button")  # no file backup to run here
    window.resize(1366, 740)
    _shot(window, "pg19-server-window-settings.png")
    window.open_section("home")
    _shot(window, "pg19-server-window-home.png")


def test_a_server_database_with_tables_of_another_program_is_refused_in_chinese(
    postgres_url, own_data
):
    from sqlalchemy import create_engine

    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE someone_elses (a integer)")
    engine.dispose()
    settings = server_config.ServerSettings(
        str(make_url(postgres_url).query["host"]),
        int(str(make_url(postgres_url).query["port"])),
        str(make_url(postgres_url).database),
        str(make_url(postgres_url).username),
    )
    from app.services.errors import UserError

    with pytest.raises(UserError, match="不是大帮教工作台的数据库"):
        server_config.check_server(settings)
    with pytest.raises(UserError, match="不是大帮教工作台的数据库"):
        open_database(postgres_url)  # nor is it given this program's tables beside its own
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        tables = conn.exec_driver_sql(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).scalar()
    engine.dispose()
    assert tables == 1
