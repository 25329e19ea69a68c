"""The audit log, second pass (issue 16): changed columns named in Chinese, and the chain's
head copied outside the database (``<db>.audit-head``) so that lines removed from the end
with the head recomputed inside the database are still found — by the service, the
``audit --verify`` command and the 审计日志 dialog's 核对完整性."""

from __future__ import annotations

import re
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.cli import main
from app.models import Base, SyncedRecord
from app.services import accounts, audit
from app.services.database import open_database
from tests.conftest import TEST_PASSWORD, TEST_USER
from tests.helpers import assert_fits_screen, open_page


def _log_in(db_path: Path, times: int = 1) -> None:
    """A few committed lines (a login each)."""
    database = open_database(str(db_path))
    try:
        for _ in range(times):
            with database.session() as s:
                accounts.authenticate(s, TEST_USER, TEST_PASSWORD)
    finally:
        database.close()


def _verify(db_path: Path) -> audit.ChainCheck:
    database = open_database(str(db_path))
    try:
        with database.session() as s:
            return audit.verify_chain(s)
    finally:
        database.close()


def _db_head(db_path: Path) -> str:
    with closing(sqlite3.connect(db_path)) as connection:
        row = connection.execute(
            "SELECT value FROM local_settings WHERE key = ?", (audit.HEAD_KEY,)
        ).fetchone()
    return str(row[0])


def _rewrite_from(db_path: Path, seq: int, change=None, drop_after: int | None = None) -> None:
    """What someone who can edit the file does: delete the lines after ``drop_after``, change
    line ``seq`` with ``change(row)``, recompute every hash from there and the head."""
    with closing(sqlite3.connect(db_path)) as connection:
        connection.row_factory = sqlite3.Row
        if drop_after is not None:
            connection.execute("DELETE FROM audit_entries WHERE seq > ?", (drop_after,))
        rows = [dict(r) for r in connection.execute(
            "SELECT * FROM audit_entries WHERE seq >= ? ORDER BY seq", (seq - 1,))]  # fmt: skip
        previous = rows[0]["hash"]
        for row in rows[1:]:
            if change is not None and row["seq"] == seq:
                change(row)
            row["prev_hash"] = previous
            row["hash"] = previous = audit.line_hash(row)
            connection.execute(
                "UPDATE audit_entries SET description = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (row["description"], row["prev_hash"], row["hash"], row["seq"]),
            )
        connection.execute(
            "UPDATE local_settings SET value = ? WHERE key = ?",
            (f"{rows[-1]['seq']}:{previous}", audit.HEAD_KEY),
        )
        connection.commit()


@pytest.mark.sqlite_only(reason="the head's copy beside the SQLite file")
def test_the_head_is_copied_beside_the_database_owner_only(db_path):
    head_file = audit.head_file(db_path)
    assert head_file.name == "bangjiao.db.audit-head" and not head_file.exists()
    _log_in(db_path)
    assert head_file.read_text(encoding="utf-8").strip() == _db_head(db_path)
    assert stat.S_IMODE(head_file.stat().st_mode) == 0o600
    _log_in(db_path)  # moved with every commit that adds lines
    assert head_file.read_text(encoding="utf-8").strip() == _db_head(db_path)
    database = open_database(str(db_path))
    try:
        before = head_file.read_text(encoding="utf-8")
        with database.session() as s:  # a rolled-back action moves nothing
            accounts.authenticate(s, TEST_USER, TEST_PASSWORD)
            s.rollback()
        assert head_file.read_text(encoding="utf-8") == before
    finally:
        database.close()
    assert _verify(db_path).ok


def test_lines_removed_from_the_end_with_the_head_recomputed_are_found(
    db_path, capsys, qtbot, monkeypatch
):
    _log_in(db_path, 4)
    count = _verify(db_path).count
    _rewrite_from(db_path, count - 2, drop_after=count - 2)
    # inside the database everything agrees now; only the copy outside tells
    check = _verify(db_path)
    assert not check.ok and check.broken_at == count - 1
    assert f"至少有 {count} 条记录" in check.message and "被删除（至少 2 条）" in check.message
    # the command logs in (one more line) before it checks: the copy outside is kept as it was
    assert main(["--db", str(db_path), "audit", "--verify"]) == 1
    assert f"至少有 {count} 条记录" in capsys.readouterr().out

    from app.ui.dialogs.audit_dialog import AuditLogDialog

    shown: list[AuditLogDialog] = []
    monkeypatch.setattr(AuditLogDialog, "exec", lambda dialog: shown.append(dialog) or 0)
    page = open_page(qtbot, db_path, "settings")
    qtbot.mouseClick(page.audit_button, Qt.MouseButton.LeftButton)
    dialog = shown[0]
    qtbot.addWidget(dialog)
    assert_fits_screen(dialog)
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    assert f"至少有 {count} 条记录" in dialog.check_label.text()
    assert "数据库中的校验记录被改写" in dialog.check_label.text()


@pytest.mark.sqlite_only(reason="the head's copy beside the SQLite file")
def test_a_line_changed_and_the_chain_recomputed_is_found(db_path):
    _log_in(db_path, 3)
    count = _verify(db_path).count

    def change(row: dict) -> None:
        row["description"] = "登录：someone-else（管理员）"

    _rewrite_from(db_path, count - 1, change)
    check = _verify(db_path)
    assert not check.ok and check.broken_at == count
    assert "重新计算了校验值" in check.message
    audit.head_file(db_path).write_text("not a head", encoding="utf-8")
    assert "已损坏或被改动" in _verify(db_path).message


def test_changed_columns_are_named_in_chinese(database):
    from app.models import Unit

    with database.session() as s:
        unit = s.query(Unit).filter_by(name="法律援助中心").one()
        unit.sort_order = (unit.sort_order or 0) + 1
        unit.phone = "0578-1234567"
    with database.session() as s:
        line = audit.list_lines(s, audit.AuditFilter(limit=1))[0]
    assert (
        line.description == "修改单位（电话、顺序）" or line.description == "修改单位（顺序、电话）"
    )
    # every column of every audited record has a Chinese name
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, SyncedRecord) or getattr(cls, "__audited__", False):
            for column in mapper.column_attrs:
                label = audit.column_label(column.key)
                assert not re.search(r"[a-z]", label), (cls.__name__, column.key)


@pytest.mark.sqlite_only(reason="the head's copy beside the SQLite file")
def test_a_restore_starts_the_copy_anew_and_a_new_database_forgets_an_old_copy(db_path, tmp_path):
    from app.services.attachments import store_for
    from app.services.backup.archive import write_backup
    from app.services.backup.container import MasterKey, Secret
    from app.services.backup.restore import restore_backup

    master = MasterKey.from_password("纸上的密码-2018")
    _log_in(db_path)
    backup = tmp_path / "b.bjbak"
    write_backup(db_path, store_for(db_path), backup, master)
    _log_in(db_path, 3)  # the log goes on past the backup
    restore_backup(backup, db_path, Secret("纸上的密码-2018"), master)
    assert audit.head_file(db_path).read_text(encoding="utf-8").strip() == _db_head(db_path)
    assert _verify(db_path).ok
    _log_in(db_path)
    assert _verify(db_path).ok

    fresh = tmp_path / "new.db"
    audit.head_file(fresh).write_text("999:" + "0" * 64, encoding="utf-8")  # left behind
    open_database(str(fresh)).close()
    assert not audit.head_file(fresh).exists()
