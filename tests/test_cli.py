"""The command line: init, its idempotence and its refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.models import Duty, Indicator, Pairing, Unit
from app.services.database import open_database
from app.services.settings import local_unit

ROOT = Path(__file__).resolve().parent.parent


def _counts(path: Path) -> dict[str, int]:
    db = open_database(str(path))
    try:
        with db.session() as s:
            counts = {
                m.__name__: s.scalar(select(func.count()).select_from(m))
                for m in (Unit, Pairing, Duty, Indicator)
            }
            counts["local"] = local_unit(s).name
        return counts
    finally:
        db.close()


def test_init_creates_and_reports(tmp_path, capsys):
    path = tmp_path / "county.db"
    assert (
        main(["--db", str(path), "init", "--template", "qingtian-2018", "--unit", "县矫正办"]) == 0
    )
    out = capsys.readouterr().out
    assert "职责：新建 24，已存在 0" in out
    assert "挂钩结对：新建 9，已存在 0" in out
    assert _counts(path) == {
        "Unit": 19,
        "Pairing": 9,
        "Duty": 24,
        "Indicator": 27,
        "local": "县矫正办",
    }


def test_init_twice_duplicates_nothing(tmp_path, capsys):
    path = tmp_path / "county.db"
    args = ["--db", str(path), "init", "--template", "qingtian-2018", "--unit", "县矫正办"]
    assert main(args) == 0
    first = _counts(path)
    assert main(args) == 0
    assert "职责：新建 0，已存在 24" in capsys.readouterr().out
    assert _counts(path) == first


def test_unknown_template_fails_and_leaves_no_file(tmp_path, capsys):
    path = tmp_path / "x.db"
    assert (
        main(["--db", str(path), "init", "--template", "nowhere-2099", "--unit", "县矫正办"]) == 2
    )
    err = capsys.readouterr().err
    assert "找不到模板“nowhere-2099”" in err and "qingtian-2018" in err
    assert list(tmp_path.iterdir()) == []


def test_unknown_unit_fails_and_leaves_no_file(tmp_path, capsys):
    path = tmp_path / "x.db"
    assert (
        main(["--db", str(path), "init", "--template", "qingtian-2018", "--unit", "火星司法所"])
        == 2
    )
    assert "没有单位“火星司法所”" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_reassigning_the_unit_is_refused_and_changes_nothing(db_path, capsys):
    before = _counts(db_path)
    assert (
        main(
            ["--db", str(db_path), "init", "--template", "qingtian-2018", "--unit", "法律援助中心"]
        )
        == 2
    )
    assert "已设为“县矫正办”使用" in capsys.readouterr().err
    assert _counts(db_path) == before


def test_help_documents_the_commands():
    result = subprocess.run(
        [sys.executable, "main.py", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "init" in result.stdout and "--db" in result.stdout and "用法" in result.stdout
    result = subprocess.run(
        [sys.executable, "main.py", "init", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--template" in result.stdout and "--unit" in result.stdout


def test_a_bug_in_a_command_is_logged_and_names_the_log(
    monkeypatch, capsys, db_path, expect_logged_errors
):
    from app import cli

    def broken(_args):
        raise KeyError("x")

    monkeypatch.setitem(cli.HANDLERS, "templates", broken)
    assert cli.main(["--db", str(db_path), "templates"]) == 1
    err = capsys.readouterr().err
    assert "意外错误" in err and "bangjiao.log" in err and "Traceback" not in err
    (record,) = expect_logged_errors
    assert record.exc_info and record.exc_info[0] is KeyError


def test_a_locked_database_in_a_command_is_explained(monkeypatch, capsys, db_path):
    import sqlite3

    from app import cli

    def locked(_args):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setitem(cli.HANDLERS, "templates", locked)
    assert cli.main(["--db", str(db_path), "templates"]) == 3
    assert "正被另一个程序占用" in capsys.readouterr().err


def test_help_names_the_frozen_executable(monkeypatch):
    """The installed program's help shows the name it is started by, not main.py."""
    from app.cli import build_parser

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/bangjiao-desk/bangjiao-desk")
    text = build_parser().format_help()
    assert "用法：bangjiao-desk" in text
    assert "  bangjiao-desk --db bangjiao.db init --template" in text
    assert "main.py" not in text


def test_version_is_printed(capsys):
    from app.cli import build_parser
    from app.paths import program_version

    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"大帮教工作台 {program_version()}"
