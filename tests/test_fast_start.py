"""Fast start: 首页 painted from the snapshot of its last figures (marked 正在更新…) while the
database opens in a worker thread, then the real figures; a snapshot that does not belong to
the database as it is now is ignored; clicks meanwhile are queued; errors still reach the
clerk."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import text

from app.services import ledger
from app.services.database import open_database
from app.services.home_snapshot import (
    FORMAT,
    read_snapshot,
    snapshot_path,
)
from app.services.ledger import EntryInput
from app.services.programme import new_programme
from app.services.setup import initialise
from app.ui import application
from app.ui.main_window import SECTIONS, MainWindow
from tests.conftest import TEMPLATE_KEY
from tests.helpers import kind_ids, open_page, unit_ids

ROOT = Path(__file__).resolve().parent.parent
SHOTS = os.environ.get("BANGJIAO_SHOTS")  # a folder: the two states are saved there as PNG
PRIVATE_TITLE = "走访矫正对象王喆堃"  # a name that must never reach the snapshot


def _entry(db_path: Path, title: str = PRIVATE_TITLE) -> None:
    db = open_database(str(db_path))
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        ledger.save_entry(
            s, db.attachments, None,
            EntryInput(kind_id=kinds["hotline"], unit_id=units["法律援助中心"],
                       entry_date=date(2018, 7, 2), title=title, subjects_served=1,
                       values={"calls": 1}),
        )  # fmt: skip
    db.close()


def _write_snapshot(qtbot, db_path: Path):
    """Open 首页 on the database (which writes the snapshot) and close it again."""
    home = open_page(qtbot, db_path, "home")
    figures = home.figures
    window = home.window()
    window.close()
    return figures


def _nav_click(qtbot, window: MainWindow, key: str) -> None:
    row = next(i for i, s in enumerate(SECTIONS) if s[0] == key)
    rect = window.nav.visualItemRect(window.nav.item(row))
    qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


@pytest.fixture
def held_loader(monkeypatch):
    """The loader thread waits for ``release.set()`` before it opens the database, so that a
    test can click while the database is still opening."""
    release = threading.Event()
    real = application._load_database

    def slow(db):
        assert release.wait(30)
        return real(db)

    monkeypatch.setattr(application, "_load_database", slow)
    yield release
    release.set()


def _start(qtbot, db_path: Path) -> MainWindow:
    """As run_gui: the window, the snapshot if trusted, then the database in the background."""
    window = MainWindow()
    qtbot.addWidget(window)
    snapshot = read_snapshot(db_path)
    if snapshot is not None:
        window.show_snapshot(snapshot)
    window.resize(1366, 740)
    window.show()
    application.open_in_background(window, str(db_path))
    return window


def _wait_open(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.database is not None, timeout=20000)
    assert window.loader is not None
    assert window.loader.wait(10)


def test_snapshot_is_written_after_a_refresh_and_painted_at_the_next_start(
    qtbot, gui_app, db_path, held_loader
):
    _entry(db_path)
    figures = _write_snapshot(qtbot, db_path)
    path = snapshot_path(db_path)
    assert path.exists() and figures is not None
    text = path.read_text(encoding="utf-8")
    assert PRIVATE_TITLE not in text and "王喆堃" not in text  # figures only, no entries
    assert json.loads(text)["figures"]["summary"] == figures.summary

    # the snapshot is made to differ from what the database now says: the start paints it
    # (marked 正在更新…), and the refresh replaces it with the real figures
    data = json.loads(text)
    data["figures"]["cards"][0]["value"] = "99%（旧）"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    window = _start(qtbot, db_path)
    preview = window.preview
    assert preview is not None and window.stack.currentWidget() is preview
    assert window.database is None
    assert preview.view.cards["participation_rate"].value.text() == "99%（旧）"
    assert "正在更新" in preview.note.text() and preview.note.isVisible()
    assert "县矫正办" in window.banner.text() and "县矫正办" in window.windowTitle()
    assert not preview.view.reminder_button.isEnabled()
    if SHOTS:
        window.grab().save(str(Path(SHOTS) / "fast-snapshot.png"))

    held_loader.set()
    _wait_open(qtbot, window)
    home = window.pages["home"]
    assert window.stack.currentWidget() is home and window.preview is None
    assert home.view.cards["participation_rate"].value.text() == figures.cards[0].value
    assert not any("正在更新" in label.text() for label in home.findChildren(QLabel))
    assert home.view.summary.text() == figures.summary
    if SHOTS:
        window.grab().save(str(Path(SHOTS) / "fast-refreshed.png"))
    again = read_snapshot(db_path)  # the refresh wrote the real figures back
    assert again is not None and again.figures.cards[0].value == figures.cards[0].value


def test_the_snapshot_path_imports_no_database_layer(qtbot, gui_app, db_path):
    _write_snapshot(qtbot, db_path)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from app.ui.application import create_application, _snapshot_for\n"
        "from app.ui.main_window import MainWindow\n"
        "app = create_application([])\n"
        f"snapshot = _snapshot_for({str(db_path)!r})\n"
        "assert snapshot is not None\n"
        "w = MainWindow(); w.show_snapshot(snapshot); w.show(); app.processEvents()\n"
        "assert w.preview.view.summary.text() == snapshot.figures.summary\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('sqlalchemy', 'alembic', 'reportlab', 'openpyxl', 'docx', 'pypdfium2', 'PIL')))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def _tamper(db_path: Path, change) -> None:
    path = snapshot_path(db_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_a_stale_or_foreign_snapshot_is_ignored(qtbot, gui_app, db_path, tmp_path):
    _write_snapshot(qtbot, db_path)
    good = snapshot_path(db_path).read_text(encoding="utf-8")
    assert read_snapshot(db_path) is not None

    def restore() -> None:
        snapshot_path(db_path).write_text(good, encoding="utf-8")

    # written by another (older or newer) program, or in another format
    for change in (
        lambda d: d.update(program="source:1"),
        lambda d: d.update(format=FORMAT + 1),
        lambda d: d["key"].update(schema="0014"),
    ):
        _tamper(db_path, change)
        assert read_snapshot(db_path) is None
        restore()
    # unreadable
    snapshot_path(db_path).write_text("{not json", encoding="utf-8")
    assert read_snapshot(db_path) is None
    restore()
    snapshot_path(db_path).write_text('{"format": 1, "figures": 3}', encoding="utf-8")
    assert read_snapshot(db_path) is None
    restore()

    # another database: a unit's PC (another unit) with this snapshot put beside it
    other = tmp_path / "unit" / "bangjiao.db"
    other.parent.mkdir()
    initialise(str(other), TEMPLATE_KEY, "法律援助中心").database.close()
    snapshot_path(other).write_text(good, encoding="utf-8")
    assert read_snapshot(other) is None

    # the same database, another year made current (here: the programme's year changed)
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE programmes SET year = year + 1")
    conn.close()
    assert read_snapshot(db_path) is None
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE programmes SET year = year - 1")
    conn.close()
    assert read_snapshot(db_path) is not None

    # a new year started (it becomes the current programme)
    db = open_database(str(db_path))
    with db.session() as s:
        new_programme(s, year=2019, copy_from_year=2018)
    db.close()
    assert read_snapshot(db_path) is None


def test_clicks_while_the_database_opens_are_queued(qtbot, gui_app, db_path, held_loader):
    _write_snapshot(qtbot, db_path)
    window = _start(qtbot, db_path)
    assert window.preview is not None
    # a figure card of the snapshot: its section opens once the database is open
    card = window.preview.view.cards["signing_rate"]
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert window.pending == ("agreements", None)
    assert "责任状" in window.preview.note.text()
    # then the navigation: the last click wins
    _nav_click(qtbot, window, "ledger")
    assert window.pending == ("ledger", None) and window.database is None
    assert "工作台账" in window.preview.note.text()
    qtbot.mouseClick(window.preview.view.bulletin_button, Qt.MouseButton.LeftButton)  # disabled
    held_loader.set()
    _wait_open(qtbot, window)
    assert window.current_section() == "ledger"
    assert window.stack.currentWidget() is window.pages["ledger"]
    assert "home" in window.pages and window.preview is None  # 首页 refreshed the snapshot


def test_clicks_without_a_snapshot_are_queued_too(qtbot, gui_app, db_path, held_loader):
    assert read_snapshot(db_path) is None  # a first start: nothing painted yet
    window = _start(qtbot, db_path)
    assert window.preview is None and window.stack.currentWidget() is window.loading
    _nav_click(qtbot, window, "meetings")
    assert "例会" in window.loading.text()
    held_loader.set()
    _wait_open(qtbot, window)
    assert window.current_section() == "meetings"
    assert snapshot_path(db_path).exists()


def test_closing_while_the_database_opens(qtbot, gui_app, db_path, held_loader):
    _write_snapshot(qtbot, db_path)
    window = _start(qtbot, db_path)
    window.close()
    loader = window.loader
    assert loader is not None
    held_loader.set()
    assert loader.wait(20)
    qtbot.waitUntil(lambda: not window.loading_database)  # its result, after the close
    assert window.database is None and not window.isVisible() and window.pages == {}


def test_open_errors_still_reach_the_clerk(qtbot, gui_app, db_path, dialogs):
    _write_snapshot(qtbot, db_path)
    with sqlite3.connect(db_path) as conn:  # a database from a newer program
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    assert read_snapshot(db_path) is None  # its schema is no longer the snapshot's
    window = _start(qtbot, db_path)
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=20000)
    kind, title, text = dialogs.shown[0]
    assert kind == "critical" and title == "无法打开数据库" and "比本程序新" in text
    qtbot.waitUntil(lambda: not window.isVisible())
    assert window.database is None


def test_snapshot_permissions_follow_the_database(qtbot, gui_app, db_path):
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    os.chmod(db_path, 0o600)
    _write_snapshot(qtbot, db_path)
    assert snapshot_path(db_path).stat().st_mode & 0o777 == 0o600


def test_the_start_up_probe_reports_and_quits(gui_app, db_path, tmp_path):
    """bench/startup.py's probe on the real start (main.py): the window, then (from the second
    start on) the snapshot's figures, then the real ones; the app quits by itself."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    moments = []
    for run in range(2):
        probe = tmp_path / f"probe{run}.txt"
        env[application.PROBE] = str(probe)
        subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "--db", str(db_path)],
            env=env, check=True, timeout=120, capture_output=True,
        )  # fmt: skip
        moments.append([line.split()[0] for line in probe.read_text().splitlines()])
    assert moments == [["shown", "ready"], ["shown", "figures", "ready"]]


def test_home_data_read_by_the_loader_is_used_only_for_its_day(qtbot, gui_app, db_path):
    from app.services.dashboard import home_data

    db = open_database(str(db_path))
    with db.session() as s:
        programme_id = s.scalar(text("SELECT id FROM programmes"))
        other_day = home_data(s, programme_id, date(2018, 7, 1))  # the phase 动员部署 then
        today = home_data(s, programme_id, date.today())
    for given, used in ((other_day, False), (today, True)):
        window = MainWindow()
        qtbot.addWidget(window)
        window.attach_database(db, home=given)
        home = window.pages["home"]
        assert (home.data is given.dashboard) is used  # another day's data is read again
        assert home.data.today == date.today() and home.prefetched is None
        window.close()


def test_a_file_that_is_no_database_is_told_in_chinese(qtbot, gui_app, tmp_path, dialogs):
    path = tmp_path / "bangjiao.db"
    path.write_bytes(b"not a database at all" * 100)
    snapshot_path(path).write_text('{"format": 1}', encoding="utf-8")
    assert read_snapshot(path) is None
    window = _start(qtbot, path)
    assert window.preview is None
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=20000)
    kind, _title, text = dialogs.shown[0]
    assert kind == "critical" and "不是大帮教工作台的数据库文件" in text
    assert path.read_bytes() == b"not a database at all" * 100  # left as it was


def test_the_opened_window_imports_no_document_libraries(qtbot, gui_app, db_path):
    """With 首页 ready, nothing for documents (PDF, Excel, Word, images) nor Alembic (the
    schema is at head) nor another page's module has been imported: they come when used."""
    code = (
        "import sys\n"
        "from app.ui.application import create_application, _open_into\n"
        "from app.ui.main_window import MainWindow\n"
        "app = create_application([])\n"
        "w = MainWindow(); w.show()\n"
        f"_open_into(w, {str(db_path)!r}); app.processEvents()\n"
        "assert w.pages['home'].data is not None\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'reportlab',"
        " 'openpyxl', 'docx', 'pypdfium2', 'PIL', 'pypdf') or m.startswith('app.ui.pages.')"
        " and m.split('.')[3] not in ('base', 'home', 'home_view', 'placeholder')))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_program_is_known_by_its_build(monkeypatch, tmp_path):
    """A snapshot from another build is ignored: a frozen build is known by its executable (a
    new install or upgrade rewrites it), a source checkout by its newest module."""
    from app.services import home_snapshot

    version = home_snapshot.program_version.__wrapped__
    assert version().startswith("source:")
    exe = tmp_path / "bangjiao-desk"
    exe.write_bytes(b"build 1")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    first = version()
    exe.write_bytes(b"build two")  # upgraded
    assert first.startswith("frozen:") and version() != first


def test_only_the_window_skips_the_command_line_parser():
    from main import _window_only

    assert _window_only([]) == (True, None)
    assert _window_only(["--db", "D:/数据/bangjiao.db"]) == (True, "D:/数据/bangjiao.db")
    assert _window_only(["--db=a.db"]) == (True, "a.db")
    for argv in (["--help"], ["--db", "a.db", "init"], ["--db"], ["--db", "--help"], ["x.bjpkg"]):
        assert _window_only(argv)[0] is False  # the parser decides (and explains)


def test_a_snapshot_beside_a_database_in_an_awkward_folder(qtbot, gui_app, db_path, tmp_path):
    """A folder name with %, #, ? and Chinese reaches SQLite unchanged (not as URL syntax)."""
    folder = tmp_path / "数据 a%41b #?"
    folder.mkdir()
    moved = folder / "bangjiao.db"
    db_path.rename(moved)
    figures = _write_snapshot(qtbot, moved)
    snapshot = read_snapshot(moved)
    assert snapshot is not None and snapshot.figures.summary == figures.summary
    assert not (tmp_path / "数据 aAb #").exists()


def test_a_database_locked_by_another_program_is_told_in_chinese(qtbot, gui_app, db_path, dialogs):
    """Another program holds the file's lock: the window stays responsive while the open waits
    for it, then the clerk is told, in Chinese, and the database is left as it was."""
    before = db_path.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         f"c = sqlite3.connect({str(db_path)!r}, isolation_level=None)\n"
         "c.execute('PRAGMA locking_mode=EXCLUSIVE'); c.execute('BEGIN EXCLUSIVE')\n"
         "print('locked', flush=True); time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        window = _start(qtbot, db_path)
        qtbot.wait(200)
        assert window.isVisible() and window.loading_database  # still waiting, not frozen
        qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=30000)
    finally:
        holder.kill()
        holder.wait()
    kind, _title, text = dialogs.shown[0]
    assert kind == "critical" and "正被另一个程序使用" in text
    assert db_path.read_bytes() == before


def test_the_backup_warning_is_in_the_snapshot_too(qtbot, gui_app, db_path, held_loader):
    """首页's warning of no backup for a week is painted from the snapshot as well, so that
    the figures do not move when the real page replaces it."""
    _entry(db_path)
    old = (datetime.now() - timedelta(days=10)).isoformat(sep=" ")
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE ledger_entries SET created_at = ?", (old,))
    conn.close()
    _write_snapshot(qtbot, db_path)
    window = _start(qtbot, db_path)
    assert window.preview is not None
    warning = window.preview.view.backup_warning
    assert warning.isVisible() and "从未备份" in warning.text() and "王喆堃" not in warning.text()
    top = window.preview.view.cards["phase"].mapTo(window, QPoint(0, 0)).y()
    held_loader.set()
    _wait_open(qtbot, window)
    home = window.pages["home"]
    assert home.backup_warning.isVisible() and "从未备份" in home.backup_warning.text()
    assert home.view.cards["phase"].mapTo(window, QPoint(0, 0)).y() == top  # nothing moved
