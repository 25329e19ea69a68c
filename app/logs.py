"""The log file: rotating, in the user data folder, never holding personal data.

Every part of the app logs through ``logging.getLogger("bangjiao.<part>")``. Messages name
records by id and kind, never by a person's name or a record's text; as a second guard the
handler masks anything shaped like an identity or telephone number before it is written.
"""

from __future__ import annotations

import faulthandler
import logging
import re
import sys
import threading
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from app.paths import user_data_dir
from app.services.idcard import mask_id_number
from app.services.private_files import private_folder

LOGGER_NAME = "bangjiao"
LOG_FILE_NAME = "bangjiao.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUP_COUNT = 5

log = logging.getLogger(LOGGER_NAME)

_ID_NUMBER = re.compile(r"(?<![0-9])\d{14}[0-9Xx](?:\d{2}[0-9Xx])?(?![0-9])")
_PHONE = re.compile(r"(?<![0-9])(1[3-9]\d)\d{4}(\d{4})(?![0-9])")
_log_file: Path | None = None
_crash_file: object = None  # kept open: faulthandler writes to it when the process dies


def mask_personal_data(text: str) -> str:
    """``text`` with identity numbers and mobile numbers masked (3311**********1234)."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    return _PHONE.sub(r"\1****\2", text)


class MaskingFormatter(logging.Formatter):
    """A formatter whose output, traceback included, has personal numbers masked."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_data(super().format(record))


def default_log_file() -> Path:
    """Where the log is written: ``logs/bangjiao.log`` in the user data folder."""
    return user_data_dir() / "logs" / LOG_FILE_NAME


def log_file() -> Path:
    """The log file in use (the default one before :func:`configure_logging`)."""
    return _log_file or default_log_file()


def configure_logging(path: Path | None = None, level: int = logging.INFO) -> Path:
    """Send the app's log to a rotating file (2 MB × 5) and log uncaught exceptions there.

    Returns the file's path; safe to call more than once.
    """
    global _log_file
    default = path is None or path == default_log_file()
    path = path or default_log_file()
    # owner only (the log names records by id only, but is nobody else's), and so is the user
    # data folder above the default one
    private_folder(path.parent, top=user_data_dir() if default else None)
    for handler in list(log.handlers):
        if isinstance(handler, RotatingFileHandler):
            log.removeHandler(handler)
            handler.close()
    handler = RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
    )
    handler.setFormatter(
        MaskingFormatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    log.addHandler(handler)
    log.setLevel(level)
    _log_file = path
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    _record_native_crashes(path.parent)
    return path


def _record_native_crashes(folder: Path) -> None:
    """A crash inside Qt or another library ends the process before Python can log it:
    faulthandler writes the threads' stacks to ``crash.log``; the next start moves that file
    aside and says so in the log, for IT staff."""
    global _crash_file
    crash = folder / "crash.log"
    if crash.exists() and crash.stat().st_size > 0:
        kept = crash.with_name(f"crash-{datetime.now():%Y%m%d-%H%M%S}.log")
        crash.replace(kept)
        log.error("上次运行意外中止（程序库内部错误），当时的调用栈见 %s", kept.name)
    if _crash_file is None:
        _crash_file = open(crash, "w", encoding="utf-8")  # noqa: SIM115 - open for the process
        faulthandler.enable(_crash_file, all_threads=True)


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    log.critical("未捕获的异常", exc_info=(kind, value, tb))
    sys.__excepthook__(kind, value, tb)


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        log.critical(
            "线程 %s 中未捕获的异常",
            args.thread.name if args.thread else "?",
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
