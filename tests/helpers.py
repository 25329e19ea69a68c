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


def dump(source, *, refusals: bool = False) -> list[str]:
    """Every row of every table as SQL text (``source``: a database file or a Database):
    equal dumps mean an unchanged database. A refused package's line in the 收发记录 and the
    audit log (its lines and head: a command's login is recorded even when the command is
    then refused) are left out unless ``refusals``: recording is the one write a refusal
    makes."""
    import sqlite3

    path = getattr(source, "file", source)
    connection = sqlite3.connect(path)
    try:
        lines = list(connection.iterdump())
    finally:
        connection.close()
    if refusals:
        return lines
    return [line for line in lines if not (
        (line.startswith('INSERT INTO "package_log"') and "'refused'" in line)
        or line.startswith('INSERT INTO "audit_entries"')
        or line.startswith('INSERT INTO "local_settings" VALUES(\'audit.head\'')
    )]  # fmt: skip


def refusals(source) -> list[tuple[str, str, str]]:
    """The refused packages in the 收发记录: (unit name, file name, details JSON), oldest first."""
    import sqlite3

    connection = sqlite3.connect(getattr(source, "file", source))
    try:
        return connection.execute(
            "SELECT peer_unit_name, file_name, details FROM package_log"
            " WHERE direction = 'refused' ORDER BY id"
        ).fetchall()
    finally:
        connection.close()


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
