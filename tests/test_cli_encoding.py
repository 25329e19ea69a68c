"""Command-line output redirected on a PC whose code page cannot hold the text (Windows'
ANSI code page): UTF-8 out, exit 0, and a ledger entry saved exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from app.models import LedgerEntry
from app.services.database import open_database

ROOT = Path(__file__).resolve().parent.parent
TITLE = "拨付专项经费 • 第一批"


def _run(*args: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "PYTHONUTF8": "0"}
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, env=env, stdout=stdout,
        stderr=subprocess.PIPE, timeout=120,
    )  # fmt: skip


def _entries(db_path: Path) -> list[str]:
    db = open_database(str(db_path))
    try:
        with db.session() as s:
            return list(s.scalars(select(LedgerEntry.title)))
    finally:
        db.close()


def test_help_under_cp1252_prints_utf8():
    result = _run("--help")
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert "用法" in result.stdout.decode("utf-8")
    result = _run("ledger", "add", "--help")
    assert result.returncode == 0 and "--title" in result.stdout.decode("utf-8")


def test_ledger_add_with_a_bullet_redirected_to_a_file_saves_once(db_path, tmp_path):
    before = len(_entries(db_path))
    out = tmp_path / "out.txt"
    with out.open("wb") as handle:
        result = _run(
            "--db", str(db_path), "ledger", "add", "--unit", "办公室（政治处）",
            "--kind", "funding", "--date", "2018-03-01", "--title", TITLE,
            "--field", "amount=1,500", "--field", "purpose=专项经费", stdout=handle,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    text = out.read_bytes().decode("utf-8")
    assert "已保存台账" in text and TITLE in text
    titles = _entries(db_path)
    assert len(titles) == before + 1 and titles.count(TITLE) == 1


def test_refusal_message_under_cp1252_is_readable(db_path):
    result = _run("--db", str(db_path), "ledger", "add", "--unit", "没有这个单位 •",
                  "--kind", "funding", "--date", "2018-03-01", "--title", TITLE)  # fmt: skip
    assert result.returncode == 2
    assert "错误" in result.stderr.decode("utf-8")


def test_output_that_cannot_be_written_does_not_undo_a_save(db_path):
    """stdout on a full disk (/dev/full): the entry is saved once and the command succeeds."""
    before = len(_entries(db_path))
    with open("/dev/full", "wb") as full:
        result = _run(
            "--db", str(db_path), "ledger", "add", "--unit", "办公室（政治处）",
            "--kind", "funding", "--date", "2018-03-01", "--title", TITLE,
            "--field", "amount=1,500", "--field", "purpose=专项经费", stdout=full,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert _entries(db_path).count(TITLE) == 1 and len(_entries(db_path)) == before + 1
