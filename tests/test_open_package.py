"""A package named on the command line (what double-clicking a .bjpkg runs: ``main.py [--db F]
FILE.bjpkg``, the frozen binary with the path as its first argument) opens the app on the
数据交换 page's import preview of that file; nothing is imported until the clerk chooses 导入.
A second start on a database already open hands the package to the window already open."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import qInstallMessageHandler
from sqlalchemy import func, select

from app.cli import build_parser, main, split_package_argument
from app.models import LedgerEntry
from app.services.database import open_database
from app.ui import application
from app.ui.dialogs.exchange_dialogs import ImportPreviewDialog
from app.ui.instance import InstanceServer, forward_to_running, server_name
from app.ui.main_window import MainWindow
from app.ui.operations import running_tasks

ROOT = Path(__file__).resolve().parent.parent
UNIT = "法律援助中心"


@pytest.mark.parametrize(
    ("argv", "rest", "package"),
    [
        (["x.bjpkg"], [], "x.bjpkg"),
        (["/media/u/法援-至-县矫正办-第1号.bjpkg"], [], "/media/u/法援-至-县矫正办-第1号.bjpkg"),
        (["C:\\Users\\张三\\x.BJPKG"], [], "C:\\Users\\张三\\x.BJPKG"),  # BangjiaoDesk.exe "%1"
        (["--db", "a.db", "D:\\U盘\\1.bjpkg"], ["--db", "a.db"], "D:\\U盘\\1.bjpkg"),
        (["--db=a.db", "x.bjpkg"], ["--db=a.db"], "x.bjpkg"),
        (["templates"], ["templates"], None),  # a subcommand is never a file
        (["--db", "a.db", "import", "1.bjpkg"], ["--db", "a.db", "import", "1.bjpkg"], None),
        (["--db", "a.bjpkg"], ["--db", "a.bjpkg"], None),  # the database, not a package
        (["ledgr"], ["ledgr"], None),  # a mistyped subcommand is left for the parser to refuse
        (["--help"], ["--help"], None),
        ([], [], None),
    ],
)
def test_a_package_on_the_command_line_is_told_from_a_subcommand(argv, rest, package):
    assert split_package_argument(argv) == (rest, package)
    if package is not None:
        args = build_parser().parse_args(rest)
        assert args.command is None  # the GUI starts, the file given to it


def test_the_commands_still_parse_and_help_names_the_double_click(capsys):
    args = build_parser().parse_args(split_package_argument(["--db", "a.db", "templates"])[0])
    assert args.command == "templates" and args.db == "a.db"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    assert "数据包.bjpkg" in capsys.readouterr().out


def _package(tmp_path: Path) -> tuple[Path, Path]:
    """The county's database and a real package 法律援助中心 exported for it (one entry)."""
    county, unit, cred = tmp_path / "county.db", tmp_path / "unit.db", tmp_path / "法援.cred"
    assert (
        main(["--db", str(county), "init", "--template", "qingtian-2018", "--unit", "县矫正办"])
        == 0
    )
    assert main(["--db", str(county), "credential", "--unit", UNIT, "--out", str(cred)]) == 0
    assert main(["--db", str(unit), "init", "--credential", str(cred)]) == 0
    assert main(["--db", str(unit), "ledger", "add", "--unit", UNIT, "--kind", "hotline", "--date",
                 "2018-07-02", "--title", "热线", "--field", "calls=5"]) == 0  # fmt: skip
    usb = tmp_path / "U盘"
    usb.mkdir()
    package = usb / "法律援助中心-至-县矫正办-第1号.bjpkg"
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(package)]) == 0
    return county, package


def _entries(path: Path) -> int:
    db = open_database(str(path))
    with db.session() as s:
        count = s.scalar(select(func.count()).select_from(LedgerEntry))
    db.close()
    return count


@pytest.fixture
def started(monkeypatch, gui_app):
    """Windows opened by :func:`application.start_gui` in a test, closed after it with their
    database lock and local server."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # start_gui sets its own
    windows: list[MainWindow] = []
    yield windows
    for window in windows:
        window.close()
        window.deleteLater()
    if application._database_lock is not None:
        application._database_lock.unlock()
        application._database_lock = None
    server = application._instance_server
    if isinstance(server, InstanceServer):
        server.close()
    application._instance_server = None
    qInstallMessageHandler(None)


def _previews(monkeypatch, answer: str) -> list:
    seen: list = []

    def fake_exec(dialog: ImportPreviewDialog) -> int:
        seen.append([(r.label, r.created) for r in dialog.model.rows()])
        (dialog.import_button if answer == "import" else dialog.cancel_button).click()
        return dialog.result()

    monkeypatch.setattr(ImportPreviewDialog, "exec", fake_exec)
    return seen


def _start(qtbot, started, db: Path, package: str | None) -> MainWindow:
    window = application.start_gui(str(db), package)
    assert isinstance(window, MainWindow)
    started.append(window)
    qtbot.waitUntil(lambda: window.database is not None, timeout=30000)
    return window


def _settled(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(
        lambda: running_tasks() == 0 and not getattr(window.pages.get("exchange"), "_busy", False),
        timeout=60000,
    )


def test_a_double_clicked_package_opens_on_its_import_preview(
    qtbot, monkeypatch, dialogs, started, tmp_path
):
    county, package = _package(tmp_path)
    seen = _previews(monkeypatch, "cancel")
    window = _start(qtbot, started, county, str(package))
    qtbot.waitUntil(lambda: bool(seen), timeout=60000)
    _settled(qtbot, window)
    assert ("台账", 1) in seen[0]  # the same preview 导入数据包文件… shows
    assert window.current_section() == "exchange"
    assert "未导入（已取消）" in window.pages["exchange"].log.toPlainText()
    assert _entries(county) == 0  # nothing without the clerk's 导入

    seen = _previews(monkeypatch, "import")
    window.open_package(str(package))  # as a later double-click hands it over
    _settled(qtbot, window)
    assert _entries(county) == 1
    assert f"（{package.name}）" in dialogs.texts("information")[-1]


def test_a_missing_or_foreign_file_is_explained_in_chinese(
    qtbot, monkeypatch, dialogs, started, tmp_path
):
    county, _package_file = _package(tmp_path)
    _previews(monkeypatch, "import")
    window = _start(qtbot, started, county, str(tmp_path / "不在了.bjpkg"))
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=30000)
    assert "找不到文件" in dialogs.texts("warning")[-1] and "不在了.bjpkg" in dialogs.texts()[-1]

    window.open_package(str(tmp_path / "U盘"))
    assert "是文件夹，不是数据包文件" in dialogs.texts("warning")[-1]

    notes = tmp_path / "会议记录.txt"
    notes.write_text("不是数据包", encoding="utf-8")
    window.open_package(str(notes))
    _settled(qtbot, window)
    assert "不是数据包文件" in dialogs.texts()[-1]
    assert _entries(county) == 0


def test_a_second_start_on_the_same_database_hands_the_package_over(
    qtbot, monkeypatch, dialogs, started, tmp_path
):
    county, package = _package(tmp_path)
    seen = _previews(monkeypatch, "cancel")
    window = _start(qtbot, started, county, None)  # the app already open on the county's file
    assert window.current_section() == "home"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "data")}
    second = subprocess.Popen(  # a double-click: the program started with the file
        [sys.executable, str(ROOT / "main.py"), "--db", str(county), str(package)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    qtbot.waitUntil(lambda: second.poll() is not None, timeout=90000)
    assert second.returncode == 0, second.stderr.read().decode()  # handed over, not refused
    qtbot.waitUntil(lambda: bool(seen), timeout=60000)
    _settled(qtbot, window)
    assert ("台账", 1) in seen[0] and window.current_section() == "exchange"
    assert _entries(county) == 0


def test_the_local_server_answers_forwarded_requests(qtbot, gui_app, tmp_path):
    name = server_name(str(tmp_path / "a.db"))
    assert name == server_name(str(tmp_path / "x" / ".." / "a.db"))  # one file, one name
    assert name != server_name(str(tmp_path / "b.db"))
    assert not forward_to_running(name, "x.bjpkg", timeout_ms=300)  # nobody listening
    server = InstanceServer(name)
    assert server.listen()
    got: list[str] = []
    server.requested.connect(got.append)
    script = (
        "import sys; from PySide6.QtCore import QCoreApplication; app = QCoreApplication([]);"
        "from app.ui.instance import forward_to_running;"
        "sys.exit(0 if forward_to_running(sys.argv[1], sys.argv[2] or None) else 5)"
    )
    for n, (package, expected) in enumerate(
        (("相对/x.bjpkg", str(tmp_path / "相对" / "x.bjpkg")), ("", ""))
    ):
        client = subprocess.Popen([sys.executable, "-c", script, name, package], cwd=tmp_path,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
        qtbot.waitUntil(lambda c=client: c.poll() is not None, timeout=60000)
        assert client.returncode == 0
        qtbot.waitUntil(lambda n=n: len(got) > n, timeout=10000)
        assert got[-1] == expected  # absolute: the running window's folder is another
    server.close()
