"""Checking the command line's dates and output file names, with the same Chinese messages
for every command; the ``--out FILE`` option and the database a command writes from."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

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


def add_out_option(parser: argparse.ArgumentParser, suffix: str, help_text: str) -> None:
    """The required ``--out 文件.xlsx`` of a command that writes one file."""
    parser.add_argument("--out", required=True, metavar=f"文件{suffix}", help=help_text)


def required_output(args: argparse.Namespace, suffix: str) -> Path:
    """The ``--out`` file, checked before the database is opened (a wrong name is refused
    with nothing read or written)."""
    path = output_file(args.out, suffix)
    if path is None:
        raise UserError(f"请用 --out 指定要写出的{KINDS.get(suffix, '')}文件。")
    return path


@contextmanager
def opened_database(open_existing: Callable[[str | None], Any], db: str | None) -> Iterator[Any]:
    """The command's database (logged in by ``open_existing``), closed afterwards whatever
    happens."""
    database = open_existing(db)
    try:
        yield database
    finally:
        database.close()
