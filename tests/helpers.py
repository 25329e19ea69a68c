"""Small real files and lookups shared by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from app.models import EntryKind, Unit
from app.services.idcard import check_digit
from tests.conftest import open_unlocked


def on_server() -> bool:
    """Whether this run's databases are on the PostgreSQL test server (``--backend``)."""
    from tests import servers

    return servers.state.backend == servers.POSTGRESQL


def new_database(folder: Path, name: str) -> str:
    """Where a test's new database ``name`` goes: a SQLite file in ``folder``, or with
    ``--backend=postgresql`` a new empty database on the test server (its URL), dropped after
    the test (or after the run, when a module's fixture made it)."""
    if not on_server():
        return str(folder / f"{name}.db")
    from tests.servers import server_database

    return server_database()


def copy_database(source: str | Path, folder: Path, name: str) -> str:
    """A copy of the database ``source`` (closed: nothing connected to it) as :func:`new_database`
    ``name``: the file copied, or on the server ``CREATE DATABASE … TEMPLATE source``. A SQLite
    database's photo folder is copied along when there is one."""
    if "://" not in str(source):
        import shutil

        target = folder / f"{name}.db"
        shutil.copy(source, target)
        files = Path(source).with_name(f"{Path(source).stem}-files")
        if files.is_dir():
            shutil.copytree(files, folder / f"{name}-files")
        return str(target)
    from sqlalchemy.engine import make_url

    from tests.servers import server_database

    return server_database(template=make_url(str(source)).database)


def make_jpeg(
    path: Path, size: tuple[int, int] = (640, 480), colour: tuple[int, int, int] = (90, 140, 200)
) -> Path:
    """A real JPEG of the given size."""
    Image.new("RGB", size, colour).save(path, "JPEG", quality=90)
    return path


def make_pdf(path: Path) -> Path:
    """A minimal but complete PDF file."""
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return path


def valid_id_number(prefix17: str = "33112719850312123") -> str:
    """An 18-digit identity number with a correct check digit."""
    return prefix17 + check_digit(prefix17)


def unit_ids(session) -> dict[str, int]:
    """Unit name → id."""
    return {u.name: u.id for u in session.scalars(select(Unit))}


def kind_ids(session) -> dict[str, int]:
    """Entry kind code → id."""
    return {k.code: k.id for k in session.scalars(select(EntryKind))}


def drive_dialog(monkeypatch, dialog_class, fill) -> list:
    """Make ``dialog_class.exec`` fill the real dialog and click 保存 instead of blocking.

    Returns the list the driven dialogs are appended to.
    """
    seen = []

    def fake_exec(dialog):
        fill(dialog)
        dialog.ok_button.click()
        seen.append(dialog)
        return dialog.result()

    monkeypatch.setattr(dialog_class, "exec", fake_exec)
    return seen


_open_windows: list = []  # a page has no Python owner but its window: keep windows alive per run


def open_page(qtbot, db_path, key: str):
    """A shown main window on ``db_path`` and the page of section ``key``."""
    from app.ui.main_window import MainWindow

    window = MainWindow(open_unlocked(str(db_path)))
    _open_windows.append(window)
    qtbot.addWidget(window)
    window.show()
    return window.open_section(key)


SCREEN_LIMIT = (1340, 700)  # a 1366×768 screen less the taskbar and the title bar


def assert_fits_screen(dialog) -> None:
    """The dialog, shown, is no larger than a 1366×768 screen allows, and could not be made
    larger by its layout (its minimum size fits too)."""
    dialog.show()
    hint = dialog.minimumSizeHint()
    width, height = SCREEN_LIMIT
    name = type(dialog).__name__
    assert hint.width() <= width and hint.height() <= height, f"{name} needs {hint.toTuple()}"
    size = dialog.frameGeometry().size()
    assert size.width() <= width and size.height() <= height, f"{name} is {size.toTuple()}"


def _source_url(source) -> str:
    """The URL of ``source``: a Database, a SQLite file (Path or str) or a URL."""
    from app.services.database import database_url

    url = getattr(source, "url", None)
    if url is not None:
        return str(url)
    if source is None:
        raise ValueError("dump of None: pass the Database (a server database has no file)")
    return database_url(str(source))


@contextmanager
def plain_connection(source) -> Iterator[Any]:
    """A connection to ``source``'s database outside the app (no pragmas, no sealing)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(_source_url(source), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _literal(value: Any) -> str:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    return "NULL" if value is None else repr(value)


def dump(source, *, refusals: bool = False) -> list[str]:
    """Every table of the database (its columns, then its rows ordered by primary key) as
    text, the same way on SQLite and PostgreSQL (``source``: a database file, a URL or a
    Database): equal dumps mean an unchanged database. A refused package's line in the 收发记录
    and the audit log (its lines and head: a command's login is recorded even when the command
    is then refused) are left out unless ``refusals``: recording is the one write a refusal
    makes."""
    from sqlalchemy import MetaData

    lines: list[str] = []
    with plain_connection(source) as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        for name in sorted(metadata.tables):
            table = metadata.tables[name]
            columns = ", ".join(f"{c.name} {c.type!r}" for c in table.columns)
            lines.append(f'CREATE TABLE "{name}" ({columns})')
            lines.extend(
                f'CREATE INDEX "{index.name}" ON "{name}" ({", ".join(index.columns.keys())})'
                for index in sorted(table.indexes, key=lambda i: str(i.name))
            )
            order = list(table.primary_key.columns) or list(table.columns)
            for row in connection.execute(select(table).order_by(*order)):
                values = ", ".join(_literal(v) for v in row)
                lines.append(f'INSERT INTO "{name}" VALUES({values})')
    if refusals:
        return lines
    return [line for line in lines if not (
        (line.startswith('INSERT INTO "package_log"') and "'refused'" in line)
        or line.startswith('INSERT INTO "audit_entries"')
        or line.startswith('INSERT INTO "local_settings" VALUES(\'audit.head\'')
    )]  # fmt: skip


def refusals(source) -> list[tuple[str, str, str]]:
    """The refused packages in the 收发记录: (unit name, file name, details JSON), oldest first."""
    from sqlalchemy import text

    with plain_connection(source) as connection:
        rows = connection.execute(
            text(
                "SELECT peer_unit_name, file_name, details FROM package_log"
                " WHERE direction = 'refused' ORDER BY id"
            )
        ).fetchall()
    return [tuple(row) for row in rows]


def downgrade_to(db_path, revision: str) -> None:
    """Take a database file back to an earlier schema ``revision`` with the migrations' own
    downgrades (as a program of that version left it, for the later ones)."""
    from alembic import command
    from alembic.config import Config

    from app.services.database import MIGRATIONS_DIR, create_db_engine, database_url

    engine = create_db_engine(database_url(str(db_path)))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def finish_wizard_admin(qtbot, wizard, name: str = "wizard-admin", password: str = "wizard-pass-1"):
    """Past the first-run wizard's database step: set up the first 管理员 on its page, tick
    "我已打印或抄写恢复码" and click 完成, as the clerk does. Returns the recovery code shown."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtWidgets import QWizard

    from app.ui.setup_wizard import ADMIN_PAGE, RECOVERY_PAGE

    assert wizard.currentId() == ADMIN_PAGE, wizard.currentId()
    page = wizard.admin_page
    page.name.setText(name)
    page.display.setText("向导管理员")
    page.password.setText(password)
    page.repeat.setText(password)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton)
    assert wizard.currentId() == RECOVERY_PAGE, page.error.text()
    code = wizard.recovery_page.code.text()
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()  # not before the recovery code is kept
    box = wizard.recovery_page.confirmed  # on its box, not the middle of the wide row
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert wizard.recovery_page.confirmed.isChecked() and finish.isEnabled(), finish.isVisible()
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    return code


def unit_uuid(session, name: str) -> str:
    """The UUID of the unit called ``name`` (the same on every PC of the template)."""
    return session.scalar(select(Unit.uuid).where(Unit.name == name))


def register_peers(first, first_name: str, second, second_name: str) -> None:
    """Register two PCs' databases with each other (each holds the other's public keys), as
    the first exchange of registration files does: packages between them then open."""
    from app.sync import identity

    with first.session() as a, second.session() as b:
        identity.register_peer(a, unit_uuid(a, second_name), identity.key_pairs(b).public())
        identity.register_peer(b, unit_uuid(b, first_name), identity.key_pairs(a).public())


@contextmanager
def county_and_unit(
    folder: Path, unit_name: str = "法律援助中心", *, first_admin: bool = False
) -> Iterator[tuple[Any, Any]]:
    """The county's PC and a unit's (``county.db`` and ``unit.db`` in ``folder``, from the
    test template), registered with each other, closed afterwards. ``first_admin``: each is
    encrypted by its own first 管理员 before the registration (its own data key)."""
    from app.services.setup import initialise
    from tests.conftest import TEMPLATE_KEY

    county = initialise(str(folder / "county.db"), TEMPLATE_KEY, "县矫正办").database
    unit = initialise(str(folder / "unit.db"), TEMPLATE_KEY, unit_name).database
    try:
        if first_admin:
            from app.services.accounts import create_first_admin

            for db in (county, unit):
                with db.session() as s:
                    create_first_admin(s, "admin", "sealed-pass-1")
        register_peers(county, "县矫正办", unit, unit_name)
        yield county, unit
    finally:
        county.close()
        unit.close()
