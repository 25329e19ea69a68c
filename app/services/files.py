"""Writing files on office PCs: names any file system accepts, and renames that wait out
antivirus scanners."""

from __future__ import annotations

import os
import time
from pathlib import Path

from app.services.errors import UserError

REPLACE_ATTEMPTS = 6
REPLACE_DELAY = 0.25  # seconds, doubled after each failure: about 8 s in all
_rename = os.replace  # the one place a finished file is renamed into place


class ReplaceError(UserError):
    """A finished file could not be put in place; the temporary copy has been removed."""


def replace_file(source: Path | str, target: Path | str) -> None:
    """Move ``source`` onto ``target`` (``os.replace``), retrying for a few seconds while the
    target is held open: antivirus scanning a file just written, WPS or Adobe showing it.
    On failure ``source`` is deleted, ``target`` is as it was, and a Chinese
    :class:`ReplaceError` says what to do."""
    delay = REPLACE_DELAY
    for attempt in range(REPLACE_ATTEMPTS):
        try:
            _rename(source, target)
            return
        except PermissionError as exc:
            if attempt == REPLACE_ATTEMPTS - 1:
                Path(source).unlink(missing_ok=True)
                raise ReplaceError(
                    f"无法写入“{Path(target).name}”：文件正被其他程序占用（例如 PDF 阅读器、WPS、"
                    "Excel 或杀毒软件），或没有权限。文件没有改动。请关闭打开它的程序，稍等片刻后再试。"
                ) from exc
            time.sleep(delay)
            delay *= 2
        except BaseException:
            Path(source).unlink(missing_ok=True)
            raise
