"""Backups from the window: 立即备份 on 设置 and the daily automatic backup, both in the
background on the operations path; each result is kept for 设置 (and 首页's warning)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from app.services.database import Database
from app.services.errors import UserError, environment_problem
from app.ui.background import BackgroundTask
from app.ui.operations import Operation, report_failure

log = logging.getLogger("bangjiao.ui")


def _t(text: str) -> str:
    return QCoreApplication.translate("backup", text)


def start_backup(
    parent: QWidget,
    database: Database,
    *,
    automatic: bool,
    after: Callable[[Any], None] | None = None,
) -> BackgroundTask | None:
    """Back up into the chosen folder in the background. ``automatic``: no progress dialog
    and no message box; a failure (a USB stick not plugged in) is logged in Chinese and shown
    on 设置. ``after(result or None)`` once it is over. None when there is no database file."""
    from app.services.backup.schedule import (
        backup_to_folder,
        record,
        status,
        stored_key,
        success_text,
    )
    from app.services.settings import database_unit

    database_file = database.file
    if database_file is None:
        return None
    with database.session() as session:
        state, master = status(session), stored_key(session)
        unit = database_unit(session)
    unit_name = unit.name if unit is not None else "本机"
    now = datetime.now()
    title = _t("自动备份") if automatic else _t("立即备份")

    def work(report: Callable[[int], None]) -> Any:
        return backup_to_folder(database_file, database.attachments, state.folder, master,
                                unit_name, report=report, now=now)  # fmt: skip

    def keep(ok: bool, text: str, file: Any = None) -> None:
        try:
            with database.session() as session:
                record(session, now, ok, text, file)
        except Exception:  # the result could not be kept: the log has it
            log.warning("%s：结果未能记入数据库", title, exc_info=True)

    def succeeded(result: Any) -> None:
        keep(True, success_text(result), result.path)
        log.info("%s：%s", title, success_text(result))
        if after is not None:
            after(result)

    def failed(error: BaseException) -> None:
        if isinstance(error, UserError):
            text = str(error)
        else:
            text = environment_problem(error) or _t("程序出现了意外错误，详细情况已记入日志文件。")
        keep(False, _t("未完成：") + text)
        if automatic:
            if isinstance(error, UserError) or environment_problem(error) is not None:
                log.warning("自动备份未完成：%s", text)
            else:
                log.error("自动备份：程序错误", exc_info=error)
        else:
            report_failure(parent, title, error)
        if after is not None:
            after(None)

    operation = Operation(parent, title, work, changes=False)
    operation.success(succeeded).failure(failed)
    return operation.in_background(_t("正在备份数据和照片……"), quiet=automatic)


def start_daily_backup(parent: QWidget, database: Database, today: date | None = None) -> Any:
    """The automatic backup, when today's is still to be tried (a folder and a 备份密码 are
    set); the running task, or None."""
    from app.services.backup.schedule import due

    with database.session() as session:
        if database.file is None or not due(session, today or date.today()):
            return None
    return start_backup(parent, database, automatic=True)
