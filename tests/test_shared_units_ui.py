"""用户管理's 所属单位 and the window of a department's user on the county's database (issue 18:
several units sharing one database)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.cli import main
from app.services import accounts
from app.ui.dialogs.account_dialogs import UserDialog, UsersDialog
from tests.conftest import open_unlocked
from tests.helpers import assert_fits_screen, dump

SHOTS = os.environ.get("BANGJIAO_SHOTS", "")


def _shot(widget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / name))


def _rows(users: UsersDialog) -> dict[str, list[str]]:
    table = users.table
    return {
        table.item(r, 0).text(): [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    }


def test_users_dialog_gives_a_user_a_unit_and_changes_it(qtbot, gui_app, database) -> None:
    add = UserDialog(database)
    qtbot.addWidget(add)
    assert_fits_screen(add)
    assert add.unit.currentText() == "本库单位（县矫正办）"  # the default: the database's unit
    assert add.unit.findText("县矫正办") < 0  # offered once, as 本库单位
    add.name.setText("fayuan")
    add.display.setText("法援李主任")
    add.role.setCurrentText("填报员")
    add.unit.setCurrentText("法律援助中心")
    add.password.setText("clerk-pass-1")
    add.repeat.setText("clerk-pass-1")
    _shot(add, "pg19-pgunits-add-user.png")
    qtbot.mouseClick(add.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)  # fmt: skip
    assert add.result() == UserDialog.DialogCode.Accepted, add.error.text()
    users = UsersDialog(database)
    qtbot.addWidget(users)
    assert_fits_screen(users)
    rows = _rows(users)
    assert rows["fayuan"] == ["fayuan", "法援李主任", "填报员", "法律援助中心", "在用"]
    assert rows["admin"][3] == "本库单位"
    _shot(users, "pg19-pgunits-users.png")
    row = list(rows).index("fayuan")
    users.table.selectRow(row)
    users.unit.setCurrentIndex(0)  # 本库单位
    qtbot.mouseClick(users.set_unit, Qt.MouseButton.LeftButton)
    assert _rows(users)["fayuan"][3] == "本库单位"
    users.table.selectRow(row)
    users.unit.setCurrentText("基层科")
    qtbot.mouseClick(users.set_unit, Qt.MouseButton.LeftButton)
    assert _rows(users)["fayuan"][3] == "基层科"
    with database.session() as s:
        assert accounts.user_unit(s, accounts.find_user(s, "fayuan")).name == "基层科"


def test_the_window_of_a_departments_user_names_the_unit_and_the_database(
    qtbot, gui_app, dialogs, db_path
) -> None:
    from app.ui.main_window import MainWindow
    from tests import helpers

    database = open_unlocked(str(db_path))
    with database.session() as s:
        accounts.add_user(s, "fayuan", "clerk-pass-1", "填报员", "法援李主任",
                          unit_uuid=accounts.find_unit_uuid(s, "法律援助中心"))  # fmt: skip
    with database.session() as s:
        database.actor = accounts.authenticate(s, "fayuan", "clerk-pass-1")
    window = MainWindow(database)
    helpers._open_windows.append(window)
    qtbot.addWidget(window)
    window.resize(1366, 740)
    window.show()
    assert window.windowTitle() == "大帮教工作台 — 法律援助中心（县矫正办的数据库）"
    assert "登录单位：法律援助中心" in window.banner.text()
    assert window.width() <= 1366  # the banner never widens the window past the screen (1544)
    ledger = window.open_section("ledger")
    assert ledger.context.local_unit_name == "法律援助中心"
    _shot(window, "pg19-pgunits-department-window.png")
    home = window.open_section("home")
    assert "登录单位：法律援助中心（县矫正办的数据库）" in home.summary.text()
    statistics = window.open_section("statistics")  # no package to send on the server
    assert "县矫正办立即看到" in statistics.status.text() and "数据交换" not in statistics.hint
    exchange = window.open_section("exchange")
    for button in (exchange.export_button, exchange.import_file_button, exchange.resolve_button):
        assert not button.isEnabled()
        assert "以本库单位（县矫正办）的名义办理" in button.toolTip()
    qtbot.mouseClick(exchange.export_button, Qt.MouseButton.LeftButton)
    assert not dialogs.shown  # a disabled button opens nothing
    _shot(window, "pg19-pgunits-department-exchange.png")


def test_users_add_on_the_command_line_takes_a_unit(db_path, monkeypatch, capsys) -> None:
    db = ["--db", str(db_path)]
    monkeypatch.setenv("BANGJIAO_NEW_PASSWORD", "clerk-pass-1")
    before = dump(db_path)
    assert main([*db, "users", "add", "--name", "x", "--role", "填报员", "--unit", "无此科"]) == 2
    assert "没有单位“无此科”" in capsys.readouterr().err
    assert dump(db_path) == before
    assert main([*db, "users", "add", "--name", "li", "--role", "填报员", "--display", "李",
                 "--unit", "法律援助中心"]) == 0  # fmt: skip
    assert "所属单位：法律援助中心" in capsys.readouterr().out
    assert main([*db, "users", "add", "--name", "wang", "--role", "填报员"]) == 0
    assert "所属单位：本库单位" in capsys.readouterr().out
    assert main([*db, "users", "list"]) == 0
    listed = capsys.readouterr().out
    assert "li\t李\t填报员\t在用\t法律援助中心" in listed
    assert "wang\t\t填报员\t在用\n" in listed  # a user of the database's unit: as before
