"""The `restore` command needs the permission the window's 恢复… needs (backup.run, 管理员):
it logs in like every command on a database with users, and a role without it, or no
credentials, is refused in Chinese with exit code 2 and the database left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.services import accounts
from app.services.attachments import store_for
from app.services.backup.archive import write_backup
from app.services.backup.container import MasterKey
from tests.conftest import TEST_PASSWORD, TEST_USER, open_unlocked
from tests.helpers import dump

pytestmark = pytest.mark.sqlite_only(reason="restore replaces the SQLite file")

PASSWORD = "纸上的密码-2018"


def _backup(db_path: Path, tmp_path: Path) -> Path:
    out = tmp_path / "b.bjbak"
    write_backup(db_path, store_for(db_path), out, MasterKey.from_password(PASSWORD))
    return out


def test_restore_needs_a_user_who_may_back_up(db_path, tmp_path, monkeypatch, capsys):
    backup = _backup(db_path, tmp_path)
    database = open_unlocked(str(db_path))
    with database.session() as s:
        accounts.add_user(s, "filler", "filler-pass-1", "填报员")
        accounts.add_user(s, "viewer", "viewer-pass-1", "查看")
    with database.session() as s:  # a change after the backup: a restore would undo it
        accounts.set_idle_minutes(s, 7)
    database.close()
    monkeypatch.setenv("BANGJIAO_BACKUP_PASSWORD", PASSWORD)
    before = dump(db_path)
    for user in ("filler", "viewer"):
        monkeypatch.setenv("BANGJIAO_USER", user)
        monkeypatch.setenv("BANGJIAO_PASSWORD", f"{user}-pass-1")
        assert main(["--db", str(db_path), "restore", str(backup), "--yes"]) == 2
        assert "无权备份与恢复" in capsys.readouterr().err
        assert dump(db_path) == before
    monkeypatch.delenv("BANGJIAO_USER")
    monkeypatch.delenv("BANGJIAO_PASSWORD")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    assert main(["--db", str(db_path), "restore", str(backup), "--yes"]) == 2
    assert "需要登录" in capsys.readouterr().err
    assert dump(db_path) == before
    monkeypatch.setenv("BANGJIAO_USER", TEST_USER)
    monkeypatch.setenv("BANGJIAO_PASSWORD", TEST_PASSWORD)
    assert main(["--db", str(db_path), "restore", str(backup), "--yes"]) == 0
    assert "已恢复" in capsys.readouterr().out
    database = open_unlocked(str(db_path))
    try:
        with database.session() as s:
            assert accounts.find_user(s, "filler") is None  # the backup's accounts
            assert accounts.idle_minutes(s) == accounts.DEFAULT_IDLE_MINUTES
    finally:
        database.close()


def test_restore_onto_a_new_file_needs_no_login(db_path, tmp_path, monkeypatch):
    backup = _backup(db_path, tmp_path)
    monkeypatch.setenv("BANGJIAO_BACKUP_PASSWORD", PASSWORD)
    monkeypatch.delenv("BANGJIAO_USER")
    target = tmp_path / "新电脑.db"
    assert main(["--db", str(target), "restore", str(backup), "--yes"]) == 0
    assert target.is_file()
