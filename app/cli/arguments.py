"""Checking the command line's dates and output file names, with the same Chinese messages
for every command."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.services.errors import UserError

KINDS = {".pdf": "PDF", ".xlsx": "Excel", ".docx": "Word"}


def day(text: str | None, option: str = "") -> date | None:
    """The date written as 2018-09-30 (None when not given); refused otherwise."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        where = f"{option} 的日期" if option else "日期"
        raise UserError(f"{where}“{text}”无效，应写成 2018-09-30 这样。") from None


def output_file(text: str | None, suffix: str) -> Path | None:
    """The file to write (None when not given); a name without ``suffix`` is refused."""
    if not text:
        return None
    path = Path(text).expanduser()
    if path.suffix.lower() != suffix:
        raise UserError(f"{KINDS.get(suffix, '')} 文件名应以 {suffix} 结尾：“{text}”。".lstrip())
    return path
