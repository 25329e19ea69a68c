"""Shared fixtures: real SQLite files in tmp folders (or, with ``--backend=postgresql``, fresh
databases on the PostgreSQL test server), the real Qt application offscreen."""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app.models.sealed import LOCKED, DataKey, key_state
from app.services.database import Database, open_database
from app.services.setup import initialise
from tests import servers
from tests.servers import POSTGRESQL, SERVER_VARIABLE, SQLITE

DATA_DIR = Path(__file__).parent / "data"
TEMPLATE_KEY = "qingtian-2018"
# the first 管理员 of every test database; the command line logs in as this user. In the test
# run's roles file 管理员 holds every permission, so the existing tests of every command keep
# running; the role tests use the shipped roles (fixture ``shipped_roles``)
ADMIN_USER = TEST_USER = "admin"
TEST_PASSWORD = "test-pass-2018"


def _write_test_roles(folder: Path) -> None:
    import tomllib

    from app.services.accounts import ADMIN, PERMISSION_NAMES, RESOURCES, ROLES_FILE

    shipped = tomllib.loads((RESOURCES / ROLES_FILE).read_text(encoding="utf-8"))["roles"]
    lines = []
    for name, body in shipped.items():
        permissions = list(PERMISSION_NAMES) if name == ADMIN else body["permissions"]
        lines.append(f'[roles."{name}"]\npermissions = {permissions!r}\n'.replace("'", '"'))
    (folder / "roles").mkdir(parents=True, exist_ok=True)
    (folder / "roles" / ROLES_FILE).write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def shipped_roles(no_real_user_data: Path) -> Iterator[None]:
    """The shipped roles file in force (the test run's own gives 管理员 every permission)."""
    from app.services.accounts import RESOURCES, ROLES_FILE

    path = no_real_user_data / "roles" / ROLES_FILE
    kept = path.read_bytes()
    path.write_bytes((RESOURCES / ROLES_FILE).read_bytes())
    try:
        yield
    finally:
        path.write_bytes(kept)


@pytest.fixture
def no_statistics_reports(no_real_user_data: Path) -> Iterator[None]:
    """The shipped template without its ``[statistics]`` report forms (a county's copy in the
    user data folder, which wins): a world for tests of 首页 and reminders written before the
    月报/季报, where every unit would otherwise owe reports overdue."""
    import re

    from app.services.templates import TEMPLATES_DIR

    shipped = (TEMPLATES_DIR / f"{TEMPLATE_KEY}.toml").read_text(encoding="utf-8")
    kept = re.sub(r"(?ms)^\[\[?statistics[.\]].*?(?=^\[(?!\[?statistics[.\]])|\Z)", "", shipped)
    assert "\n[statistics" not in kept and kept.count("[[units]]") == shipped.count("[[units]]")
    path = no_real_user_data / "templates" / f"{TEMPLATE_KEY}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(kept, encoding="utf-8")
    try:
        yield
    finally:
        path.unlink()


@pytest.fixture(scope="session", autouse=True)
def command_line_login() -> Iterator[None]:
    """BANGJIAO_USER / BANGJIAO_PASSWORD for the test run (commands and subprocesses log in
    with them; ``init`` of a new database creates its first 管理员 from them)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BANGJIAO_USER", TEST_USER)
        patch.setenv("BANGJIAO_PASSWORD", TEST_PASSWORD)
        yield


@pytest.fixture(scope="session", autouse=True)
def no_real_user_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A user data folder of the test run's own: templates or forms a developer keeps in the
    real one (they win over the shipped ones) must not change what the tests see."""
    from app import paths

    xdg = tmp_path_factory.mktemp("user-data")
    folder = xdg / "BangjiaoDesk"  # where platformdirs puts it under XDG_DATA_HOME (Linux)
    folder.mkdir()
    _write_test_roles(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paths, "user_data_dir", lambda: folder)
        patch.setenv("XDG_DATA_HOME", str(xdg))  # the same folder for commands run as programs
        yield folder


# fixtures of the Qt application: the tests using them are the GUI's, run on SQLite only
QT_FIXTURES = frozenset({"qapp", "qtbot", "gui_app", "dialogs"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=(SQLITE, POSTGRESQL),
        default=SQLITE,
        help="the database of the `database`/`db_path` fixtures: a SQLite file (default) or a "
        f"fresh database on the PostgreSQL server named by {SERVER_VARIABLE} (GUI tests and "
        "tests marked sqlite_only are then deselected)",
    )


def pytest_configure(config: pytest.Config) -> None:
    servers.state.backend = str(config.getoption("--backend"))
    if config.getoption("--backend") == POSTGRESQL and not os.environ.get(SERVER_VARIABLE):
        raise pytest.UsageError(
            f"--backend=postgresql needs a server: set {SERVER_VARIABLE} to its SQLAlchemy URL, "
            "e.g. postgresql+psycopg://postgres@/postgres?host=/tmp/pg&port=5432"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, only the tests of models, services, sync and migrations run: the GUI's
    (they use a Qt fixture) and those about the SQLite file itself are deselected."""
    if config.getoption("--backend") != POSTGRESQL:
        return
    kept, dropped = [], []
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & QT_FIXTURES or item.get_closest_marker("sqlite_only") is not None:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """The database the tests' `database`/`db_path` fixtures are on (``--backend``)."""
    return str(request.config.getoption("--backend"))


def _first_admin(database: Database, code_file: Path) -> None:
    """The template's first 管理员 (and with it the vault), its recovery code kept in ``code_file``."""
    from app.services.accounts import create_first_admin

    with database.session() as session:
        _user, code = create_first_admin(session, ADMIN_USER, TEST_PASSWORD, "测试管理员")
    code_file.write_text(code, encoding="utf-8")
    assert isinstance(key_state(database.engine), DataKey)  # encrypted by its 管理员


@pytest.fixture(scope="session")
def template_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database filled from the built-in template once per run (for copying)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    result = initialise(str(path), TEMPLATE_KEY, "县矫正办")
    _first_admin(result.database, path.with_suffix(".code"))
    result.database.close()
    return path


@dataclass
class ServerTemplate:
    """The template database on the test server and its 管理员's recovery code."""

    name: str
    code_file: Path


@pytest.fixture(scope="session")
def template_db_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerTemplate]:
    """With ``--backend=postgresql``: the template database made once per run (per worker) on
    the server exactly as :func:`template_db_file` makes the SQLite one; dropped at the end."""
    name = f"bangjiao_tmpl_{uuid.uuid4().hex[:12]}"
    admin = servers.server_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        result = initialise(servers.server_url(name), TEMPLATE_KEY, "县矫正办")
        code_file = tmp_path_factory.mktemp("template") / "template.code"
        _first_admin(result.database, code_file)
        result.database.close()
        yield ServerTemplate(name, code_file)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def unlock(database: Database) -> Database:
    """Unlock a test's database as its 管理员's login (the test run's ``ADMIN_USER`` and
    ``TEST_PASSWORD``) would, without logging anybody in or writing anything; a database
    without a vault stays as it is."""
    if key_state(database.engine) is LOCKED:
        from app.services.vault import hold

        key = _admin_key(database)
        with database.session() as session:
            hold(session, key)
    return database


_KEYS: dict[str, DataKey] = {}  # by wrapped key: each database's key unwrapped once


def _admin_key(database: Database) -> DataKey:
    from sqlalchemy import text

    from app.services.passwords import unlock_secret
    from app.services.vault import user_context

    with database.engine.connect() as conn:
        row = conn.execute(  # bound portably: a test database may be on the server
            text("SELECT id, password_hash, wrapped_key FROM users WHERE name_key = :name"),
            {"name": ADMIN_USER},
        ).one()
    if row.wrapped_key not in _KEYS:
        wrapping_key = unlock_secret(TEST_PASSWORD, row.password_hash)
        assert wrapping_key is not None
        _KEYS[row.wrapped_key] = DataKey.unwrap(row.wrapped_key, wrapping_key, user_context(row.id))
    return _KEYS[row.wrapped_key]


def open_unlocked(db: str) -> Database:
    """``open_database`` of a test's copy of the template database, unlocked (:func:`unlock`)."""
    return unlock(open_database(db))


@pytest.fixture
def recovery_code(request: pytest.FixtureRequest, backend: str) -> str:
    """The recovery code printed when the template database's first 管理员 was set up."""
    if backend == POSTGRESQL:
        code_file = request.getfixturevalue("template_db_server").code_file
    else:
        code_file = request.getfixturevalue("template_db_file").with_suffix(".code")
    return code_file.read_text(encoding="utf-8")


@pytest.fixture
def db_path(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[Any]:
    """A fresh copy of the template database for one test: a SQLite file (a Path), or with
    ``--backend=postgresql`` the URL (a str) of a database on the server created from the
    server's template (``CREATE DATABASE … TEMPLATE``), dropped after the test. A server
    database's photo store is the test's own folder, not this PC's shared one."""
    if backend != POSTGRESQL:
        path = tmp_path / "bangjiao.db"
        shutil.copy(request.getfixturevalue("template_db_file"), path)
        yield path
        return
    yield servers.server_database(template=request.getfixturevalue("template_db_server").name)


@pytest.fixture(autouse=True)
def _server_databases_of_the_test(backend: str) -> Iterator[None]:
    if backend != POSTGRESQL:
        yield
        return
    servers.state.of_test = []
    try:
        yield
    finally:
        made, servers.state.of_test = servers.state.of_test, None
        servers.drop(made)


@pytest.fixture(scope="session", autouse=True)
def _drop_server_databases(backend: str) -> Iterator[None]:
    """With ``--backend=postgresql``: the run's server databases are dropped at its end (each
    keeps its photos in itself, ``attachment_blobs``, as the app does)."""
    if backend != POSTGRESQL:
        yield
        return
    try:
        yield
    finally:
        servers.drop(servers.state.of_run)


@pytest.fixture(params=["sqlite", "postgresql"])
def two_programs(request: pytest.FixtureRequest) -> Iterator[tuple[Database, Database]]:
    """Two Database objects on one database, as two PCs (or two programs) have: a SQLite
    file, or a database on the PostgreSQL test server (skipped without one)."""
    if request.param == "sqlite":
        path = request.getfixturevalue("db_path")
        first, second = open_unlocked(str(path)), open_unlocked(str(path))
    else:
        url = request.getfixturevalue("postgres_url")
        first = initialise(url, TEMPLATE_KEY, "县矫正办").database
        second = open_database(url)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


@pytest.fixture
def database(db_path: Any) -> Database:
    """The copied template database, opened; closed after the test."""
    db = open_database(str(db_path))
    unlock(db)
    yield db
    db.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL test server (``BANGJIAO_TEST_POSTGRES``),
    dropped afterwards; the test is skipped when no server is named."""
    server = os.environ.get("BANGJIAO_TEST_POSTGRES", "")
    if not server:
        pytest.skip("no PostgreSQL server (BANGJIAO_TEST_POSTGRES)")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"bangjiao_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def gui_app(qapp):
    """pytest-qt's QApplication, set up once per run as the app sets it up (translations,
    font, style sheet, wheel guard, garbage collection in the UI thread)."""
    from app.ui.application import create_application
    from app.ui.collector import MainThreadCollector

    create_application([])
    collector = MainThreadCollector(qapp)  # as the app does: no GC in worker threads
    yield qapp
    collector.stop()


class _ErrorCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def logged_errors(request: pytest.FixtureRequest):
    """Errors logged by the app during the test: any at ERROR or above fail the test (a bug
    reached the error policy) unless it uses :func:`expect_logged_errors`."""
    collector = _ErrorCollector()
    logger = logging.getLogger("bangjiao")
    logger.addHandler(collector)
    try:
        yield collector.records
    finally:
        logger.removeHandler(collector)
    if collector.records and not getattr(request.node, "_expects_logged_errors", False):
        text = "\n".join(r.getMessage() for r in collector.records)
        pytest.fail(f"the app logged errors:\n{text}", pytrace=False)


@pytest.fixture
def expect_logged_errors(request: pytest.FixtureRequest, logged_errors):
    """For a test that provokes a bug on purpose: the errors it logs are its to check."""
    request.node._expects_logged_errors = True
    return logged_errors


@pytest.fixture(autouse=True)
def no_unanswered_dialogs(monkeypatch):
    """A message box or a file handed to the PC's programs in a test that did not ask for
    :func:`dialogs` fails the test instead of blocking the run."""
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QMessageBox

    def refuse(*args, **_kwargs):
        raise AssertionError(f"unanswered dialog or viewer in a test: {args[1:3]!r}")

    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(refuse))
    monkeypatch.setattr(QMessageBox, "exec", refuse)
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(refuse))


@dataclass
class DialogAnswers:
    """Every modal message box and file dialog the app opened, and what to answer.

    ``confirm`` answers questions; ``save_paths``/``open_paths``/``folders`` are taken in
    order by the file dialogs (an empty list means the clerk pressed 取消, unless
    ``save_folder`` is set: then files are saved there under the suggested name); files handed to
    the PC's own programs are recorded in ``opened`` (opened when ``viewer_installed``).
    """

    confirm: bool = True
    save_paths: list[Path] = field(default_factory=list)
    open_paths: list[list[Path]] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    save_folder: Path | None = None
    viewer_installed: bool = True
    shown: list[tuple[str, str, str]] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)

    def texts(self, kind: str | None = None) -> list[str]:
        """The texts of the boxes shown (of ``kind``: warning, critical, information,
        question, box)."""
        return [text for k, _title, text in self.shown if kind is None or k == kind]


OPENED_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image/jpeg",
    "image/png",
    "text/plain",
)


@pytest.fixture
def dialogs(monkeypatch, gui_app, tmp_path_factory: pytest.TempPathFactory) -> DialogAnswers:
    """Answer the app's message boxes and file dialogs as a clerk would (see DialogAnswers)."""
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QMessageBox

    answers = DialogAnswers()

    def note(kind: str) -> Any:
        def box(_parent, title, text, *_args, **_kwargs):
            answers.shown.append((kind, title, text))
            if kind == "question":
                return (
                    QMessageBox.StandardButton.Yes
                    if answers.confirm
                    else QMessageBox.StandardButton.No
                )
            return QMessageBox.StandardButton.Ok

        return box

    for kind in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(note(kind)))

    def exec_box(box):
        answers.shown.append(("box", box.windowTitle(), f"{box.text()}\n{box.informativeText()}"))
        return int(QMessageBox.StandardButton.Ok.value)

    monkeypatch.setattr(QMessageBox, "exec", exec_box)

    def save_name(*args, **_kwargs):
        if answers.save_paths:
            return str(answers.save_paths.pop(0)), ""
        if answers.save_folder is not None:
            suggested = Path(args[2]).name if len(args) > 2 and args[2] else "未命名"
            return str(answers.save_folder / suggested), ""
        return "", ""

    def open_names(*_args, **_kwargs):
        return ([str(p) for p in answers.open_paths.pop(0)], "") if answers.open_paths else ([], "")

    def open_name(*_args, **_kwargs):
        names, selected = open_names()
        return (names[0] if names else "", selected)

    def folder(*_args, **_kwargs):
        if answers.folders:
            return str(answers.folders.pop(0))
        return str(answers.save_folder) if answers.save_folder is not None else ""

    from app.ui import files

    monkeypatch.setattr(files, "_save_file_name", save_name)
    monkeypatch.setattr(files, "_open_file_names", open_names)
    monkeypatch.setattr(files, "_open_file_name", open_name)
    monkeypatch.setattr(files, "_existing_directory", folder)

    def open_url(url):
        answers.opened.append(url.toLocalFile())
        return answers.viewer_installed

    # The PC has programs for what the app opens (xdg-mime names one, as on a Linux desktop
    # with a PDF reader and WPS): ``viewer_installed`` then says whether opening works.
    config = tmp_path_factory.mktemp("xdg-config")
    (config / "mimeapps.list").write_text(
        "[Default Applications]\n" + "".join(f"{mime}=viewer.desktop\n" for mime in OPENED_TYPES),
        encoding="utf-8",
    )
    (config / "applications").mkdir()
    (config / "applications" / "viewer.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=viewer\nExec=true %f\n", encoding="utf-8"
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("XDG_DATA_DIRS", f"{config}:/usr/local/share:/usr/share")

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(open_url))
    return answers
