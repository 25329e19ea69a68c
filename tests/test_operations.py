"""The one path for user actions: refusals, known PC problems and bugs each reach the clerk
in Chinese (bugs in the log too, with the log's location), and a failure changes nothing."""

from __future__ import annotations

import logging
import sqlite3

from PySide6.QtWidgets import QPushButton, QWidget
from sqlalchemy import func, select

from app.models import Unit
from app.services.errors import UserError, ValidationError
from app.ui.operations import Operation, notifier


def _units(database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(Unit))


def _add_unit_then(database, error: BaseException):
    def work(session):
        session.add(Unit(name="临时单位", kind="department"))
        session.flush()
        raise error

    return work


def test_a_refusal_shows_its_message_and_changes_nothing(qtbot, dialogs, database):
    parent = QWidget()
    qtbot.addWidget(parent)
    before = _units(database)
    ok, result = Operation(
        parent, "保存单位", _add_unit_then(database, ValidationError("请填写单位名称。", "name")),
        database=database,
    ).run()  # fmt: skip
    assert (ok, result) == (False, None)
    assert dialogs.shown == [("warning", "保存单位", "请填写单位名称。")]
    assert _units(database) == before


def test_a_locked_database_is_explained_in_chinese(qtbot, dialogs, db_path, monkeypatch):
    from app.services import database as database_module

    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_MS", 100)  # the app waits 5 s
    database = database_module.open_database(str(db_path))
    parent = QWidget()
    qtbot.addWidget(parent)
    holder = sqlite3.connect(db_path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        ok, _ = Operation(
            parent, "保存单位", lambda s: s.add(Unit(name="锁住时", kind="department")),
            database=database,
        ).run()  # fmt: skip
    finally:
        holder.rollback()
        holder.close()
    assert not ok
    (kind, _title, text) = dialogs.shown[0]
    assert kind == "warning" and "正被另一个程序占用" in text and "没有保存" in text
    with database.session() as s:
        assert s.scalar(select(Unit).where(Unit.name == "锁住时")) is None
    database.close()


def test_a_bug_is_logged_with_its_traceback_and_names_the_log_file(
    qtbot, dialogs, database, expect_logged_errors
):
    from app.logs import log_file

    parent = QWidget()
    qtbot.addWidget(parent)
    before = _units(database)
    ok, _ = Operation(parent, "保存单位", _add_unit_then(database, KeyError("x")),
                      database=database).run()  # fmt: skip
    assert not ok and _units(database) == before
    (kind, title, text) = dialogs.shown[0]
    assert kind == "box" and title == "保存单位"
    assert "意外错误" in text and str(log_file()) in text
    (record,) = expect_logged_errors
    assert record.exc_info and record.exc_info[0] is KeyError


def test_success_runs_the_callback_then_tells_the_open_pages(qtbot, database):
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[object] = []
    notifier().changed.connect(seen.append)
    try:
        ok, name = (
            Operation(parent, "读取", lambda s: s.scalar(select(Unit.name).limit(1)),
                      database=database)
            .success(lambda value: seen.append(("success", value)))
            .run()
        )  # fmt: skip
    finally:
        notifier().changed.disconnect(seen.append)
    assert ok and seen == [("success", name), parent]


def test_a_background_operation_reports_a_refusal_through_the_same_policy(qtbot, dialogs):
    parent = QWidget()
    qtbot.addWidget(parent)

    def work(report):
        report(1)
        raise UserError("磁盘上没有这个文件夹。")

    task = Operation(parent, "导出", work).in_background("正在导出……", total=2)
    with qtbot.waitSignal(task.finished, timeout=10000):
        pass
    assert dialogs.texts("warning") == ["磁盘上没有这个文件夹。"]


def test_a_button_wired_through_an_operation_is_clicked_like_a_clerk(qtbot, dialogs, database):
    from PySide6.QtCore import Qt

    parent = QWidget()
    button = QPushButton("删除", parent)
    qtbot.addWidget(parent)
    done: list[bool] = []
    button.clicked.connect(
        lambda: done.append(Operation(parent, "删除", lambda s: None, database=database).run()[0])
    )
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert done == [True] and dialogs.shown == []


def test_the_log_masks_identity_and_phone_numbers(tmp_path):
    from app.logs import configure_logging, log

    path = configure_logging(tmp_path / "logs" / "bangjiao.log")
    try:
        log.warning("导入失败：证件号 33112719850312123X，电话 13812345678")
        for handler in log.handlers:
            handler.flush()
    finally:
        for handler in list(log.handlers):
            if isinstance(handler, logging.FileHandler):
                log.removeHandler(handler)
                handler.close()
    text = path.read_text(encoding="utf-8")
    assert "3311**********123X" in text and "138****5678" in text
    assert "33112719850312123X" not in text and "13812345678" not in text


def test_a_native_crash_last_time_is_reported_in_the_log(tmp_path, expect_logged_errors):
    from app.logs import configure_logging, log

    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "crash.log").write_text("Fatal Python error: Segmentation fault\n", encoding="utf-8")
    try:
        configure_logging(folder / "bangjiao.log")
    finally:
        for handler in list(log.handlers):
            if isinstance(handler, logging.FileHandler):
                log.removeHandler(handler)
                handler.close()
    kept = list(folder.glob("crash-*.log"))
    assert len(kept) == 1 and "Segmentation fault" in kept[0].read_text(encoding="utf-8")
    assert "上次运行意外中止" in expect_logged_errors[0].getMessage()
