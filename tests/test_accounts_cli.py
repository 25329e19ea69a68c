"""The command line logs in with BANGJIAO_USER / BANGJIAO_PASSWORD; init sets up the first
管理员 and prints the recovery code once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.services import accounts
from app.services.database import open_database
from tests.conftest import TEST_USER, open_unlocked
from tests.helpers import dump

ROOT = Path(__file__).resolve().parent.parent
LEDGER_EXPORT = ["ledger", "export", "--out"]


def test_a_command_without_credentials_is_refused_in_chinese_with_exit_2(db_path, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANGJIAO_")}
    out = tmp_path / "台账.xlsx"
    done = subprocess.run(
        [sys.executable, "main.py", "--db", str(db_path), *LEDGER_EXPORT, str(out)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert done.returncode == 2
    assert "需要登录" in done.stderr and "BANGJIAO_USER" in done.stderr
    assert not out.exists()


def test_a_wrong_password_is_refused_and_counted(db_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BANGJIAO_PASSWORD", "wrong-password")
    out = tmp_path / "台账.xlsx"
    assert main(["--db", str(db_path), *LEDGER_EXPORT, str(out)]) == 2
    assert "用户名或密码不正确" in capsys.readouterr().err
    assert not out.exists()
    db = open_unlocked(str(db_path))
    try:
        with db.session() as s:
            user = accounts.find_user(s, TEST_USER)
            assert user is not None and user.failed_attempts == 1
    finally:
        db.close()


def test_the_right_credentials_run_the_command(db_path, tmp_path):
    out = tmp_path / "台账.xlsx"
    assert main(["--db", str(db_path), *LEDGER_EXPORT, str(out)]) == 0
    assert out.exists()


def test_init_of_a_new_database_needs_the_variables_and_leaves_no_file(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.delenv("BANGJIAO_PASSWORD")
    path = tmp_path / "new.db"
    args = ["--db", str(path), "init", "--template", "qingtian-2018", "--unit", "县矫正办"]
    assert main(args) == 2
    assert "第一位管理员" in capsys.readouterr().err
    assert not path.exists()
    monkeypatch.setenv("BANGJIAO_PASSWORD", "short")
    assert main(args) == 2
    assert "至少" in capsys.readouterr().err and not path.exists()


def test_init_creates_the_first_admin_and_prints_the_recovery_code_once(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("BANGJIAO_USER", "王管理")
    monkeypatch.setenv("BANGJIAO_PASSWORD", "office-pass-1")
    path = tmp_path / "new.db"
    args = ["--db", str(path), "init", "--template", "qingtian-2018", "--unit", "县矫正办"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "已设立第一位管理员：王管理" in printed
    code = printed.split("恢复码", 1)[1].split("：", 1)[1].split()[0]
    assert main(args) == 0  # a second run logs in and creates nobody
    assert "恢复码" not in capsys.readouterr().out
    db = open_database(str(path))  # locked: the recovery code opens it
    try:
        with db.session() as s:
            assert [u.name for u in accounts.list_users(s)] == ["王管理"]
            accounts.recover_with_code(s, code, "王管理", "after-recovery-1")
        with db.session() as s:
            assert accounts.authenticate(s, "王管理", "after-recovery-1").role == "管理员"
    finally:
        db.close()


def test_init_again_with_a_wrong_password_changes_nothing(db_path, monkeypatch, capsys):
    before = dump(db_path)
    monkeypatch.setenv("BANGJIAO_PASSWORD", "wrong-password")
    args = ["--db", str(db_path), "init", "--template", "qingtian-2018", "--unit", "县矫正办"]
    assert main(args) == 2
    assert "不正确" in capsys.readouterr().err
    after = dump(db_path)
    assert [line for line in after if "failed_attempts" not in line and "users" not in line] == [
        line for line in before if "users" not in line
    ]


def test_users_commands_for_it_staff(db_path, monkeypatch, capsys, shipped_roles):
    db = ["--db", str(db_path)]
    monkeypatch.setenv("BANGJIAO_NEW_PASSWORD", "clerk-pass-1")
    assert main([*db, "users", "add", "--name", "li", "--role", "填报员", "--display", "李"]) == 0
    assert main([*db, "users", "list"]) == 0
    listed = capsys.readouterr().out
    assert "li\t李\t填报员\t在用" in listed
    assert main([*db, "users", "deactivate", "--name", "admin"]) == 2
    assert "最后一位" in capsys.readouterr().err
    monkeypatch.setenv("BANGJIAO_USER", "li")
    monkeypatch.setenv("BANGJIAO_PASSWORD", "clerk-pass-1")
    before = dump(db_path)
    assert main([*db, "users", "add", "--name", "x", "--role", "管理员"]) == 2
    assert "无权管理用户" in capsys.readouterr().err
    assert dump(db_path) == before


@pytest.mark.sqlite_only(reason="backup of a SQLite file (a server's is refused for everyone)")
def test_a_clerk_cannot_make_a_backup_on_the_command_line(
    db_path, tmp_path, monkeypatch, capsys, shipped_roles
):
    db = open_unlocked(str(db_path))
    try:
        with db.session() as s:
            accounts.add_user(s, "li", "clerk-pass-1", "填报员")
    finally:
        db.close()
    monkeypatch.setenv("BANGJIAO_USER", "li")
    monkeypatch.setenv("BANGJIAO_PASSWORD", "clerk-pass-1")
    monkeypatch.setenv("BANGJIAO_BACKUP_PASSWORD", "备份密码-Passw0rd")
    assert main(["--db", str(db_path), "backup", "--out", str(tmp_path)]) == 2
    assert "无权备份与恢复" in capsys.readouterr().err
    assert list(tmp_path.glob("*.bjbak")) == []
